"""Read an uploaded file into a DuckDB temporary table of text columns, one row per record.

The table has the source columns as `c0, c1, ...` (all text, exactly as written, nothing
inferred) and `line`: where the record starts in the file (header = line 1). Rows that cannot
even be split into the header's columns (ragged rows) are kept aside as structural rejects
with their line and the reason, never truncated or padded.

Reading is vectorised: DuckDB's CSV reader with an explicit dialect does the parsing, and a
numpy scan over the bytes finds where each record starts, so line numbers survive quoted
newlines and blank lines without a Python loop per row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb

from loaders import prefetch
from loaders.errors import InputError
from loaders.formats import FORMATS
from loaders.scan import Scan, count_newlines, line_of, scan_file
from loaders.store import scalar

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# A record may be up to 16 MiB (a long comment or pasted log). DuckDB's CSV reader (2.0.1) cuts a file
# into pieces every max(max_line_size, buffer_size / 4) bytes, its buffer being 16 lines by default:
# a piece every 64 MiB, parsed by as many threads. A file without a single quote character splits
# into records at every line end, unambiguously, so it is given buffers of BUFFER_BYTES (a piece every
# 16 MiB) and both cores parse even a 1M-row export: about a third off its import on two cores. At a
# cut DuckDB can go wrong: a piece that starts inside a quoted value, or with a blank line or a ragged
# row, may split records wrongly, drop or repeat rows, or see bytes that are not UTF-8 where there are
# none. Each such slip shows (a ragged row, an encoding error, a row count other than the scan's, a
# failed read), so a file that may have been cut and shows any of them is read again whole: one piece
# (a line limit above its size), one thread. DuckDB then holds the whole file in one buffer, so past
# WHOLE_BYTES a file is read again only if it was given BUFFER_BYTES, and then with the default cuts.
MAX_LINE_BYTES = 16 << 20
BUFFER_BYTES = 32 << 20
WHOLE_BYTES = 256 << 20

_table_counter = 0

Cut = Literal["parallel", "default", "whole"]


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


def file_sha256(path: Path) -> str:
    """sha256 of the file's bytes: taken from the command line's read-ahead when it made it, else read in
    chunks (64 MiB), so a big export does not sit in memory."""
    if ahead := prefetch.take_sha256(path):
        return ahead
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 26):
            digest.update(chunk)
    return digest.hexdigest()


def detect_format(path: Path, name: str) -> str:
    """The file's format from its extension, checked against its first and last bytes."""
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise InputError(
            f"{name}: files ending in '{Path(name).suffix or '(no extension)'}' are not supported; "
            "upload CSV, Parquet, XLSX, JSON or NDJSON."
        )
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{name}: the file is empty; export it again with its header and rows.")
    with path.open("rb") as f:
        head = f.read(8)
        f.seek(max(0, size - 4))
        tail = f.read(4)
    if fmt == "parquet" and not (head[:4] == b"PAR1" and tail == b"PAR1"):
        raise InputError(f"{name}: this is not a complete Parquet file (it is corrupt, truncated or "
                         "another format renamed .parquet); export it again.")
    if fmt == "xlsx" and head[:4] != b"PK\x03\x04":
        raise InputError(f"{name}: this is not an Excel workbook (.xlsx); if it is a CSV or an old .xls "
                         "file, save it as CSV or .xlsx and upload that.")
    if fmt in ("csv", "json", "ndjson") and (head[:4] == b"PAR1" or head[:4] == b"PK\x03\x04"):
        kind = "a Parquet file" if head[:4] == b"PAR1" else "a spreadsheet or zip archive"
        raise InputError(f"{name}: the file is {kind}, not text; give it the right extension.")
    return fmt


def next_table() -> str:
    global _table_counter
    _table_counter += 1
    return f"raw_{_table_counter}"


def read_file(con: duckdb.DuckDBPyConnection, path: Path, name: str, sha256: str | None = None) -> RawFile:
    """Read `path` (shown to the user as `name`) into a temporary table on `con`."""
    fmt = detect_format(path, name)
    digest = sha256 or file_sha256(path)
    if fmt == "csv":
        return _read_csv(con, path, name, digest)
    if fmt == "parquet":
        return _read_parquet(con, path, name, digest)
    if fmt == "xlsx":
        return _read_xlsx(con, path, name, digest)
    return _read_json(con, path, name, digest, fmt)


