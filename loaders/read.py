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
from dataclasses import replace
from pathlib import Path

import duckdb

from loaders import prefetch
from loaders.errors import InputError
from loaders.formats import FORMATS
from loaders.raw import Cut, RawFile, first_line, next_table
from loaders.scan import count_newlines, line_of, scan_file
from loaders.store import scalar
from loaders.tables import read_json, read_parquet, read_xlsx

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


def read_file(con: duckdb.DuckDBPyConnection, path: Path, name: str, sha256: str | None = None,
              sheet: str | None = None) -> RawFile:
    """Read `path` (shown to the user as `name`) into a temporary table on `con`; of a workbook, `sheet` (the
    first when None; other formats have no sheets and ignore it)."""
    fmt = detect_format(path, name)
    digest = sha256 or file_sha256(path)
    if fmt == "csv":
        return _read_csv(con, path, name, digest)
    if fmt == "parquet":
        return read_parquet(con, path, name, digest)
    if fmt == "xlsx":
        return read_xlsx(con, path, name, digest, sheet)
    return read_json(con, path, name, digest, fmt)


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
        raise InputError(f"{raw.name}: the file could not be read ({first_line(e, raw.source, raw.name)}).") from e
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
            raise InputError(f"{name}: the file could not be read ({first_line(e, raw.source, name)}).") from e
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
