"""A file opened for reading: its columns as text, and the SQL relation that yields its rows.

Shared by the CSV reader (loaders.read), the other formats (loaders.tables) and the presets, so
none of them has to import another to speak of a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from loaders.scan import Scan, line_of, scan_file

if TYPE_CHECKING:
    import numpy as np

Cut = Literal["parallel", "default", "whole"]  # CSV: how DuckDB's reader cuts it into pieces (loaders.read)

_table_counter = 0

# The most columns a file may have, whatever its format. Real exports have tens, a Jira export with every
# field a few hundred; far more is a broken file, and the validating query grows with every column (DuckDB
# runs out of its memory budget near 16,000 columns of CSV, or 1,000 keys of JSON unchecked).
MAX_COLUMNS = 4_096


def too_many_columns(name: str, where: str, count: int, what: str = "columns") -> str:
    """The refusal of a file with more than MAX_COLUMNS columns: '<name>: <where> <count> <what>; …'."""
    return (f"{name}: {where} {count:,} {what}; Rollgate reads at most {MAX_COLUMNS:,}. Export only the columns "
            "the dataset needs, or check that the header is where it should be.")


@dataclass
class RawFile:
    """A file ready to be read: its columns, and the SQL relation that yields its rows as text.

    For CSV the relation is DuckDB's reader itself, so the rows are parsed while they are
    validated (no intermediate copy); `load` then settles what only the parse can tell
    (ragged rows, encoding, line numbers). Other formats are read into a temp table first.
    """

    name: str
    format: str
    headers: list[str]
    relation: str
    params: list[object]
    sha256: str
    rows: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    blank_lines: int = 0
    lines: np.ndarray | None = None  # row position -> line in the file (CSV: worked out when first needed)
    reject_positions: np.ndarray | None = None  # where the rows set aside as structural rejects start
    structural: list[tuple[int, str]] = field(default_factory=list)  # (line, reason) of unsplittable rows
    structural_raw: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    temp_tables: list[str] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)  # transcoded copies, removed after the ingest
    source: Path | None = None
    scan: Scan | None = None
    # The period the export itself states it covers (a preset reads it from the file), first and last day;
    # None when the file does not say (DESIGN.md §2 Coverage).
    period: tuple[date, date] | None = None
    cut: Cut = "default"  # CSV: how DuckDB's reader cuts it into pieces (see BUFFER_BYTES)

    def lines_of(self, rows: np.ndarray) -> np.ndarray:
        """The line in the file where each of these rows (positions in file order) starts."""
        import numpy as np

        if self.lines is None:
            assert self.source is not None
            scan = self.scan if self.scan and self.scan.record_starts is not None else scan_file(self.source, True)
            self.scan = scan
            assert scan.record_starts is not None
            starts = (scan.record_starts if self.reject_positions is None
                      else scan.record_starts[~np.isin(scan.record_starts, self.reject_positions)])
            self.lines = line_of(scan, starts)
        return self.lines[rows]


def next_table() -> str:
    global _table_counter
    _table_counter += 1
    return f"raw_{_table_counter}"


def first_line(e: Exception, path: Path | None = None, name: str = "") -> str:
    """The first line of a library's error, without the server-side path of the upload."""
    text = str(e).strip().splitlines()[0][:300]
    return text.replace(str(path), name) if path is not None else text


def not_utf8(where: str) -> str:
    """The reason of a record holding a byte that is not UTF-8, `where` saying which byte."""
    return f"{where} is not valid UTF-8 (a character saved in another encoding)"
