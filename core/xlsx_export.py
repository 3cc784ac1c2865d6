"""Excel workbooks that leave Rollgate (rejected rows to fix and import again): every text cell written as
text, never as a formula, so a value that starts with '=' is shown as written and nothing in it runs (the
reason a CSV export prefixes such cells with an apostrophe instead, core.csv_export)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

import xlsxwriter


def safe_xlsx(rows: Iterable[Mapping[str, object]], columns: list[str], sheet: str = "Rows") -> bytes:
    """One sheet: a header row, then each row's cells under `columns` (numbers as numbers, anything else as
    text; None empty)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    page = book.add_worksheet(sheet[:31])  # Excel's limit on a sheet name
    bold = book.add_format({"bold": True})
    for c, name in enumerate(columns):
        page.write_string(0, c, name, bold)
    for r, row in enumerate(rows, start=1):
        for c, name in enumerate(columns):
            value = row.get(name)
            if isinstance(value, bool) or value is None:
                if value is not None:
                    page.write_string(r, c, str(value))
            elif isinstance(value, int | float):
                page.write_number(r, c, value)
            else:
                page.write_string(r, c, str(value))
    book.close()
    return out.getvalue()
