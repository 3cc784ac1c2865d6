"""The layers of README.md "Layout" where import-linter cannot see them.

`lint-imports` (pyproject.toml [tool.importlinter]) checks the packages and pages/, but reads no
top-level module: app.py and cli.py are held here to the top of the layers, beside pages/ and
independent of it and of each other."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_MODULES = ["app", "cli"]
# Folders of Python that are not part of the app: its tests, benchmarks and demo data generator.
OUTSIDE = {"tests", "bench", "data", "docs"}


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, in functions too: a deferred import is still an arrow."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module)]
    return found


def contract(contract_id: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    found: dict[str, Any] = next(c for c in config["contracts"] if c["id"] == contract_id)
    return found


def layers() -> set[str]:
    return set(contract("layers")["layers"])


@pytest.mark.parametrize("name", TOP_MODULES)
def test_a_top_module_imports_neither_pages_nor_the_other(name: str) -> None:
    beside = {*TOP_MODULES, "pages"} - {name}
    wrong = [f"{name}.py:{line} imports {module}" for line, module in imported(ROOT / f"{name}.py")
             if module.split(".")[0] in beside]
    assert wrong == []


def test_every_package_of_the_app_is_a_layer() -> None:
    # A folder outside the contract would be checked by nothing.
    assert {p.parent.name for p in ROOT.glob("*/*.py")} - OUTSIDE == layers()


def test_no_layer_imports_a_top_module() -> None:
    forbidden = contract("nothing-imports-app-or-cli")
    assert forbidden["forbidden_modules"] == TOP_MODULES
    assert set(forbidden["source_modules"]) == layers()
