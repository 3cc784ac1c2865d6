"""Where Rollgate's files are, relative to its folder: the one place paths are spelled."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
DOCS = ROOT / "docs"
README = ROOT / "README.md"
DEFAULT_DB = DATA / "rollgate.duckdb"
DEFAULT_PLAN = DATA / "plan.toml"
DEMO_DIR = DATA / "demo"
PYPROJECT = ROOT / "pyproject.toml"