# --- CSV -------------------------------------------------------------------------------------

# Transcoded copies made while a `scratch()` block runs are removed when it ends, whatever happens.
_SCRATCH: ContextVar[list[Path] | None] = ContextVar("rollgate_scratch", default=None)


@contextmanager
def scratch() -> Iterator[None]:
    """Remove, on leaving, every temporary copy of a file made inside the block."""
    files: list[Path] = []
    token = _SCRATCH.set(files)
    try:
        yield
    finally:
        _SCRATCH.reset(token)
        for f in files:
            f.unlink(missing_ok=True)


def _transcode(path: Path, encoding: str, uniform_newlines: bool = False, name: str | None = None) -> Path:
    """A UTF-8 temporary copy of a file in another encoding (Windows-1252, UTF-16), with CR-only line
    ends made LF and, when asked, CRLF made LF (for files that mix both, which no reader accepts)."""
    try:
        text = path.read_bytes().decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise InputError(f"{name or path.name}: the file is neither UTF-8 nor Windows-1252 text (byte "
                         f"{e.start + 1} cannot be read); save it as CSV UTF-8 and upload that.") from e
    if "\n" not in text and "\r" in text:  # old Mac exports end lines with CR alone
        text = text.replace("\r", "\n")
    if uniform_newlines:
        text = text.replace("\r\n", "\n")
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="rollgate-")
    os.close(fd)
    out = Path(name)
    if (pending := _SCRATCH.get()) is not None:
        pending.append(out)
    out.write_text(text, encoding="utf-8", newline="")
    return out


def _header_text(path: Path, header_end: int) -> str:
    with path.open("rb") as f:
        raw = f.read(min(header_end, 1 << 20))
    return raw.decode("utf-8").removeprefix("\ufeff").rstrip("\r\n")


def sniff_delimiter(header: str) -> str | None:
    """The candidate delimiter that splits the header into the most columns (quotes respected)."""
    best, best_count = None, 0
    for d in DELIMITERS:
        n = len(next(csv.reader(io.StringIO(header), delimiter=d, quotechar='"'), []))
        if n > best_count:
            best, best_count = d, n
    return best if best_count > 1 else None


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str) -> RawFile:
    with path.open("rb") as f:
        head = f.read(4)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        utf8 = _transcode(path, "utf-16", name=name)
        return _csv_source(utf8, name, digest, "UTF-16", [utf8])
    encoding = "UTF-8 with BOM" if head[:3] == b"\xef\xbb\xbf" else "UTF-8"
    try:
        return _csv_source(path, name, digest, encoding)
    except _NotUtf8:
        utf8 = _transcode(path, "cp1252", name=name)
        return _csv_source(utf8, name, digest, "Windows-1252", [utf8])


class _NotUtf8(Exception):
    pass


