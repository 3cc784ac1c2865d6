"""Rollgate's version, declared once: the `version` of pyproject.toml's [project] table.

Snapshots record it (DESIGN.md §5) so a reader knows which release judged the evidence. When
Rollgate runs without its pyproject.toml (an installed copy), the installed package's metadata
gives the version; failing both, "unknown".
"""

from __future__ import annotations

import tomllib
from importlib import metadata

from core.paths import PYPROJECT


def _read_version() -> str:
    try:
        with PYPROJECT.open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("rollgate")
    except metadata.PackageNotFoundError:
        return "unknown"


__version__ = _read_version()
