"""CSV exports neutralise spreadsheet formulas in text cells and keep numbers as numbers."""

from __future__ import annotations

import pytest

from ui.export import neutralise, safe_csv


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