def _csv_source(path: Path, name: str, digest: str, encoding: str, temp_files: list[Path] | None = None
                ) -> RawFile:
    """The header, dialect and record starts of a UTF-8 CSV, and the reader call for its rows."""
    with path.open("rb") as f:
        probe = f.read(1 << 16)
    if b"\n" not in probe and b"\r" in probe:
        path = _transcode(path, "utf-8")
        temp_files = [*(temp_files or []), path]
    scan = prefetch.take_scan(path) or scan_file(path)
    notes = []
    if 0 < scan.crlf < scan.ends:
        path = _transcode(path, "utf-8", uniform_newlines=True)
        temp_files = [*(temp_files or []), path]
        scan = scan_file(path)
        notes.append("Line ends were mixed (Windows CRLF and Unix LF); they were read as one kind.")
    if scan.open_quote:
        line = count_newlines(path, scan.last_quote) + 1
        raise InputError(f"{name}: line {line}: a quoted value is never closed (the file ends inside quotes); "
                         "fix the quotes on that line or export the file again.")
    try:
        header_line = _header_text(path, scan.header_end)
    except UnicodeDecodeError as e:
        if encoding.startswith("UTF-8"):
            raise _NotUtf8 from e
        raise
    delim = sniff_delimiter(header_line)
    if delim is None:
        raise InputError(
            f"{name}: line 1 has a single column ('{header_line[:80]}'); Rollgate reads CSV separated by "
            "commas, semicolons, tabs or pipes. Check that line 1 is the header."
        )
    headers = [h.strip() for h in next(csv.reader(io.StringIO(header_line), delimiter=delim, quotechar='"'))]
    table = next_table()
    rej, scans = f"{table}_rej", f"{table}_scan"
    cols = {f"c{i}": "varchar" for i in range(len(headers))}
    cut: Cut = "parallel" if scan.last_quote < 0 and path.stat().st_size > BUFFER_BYTES else "default"
    if encoding == "Windows-1252":
        notes.append("The file is not UTF-8; it was read as Windows-1252 (Western European).")
    elif encoding == "UTF-16":
        notes.append("The file is UTF-16 (Excel's \"Unicode text\"); it was read as such.")
    if delim != ",":
        notes.append(f"Columns are separated by {DELIMITER_NAMES[delim]}s.")
    return RawFile(name, "csv", headers, _reader(rej, scans, cut, path), [str(path), delim, cols], digest,
                   encoding=encoding, delimiter=delim, blank_lines=scan.blank, notes=notes, temp_tables=[rej, scans],
                   temp_files=temp_files or [], source=path, scan=scan, cut=cut)


def _reader(rej: str, scans: str, cut: Cut, path: Path) -> str:
    """DuckDB's reader call for a CSV of known dialect. The dialect is given, never sniffed (DuckDB's
    sniffer misreads small semicolon files); every value is text so nothing is inferred; malformed rows
    go to the rejects tables `rej` and `scans`, not an error. `cut`: see BUFFER_BYTES."""
    size = {"parallel": f"max_line_size = {MAX_LINE_BYTES}, buffer_size = {BUFFER_BYTES}",
            "default": f"max_line_size = {MAX_LINE_BYTES}",
            "whole": f"max_line_size = {max(MAX_LINE_BYTES, path.stat().st_size + 1)}"}[cut]
    return ("read_csv(?, header = true, all_varchar = true, delim = ?, quote = '\"', escape = '\"', "
            f"auto_detect = false, columns = ?, strict_mode = true, store_rejects = true, "
            f"rejects_table = '{rej}', rejects_scan = '{scans}', encoding = 'utf-8', {size})")


def _read_again(raw: RawFile) -> Cut | None:
    """How to read again a file whose read showed something amiss (see BUFFER_BYTES); None when it was
    read in one piece, so what the read shows is what the file holds."""
    if raw.format != "csv" or raw.source is None or raw.cut == "whole":
        return None
    size = raw.source.stat().st_size
    if size <= MAX_LINE_BYTES:  # a piece is at least a line limit long: this was one piece
        return None
    if size <= WHOLE_BYTES:
        return "whole"
    return "default" if raw.cut == "parallel" else None


def _reread(con: duckdb.DuckDBPyConnection, raw: RawFile, target: str, cut: Cut) -> RawFile:
    """The file of a read that showed something amiss, to be read again as `cut` says."""
    assert raw.source is not None
    for t in [target, *raw.temp_tables]:
        con.execute(f"drop table if exists {t}")
    rej, scans = raw.temp_tables[:2]
    return replace(raw, relation=_reader(rej, scans, cut, raw.source), cut=cut)


Builder = Callable[[RawFile], tuple[str, list[object]]]


