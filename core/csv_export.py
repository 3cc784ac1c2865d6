"""CSV files that leave Rollgate (snapshot criteria, rejected rows, family tables): every cell quoted,
text cells neutralised against spreadsheet formulas (OWASP's CSV injection guidance). Part of the
core, so the snapshots engine and the UI both use it and neither depends on the other.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

# OWASP CSV injection: a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def neutralise(value: object) -> object:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(rows: Iterable[Mapping[str, object]], columns: list[str]) -> bytes:
    """RFC 4180 CSV (every cell quoted) with text cells neutralised; UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else neutralise(row.get(c)) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
