"""CSV exports (core.csv_export) neutralise spreadsheet formulas in text cells and keep numbers as numbers;
the module is neutral ground: the snapshots engine uses it without depending on the UI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.csv_export import neutralise, safe_csv

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("", ""), (-3, -3), (2.5, 2.5), (None, None),
])
def test_neutralise(value: object, expected: object) -> None:
    assert neutralise(value) == expected


def test_safe_csv_quotes_every_cell_and_writes_a_bom() -> None:
    out = safe_csv([{"a": "=1+2", "b": -4}, {"a": 'say "hi"', "b": None}], ["a", "b"])
    assert out == '\ufeff"a","b"\r\n"\'=1+2","-4"\r\n"say ""hi""",""\r\n'.encode()


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "snapshots").glob("*.py")), ids=lambda p: p.name)
def test_the_snapshots_engine_imports_nothing_from_the_ui(path: Path) -> None:
    assert not {m for m in _imports(path) if m.split(".")[0] in ("ui", "pages", "streamlit")}