def load(con: duckdb.DuckDBPyConnection, raw: RawFile, target: str, build: Builder) -> RawFile:
    """Create temp table `target` from `build(raw)` (a SELECT over raw.relation), then settle what only
    the parse tells: ragged rows, the real encoding, each row's line. Returns the file as finally read."""
    sql, params = build(raw)
    try:
        con.execute(f"create temp table {target} as {sql}", params)
    except duckdb.Error as e:
        if again := _read_again(raw):
            return load(con, _reread(con, raw, target, again), target, build)
        raise InputError(f"{raw.name}: the file could not be read ({_first_line(e, raw.source, raw.name)}).") from e
    if raw.format != "csv":
        raw.rows = scalar(con, f"select count(*) from {target}")
        return raw
    assert raw.scan is not None and raw.source is not None
    rej = raw.temp_tables[0]
    found = con.execute(f"select line_byte_position, error_type, error_message, csv_line from {rej}").fetchall()
    if found and (again := _read_again(raw)):
        return load(con, _reread(con, raw, target, again), target, build)
    for t in raw.temp_tables:
        con.execute(f"drop table if exists {t}")
    if any(p[1] == "INVALID ENCODING" for p in found):
        con.execute(f"drop table {target}")
        if raw.encoding and raw.encoding.startswith("UTF-8"):
            utf8 = _transcode(raw.source, "cp1252", name=raw.name)
            retry = _csv_source(utf8, raw.name, raw.sha256, "Windows-1252", [*raw.temp_files, utf8])
            return load(con, retry, target, build)
        raise InputError(f"{raw.name}: the file's text encoding could not be read; save it as CSV UTF-8.")
    # A row short of k fields is reported k times at one position: keep its first report.
    first: dict[int, tuple[str, str, str]] = {}
    for pos, kind, msg, text in found:
        first.setdefault(int(pos), (kind, msg, text))
    rows = scalar(con, f"select count(*) from {target}")
    if rows != raw.scan.records - raw.scan.blank - len(first):
        if again := _read_again(raw):
            return load(con, _reread(con, raw, target, again), target, build)
        con.execute(f"drop table {target}")
        raise InputError(_stray_quote_message(raw.name))
    raw.rows = rows
    if first:  # name each problem's line: this needs where every record starts
        import numpy as np

        raw.scan = scan_file(raw.source, positions=True)
        starts = raw.scan.record_starts
        assert starts is not None
        # DuckDB 2.0 reports a bad row's position as its first byte or the byte after it, depending
        # on what precedes the row; either way the row is the first record starting at or after p - 1.
        positions = np.array(sorted(first), dtype=np.int64)
        idx = np.minimum(np.searchsorted(starts, positions - 1, side="left"), len(starts) - 1)
        raw.reject_positions = starts[idx]
        lines = line_of(raw.scan, raw.reject_positions)
        reports = [first[int(p)] for p in positions]
        for (kind, msg, _), line in zip(reports, lines, strict=True):
            if kind == "UNQUOTED VALUE":
                con.execute(f"drop table {target}")
                raise InputError(f"{raw.name}: line {line}: a quoted value is never closed ({msg}); fix the "
                                 "quotes on that line or export the file again.")
        raw.structural = [(int(line), _ragged_reason(kind, msg))
                          for (kind, msg, _), line in zip(reports, lines, strict=True)]
        raw.structural_raw = [text for _, _, text in reports]
    return raw


def _ragged_reason(kind: str, msg: str) -> str:
    # DuckDB says "Expected Number of Columns: 3 Found: 4"; say it the way a manager reads it.
    if kind in ("TOO MANY COLUMNS", "MISSING COLUMNS") and "Found:" in msg:
        expected = msg.split("Expected Number of Columns:")[1].split("Found:")[0].strip()
        found = msg.split("Found:")[1].strip().split()[0]
        more = "too many" if kind == "TOO MANY COLUMNS" else "too few"
        return f"{more} fields: expected {expected}, found {found}"
    return msg


def _stray_quote_message(name: str) -> str:
    return (f"{name}: a quote character (\") appears inside a value that is not itself in quotes, so the rows "
            "cannot be told apart reliably. Put such values in double quotes (doubling the quote inside), or "
            "export the file again as standard CSV.")


def _first_line(e: Exception, path: Path | None = None, name: str = "") -> str:
    """The first line of a library's error, without the server-side path of the upload."""
    text = str(e).strip().splitlines()[0][:300]
    return text.replace(str(path), name) if path is not None else text


# --- Parquet, XLSX, JSON ----------------------------------------------------------------------

def _from_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, name: str, fmt: str, digest: str,
                first_line: int, notes: list[str] | None = None) -> RawFile:
    """A temp table of text columns from a polars frame, lines counted from `first_line`."""
    import numpy as np
    import polars as pl

    headers = [str(c).strip() for c in frame.columns]
    text = frame.select([pl.col(c).cast(pl.String).alias(f"c{i}") for i, c in enumerate(frame.columns)])
    table = next_table()
    con.register(f"{table}_src", text)
    con.execute(f"create temp table {table} as select * from {table}_src")
    con.unregister(f"{table}_src")
    return RawFile(name, fmt, headers, table, [], digest, text.height, temp_tables=[table],
                   lines=np.arange(first_line, first_line + text.height, dtype=np.int64), notes=notes or [])


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str) -> RawFile:
    import numpy as np

    table = next_table()
    try:
        described = con.execute("select column_name from (describe select * from read_parquet(?))",
                                [str(path)]).fetchall()
        headers = [r[0] for r in described]
        select = ", ".join(f'cast("{h.replace(chr(34), chr(34) * 2)}" as varchar) as c{i}'
                           for i, h in enumerate(headers))
        con.execute(f"create temp table {table} as select {select} from read_parquet(?)", [str(path)])
    except duckdb.Error as e:
        raise InputError(f"{name}: the Parquet file could not be read ({_first_line(e, path, name)}); it may be "
                         "corrupt or incomplete — export it again.") from e
    rows = scalar(con, f"select count(*) from {table}")
    return RawFile(name, "parquet", [h.strip() for h in headers], table, [], digest, int(rows),
                   lines=np.arange(1, int(rows) + 1, dtype=np.int64), temp_tables=[table],
                   notes=["Parquet rows are numbered from 1 in the messages below."])


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str) -> RawFile:
    import polars as pl  # only here: the CSV path stays free of polars' start-up cost

    try:
        frame = pl.read_excel(path, sheet_id=1, infer_schema_length=0, drop_empty_rows=False,
                              drop_empty_cols=False, raise_if_empty=False)
    except Exception as e:  # calamine raises its own error types; all mean "not a readable workbook"
        raise InputError(f"{name}: the workbook could not be read ({_first_line(e, path, name)}); save it again "
                         "as .xlsx or export CSV.") from e
    if not frame.columns:
        raise InputError(f"{name}: the first sheet is empty; put the header in row 1 of the first sheet.")
    return _from_frame(con, frame, name, "xlsx", digest, first_line=2,
                       notes=["Read from the first sheet; row numbers are the sheet's rows."])


def _read_json(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str, fmt: str) -> RawFile:
    """JSON array or NDJSON of flat records; each record's keys become the columns."""
    import numpy as np

    with path.open("rb") as f:
        first = f.read(1 << 16).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    records = next_table()
    if first == b"[":
        try:
            con.execute(f"create temp table {records} as select json as j, "
                        "cast(row_number() over () as bigint) as line "
                        "from read_json_objects(?, format = 'array')", [str(path)])
        except duckdb.Error as e:
            raise InputError(f"{name}: the JSON could not be read ({_first_line(e, path, name)}).") from e
        fmt = "json"
    else:
        # One record per line: read the lines as text, then parse each with DuckDB's JSON functions,
        # so one malformed line is a reject with its line number, not a failed file.
        con.execute(
            f"create temp table {records}_lines as select j from read_csv(?, header = false, "
            "columns = {'j': 'varchar'}, delim = chr(0), quote = '', escape = '', auto_detect = false, "
            "max_line_size = 16777216)", [str(path)])
        # rowid follows the file's order, and empty lines are kept as null rows, so rowid + 1 is the line.
        con.execute(f"create temp table {records} as select j, rowid + 1 as line from {records}_lines")
        con.execute(f"drop table {records}_lines")
        fmt = "ndjson"
    # Columns in the order they first appear: by the first record that has the key, then by its
    # place in that record (so the order is the same on every read).
    keys = [r[0] for r in con.execute(
        f"select k from (select k, min(line * 1000000 + pos) as first from (select unnest(json_keys(jv)) as k, "
        f"unnest(range(len(json_keys(jv)))) as pos, line from (select case when json_valid(j) then j end as jv, "
        f"line from {records}) where json_type(jv) = 'OBJECT') group by k) order by first").fetchall()]
    if not keys:
        raise InputError(f"{name}: no JSON records with fields were found; Rollgate reads a JSON array of "
                         "objects or one object per line (NDJSON).")
    table = next_table()
    # Only valid JSON reaches the extraction (jv is null otherwise), so one bad line cannot fail the
    # file; nested values are kept as their JSON text.
    cols = ", ".join(
        f"case when ok then (case when json_type(jv -> ?) in ('OBJECT', 'ARRAY') then cast(jv -> ? as varchar) "
        f"else jv ->> ? end) end as c{i}" for i in range(len(keys)))
    params: list[str] = []
    for k in keys:
        path_k = "$." + '"' + k.replace('"', '\\"') + '"'
        params += [path_k, path_k, path_k]
    con.execute(f"create temp table {table}_all as select {cols}, line, ok from "
                f"(select jv, line, coalesce(json_type(jv) = 'OBJECT', false) as ok from "
                f"(select case when json_valid(j) then j end as jv, line from {records} "
                f"where j is not null and trim(j) <> ''))", params)
    bad = con.execute(f"select line, j from {table}_all join {records} using (line) where not ok order by line"
                      ).fetchall()
    blank = scalar(con, f"select count(*) from {records} where j is null or trim(j) = ''")
    names = ", ".join(f"c{i}" for i in range(len(keys)))
    con.execute(f"create temp table {table} as select {names} from {table}_all where ok order by line")
    lines = con.execute(f"select line from {table}_all where ok order by line").fetchnumpy()["line"]
    con.execute(f"drop table {table}_all; drop table {records}")
    rows = len(lines)
    structural = [(int(line), "not a valid JSON object") for line, _ in bad]
    return RawFile(name, fmt, keys, table, [], digest, int(rows), blank_lines=int(blank), temp_tables=[table],
                   lines=np.asarray(lines, dtype=np.int64), structural=structural,
                   structural_raw=[str(j)[:2000] for _, j in bad],
                   notes=["Records of the JSON array are numbered from 1."] if fmt == "json" else [])


# --- a look at the first rows ---------------------------------------------------------------------

PEEK_BYTES = 1 << 20  # the head of a CSV checked for UTF-8 before its first rows are shown


def peek(con: duckdb.DuckDBPyConnection, path: Path, name: str, rows: int = 5
         ) -> tuple[list[str], list[list[str | None]]]:
    """The headers (JSON: the records' keys) of the file at `path`, shown as `name`, and its first `rows`
    records exactly as written: every value as text, None where the record has no value. Read like an
    ingest reads (formats, encodings, delimiters), so what is shown is what would be validated; a CSV row
    that cannot be split into the header's columns is left out here (the validation report names it).
    Nothing is left on `con`. Raises InputError, naming the file, when it cannot be read."""
    with scratch():
        return _peek(con, path, name, rows)


def _peek(con: duckdb.DuckDBPyConnection, path: Path, name: str, rows: int
          ) -> tuple[list[str], list[list[str | None]]]:
    raw = read_file(con, path, name)
    try:
        if (raw.format == "csv" and raw.source is not None and (raw.encoding or "").startswith("UTF-8")
                and not _utf8_head(raw.source)):
            # A UTF-8 header over rows that are not: read it as the ingest will, as Windows-1252. (The
            # reader's own rejects cannot tell: under a LIMIT it stops before recording them.)
            utf8 = _transcode(raw.source, "cp1252", name=name)
            _drop_temp(con, raw, files=False)
            raw = _csv_source(utf8, name, raw.sha256, "Windows-1252", [*raw.temp_files, utf8])
        try:
            found = con.execute(f"select * from {raw.relation} limit ?", [*raw.params, max(rows, 0)]).fetchall()
        except duckdb.Error as e:
            raise InputError(f"{name}: the file could not be read ({_first_line(e, raw.source, name)}).") from e
    finally:
        _drop_temp(con, raw)
    return raw.headers, [[None if v is None else str(v) for v in r[:len(raw.headers)]] for r in found]


def _utf8_head(path: Path) -> bool:
    """Whether the file's first PEEK_BYTES are UTF-8 (a character cut at the end of them is fine)."""
    import codecs

    with path.open("rb") as f:
        head = f.read(PEEK_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _drop_temp(con: duckdb.DuckDBPyConnection, raw: RawFile, files: bool = True) -> None:
    for t in raw.temp_tables:
        con.execute(f"drop table if exists {t}")
    for f in raw.temp_files if files else []:
        f.unlink(missing_ok=True)
