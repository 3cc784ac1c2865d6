"""Read Parquet, XLSX and JSON uploads into a DuckDB temporary table of text columns.

The counterpart of loaders.read (CSV) for the formats that are not a stream of delimited lines:
the result is the same RawFile, so validation and the ingest do not care where rows came from.

XLSX: one sheet is read, the first unless another is chosen, every cell as text; an Excel error
cell (#DIV/0!, #N/A, ...) arrives as the code Excel shows, never as an empty cell, so validation
rejects its row. JSON: an array of flat records, one record per line (NDJSON), or a Microsoft
Graph response (`{"value": [...]}`); a record holding a nested value or a key written twice is
set aside as a structural reject. Nothing in a file is evaluated: formulas are read as the value
the workbook saved, JSON as data.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core.errors import InputError
from loaders.raw import MAX_COLUMNS, RawFile, first_line, next_table, not_utf8, too_many_columns
from loaders.scratch import new_copy
from loaders.store import scalar

if TYPE_CHECKING:
    import fastexcel
    import polars as pl

RAW_LIMIT = 2000  # characters of a rejected record kept with its reject
MAX_LINE_BYTES = 16 << 20  # NDJSON: a record may be up to 16 MiB on its line


def _from_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, headers: list[str], name: str, fmt: str,
                digest: str, first_line: int, notes: list[str] | None = None) -> RawFile:
    """A temp table of text columns from a polars frame, lines counted from `first_line`."""
    import numpy as np
    import polars as pl

    text = frame.select([pl.col(c).cast(pl.String).alias(f"c{i}") for i, c in enumerate(frame.columns)])
    table = next_table()
    con.register(f"{table}_src", text)
    con.execute(f"create temp table {table} as select * from {table}_src")
    con.unregister(f"{table}_src")
    return RawFile(name, fmt, [h.strip() for h in headers], table, [], digest, text.height, temp_tables=[table],
                   lines=np.arange(first_line, first_line + text.height, dtype=np.int64), notes=notes or [])


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str) -> RawFile:
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
        raise InputError(f"{name}: the Parquet file could not be read ({first_line(e, path, name)}); it may be "
                         "corrupt or incomplete — export it again.") from e
    rows = scalar(con, f"select count(*) from {table}")
    return RawFile(name, "parquet", [h.strip() for h in headers], table, [], digest, int(rows),
                   lines=np.arange(1, int(rows) + 1, dtype=np.int64), temp_tables=[table],
                   notes=["Parquet rows are numbered from 1 in the messages below."])


# --- XLSX ----------------------------------------------------------------------------------------

# The error values a cell can hold, by calamine's name for them, as Excel shows them.
EXCEL_ERRORS = {"Div0": "#DIV/0!", "NA": "#N/A", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
                "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}
_ERROR_DETAIL = re.compile(r"'Error\((\w+)\)'")
_UNSUPPORTED_ERROR = re.compile(r"Unsupported cell error value '([^']{1,40})'")


def excel_error_text(detail: str) -> str | None:
    """The code Excel shows for an error cell ("#DIV/0!"), from fastexcel's note on a cell it could not give
    as text ("Expected string but got 'Error(Div0)'"); None when the note names no Excel error.

    fastexcel reads error cells as null and tells which they were only in this note (its public API has no
    typed error value), so this is the one place that reads the note; tests/test_tables.py pins it."""
    found = _ERROR_DETAIL.search(detail)
    return EXCEL_ERRORS.get(found.group(1)) if found else None


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _workbook(path: Path, name: str) -> fastexcel.ExcelReader:
    import fastexcel

    try:
        return fastexcel.read_excel(path)
    except Exception as e:  # calamine raises its own error types; all mean "not a readable workbook"
        raise InputError(f"{name}: the workbook could not be read ({first_line(e, path, name)}); save it again "
                         "as .xlsx or export CSV.") from e


def sheet_names(path: Path, name: str) -> list[str]:
    """The sheets of the workbook at `path` (shown as `name`), in the workbook's order; the first is the one
    read when none is chosen. Raises InputError when the file is not a readable workbook."""
    return list(_workbook(path, name).sheet_names)


def _pick_sheet(sheets: list[str], sheet: str | None, name: str) -> str:
    if sheet is None:
        return sheets[0]
    if sheet in sheets:
        return sheet
    # Excel refuses two sheets whose names differ only in case, so a name matched ignoring case is the one meant.
    same = [s for s in sheets if s.strip().casefold() == sheet.strip().casefold()]
    if same:
        return same[0]
    raise InputError(f"{name}: the workbook has no sheet '{sheet}'; its sheets are {_quoted(sheets)}. Choose one "
                     "of those.")


def _with_error_cells(frame: pl.DataFrame, errors: list[fastexcel.CellError], name: str, sheet: str
                      ) -> pl.DataFrame:
    """The sheet's grid with every error cell holding the code Excel shows for it (calamine gives null)."""
    import polars as pl

    by_column: dict[int, tuple[list[int], list[str]]] = {}
    for e in errors:  # one entry per error cell, not per row
        row, col = e.offset_position
        text = excel_error_text(e.detail)
        if text is None:
            raise InputError(f"{name}: sheet '{sheet}', row {row + 1}: a cell could not be read as text "
                             f"({e.detail}); replace it with its value and save the workbook again.")
        rows, texts = by_column.setdefault(col, ([], []))
        rows.append(row)
        texts.append(text)
    columns = frame.get_columns()
    for col, (rows, texts) in by_column.items():
        columns[col] = columns[col].scatter(rows, texts)
    return pl.DataFrame(columns)


def _unreadable_sheet(e: Exception, path: Path, name: str, sheet: str) -> str:
    unsupported = _UNSUPPORTED_ERROR.search(str(e))
    if unsupported:  # an error value calamine does not know (#SPILL!, #CALC!, ...) stops the whole sheet
        return (f"{name}: sheet '{sheet}' has a cell showing the Excel error {unsupported.group(1)}, which Rollgate "
                "cannot read; correct that formula, or paste the sheet as values, and save the workbook again.")
    return (f"{name}: sheet '{sheet}' could not be read ({first_line(e, path, name)}); save it again as .xlsx or "
            "export CSV.")


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str, sheet: str | None = None
              ) -> RawFile:
    """One sheet of a workbook (the first, or `sheet`, matched ignoring case) as text: its first non-empty row
    is the header, and each row keeps its row number in the sheet. The notes name the sheets not read."""
    import polars as pl  # only here: the CSV path stays free of polars' start-up cost

    book = _workbook(path, name)
    sheets = list(book.sheet_names)
    if not sheets:
        raise InputError(f"{name}: the workbook has no sheets; save it again as .xlsx or export CSV.")
    chosen = _pick_sheet(sheets, sheet, name)
    try:
        # No header row and no rows skipped: the grid starts at the sheet's row 1 (blank rows above the header
        # included), so a grid row is a sheet row; every cell as text, so nothing is inferred.
        grid, errors = book.load_sheet(chosen, header_row=None, skip_rows=0, dtypes="string").to_arrow_with_errors()
    except Exception as e:  # calamine's and fastexcel's own error types
        raise InputError(_unreadable_sheet(e, path, name, chosen)) from e
    frame = pl.DataFrame(grid)
    if errors is not None:
        frame = _with_error_cells(frame, errors.errors, name, chosen)
    filled = (frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series().arg_true() if frame.width
              else pl.Series(dtype=pl.UInt32))
    if filled.is_empty():
        if len(sheets) == 1:
            raise InputError(f"{name}: the first sheet is empty; put the header in row 1 of the first sheet.")
        which = f"the first sheet, '{chosen}'," if sheet is None else f"sheet '{chosen}'"
        raise InputError(f"{name}: {which} is empty; choose the sheet that holds the export (the workbook has "
                         f"{_quoted(sheets)}).")
    header = int(filled[0])
    headers = ["" if v is None else str(v) for v in frame.row(header)]
    named = [i for i, h in enumerate(headers) if h.strip()]
    if named and named[-1] + 1 < len(headers):  # columns past the last header are never read: a stray cell far
        frame, headers = frame[:, :named[-1] + 1], headers[:named[-1] + 1]  # to the right must not cost a column
    if len(headers) > MAX_COLUMNS:
        raise InputError(too_many_columns(name, f"sheet '{chosen}' has", len(headers)))
    if len(sheets) == 1:
        notes = ["Read from the first sheet; row numbers are the sheet's rows."]
    else:
        notes = [f"Read sheet '{chosen}'; not read: {_quoted([s for s in sheets if s != chosen])}.",
                 "Row numbers are the sheet's rows."]
    return _from_frame(con, frame.slice(header + 1), headers, name, "xlsx", digest, first_line=header + 2,
                       notes=notes)


def peek_sheet(con: duckdb.DuckDBPyConnection, path: Path, name: str, sheet: str | None, rows: int
               ) -> tuple[list[str], list[list[str | None]]]:
    """loaders.read.peek for one sheet of a workbook: its header and first `rows` rows exactly as the ingest
    reads them, every value as text. Nothing is left on `con`; raises InputError, naming the file."""
    raw = read_xlsx(con, path, name, "", sheet)
    try:
        found = con.execute(f"select * from {raw.relation} limit ?", [max(rows, 0)]).fetchall()
    finally:
        for t in raw.temp_tables:
            con.execute(f"drop table if exists {t}")
    return raw.headers, [[None if v is None else str(v) for v in r] for r in found]


# --- JSON and NDJSON -----------------------------------------------------------------------------

def read_json(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str, fmt: str,
              folder: Callable[[], Path] | None = None) -> RawFile:
    """A JSON array of flat records, one record per line (NDJSON), or a Microsoft Graph response (its "value"
    list). Each record's keys become the columns, in the order they first appear. A row is numbered by its
    line (NDJSON) or its place in the list, from 1. What is not a JSON object, a record with the same key
    twice, a record with an object or array in a field and a record holding bytes that are not UTF-8 are
    structural rejects (line, reason). `folder` gives where a copy goes when one is needed (loaders.scratch;
    the system's temporary folder when not given)."""
    with path.open("rb") as f:
        first = f.read(1 << 16).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    records = next_table()
    try:
        if first == b"[":
            unreadable = _read_array(con, path, name, records, folder or (lambda: Path(tempfile.gettempdir())))
            fmt, notes = "json", ["Records of the JSON array are numbered from 1."]
        else:
            fmt, notes, unreadable = _lines_or_document(con, path, name, records)
        return _flat_records(con, records, name, fmt, digest, notes, unreadable)
    finally:
        con.execute(f"drop table if exists {records}")


def _read_array(con: duckdb.DuckDBPyConnection, path: Path, name: str, records: str, folder: Callable[[], Path]
                ) -> list[tuple[int, str, str]]:
    """Fill `records` (j, line) from a JSON array, numbered from 1. A record holding bytes that are not UTF-8
    is returned as (place, reason, text) and left out, so a stray byte rejects its record, not the file."""
    sql = ("create temp table {records} as select json as j, cast(row_number() over () as bigint) as line "
           "from read_json_objects(?, format = 'array')")
    try:
        con.execute(sql.format(records=records), [str(path)])
        return []
    except duckdb.Error as e:
        if "invalid UTF-8" not in str(e):
            raise InputError(f"{name}: the JSON could not be read ({_why(e, path, name)}); export it again.") from e
        error = e
    # Rare: the array holds stray bytes. Each run of them becomes a marker that the file cannot hold (a
    # noncharacter absent from it), the copy is read, and the records holding a marker are set aside.
    data = path.read_bytes()
    marker = next(chr(c) for c in range(0xFDD0, 0xFDF0) if chr(c).encode() not in data)
    text = data.decode("utf-8", "surrogateescape")
    bad_at = [m.start() for m in STRAY.finditer(text)]
    byte_at = [len(text[:i].encode("utf-8", "surrogateescape")) + 1 for i in bad_at]
    copy = new_copy(folder(), ".json")
    copy.write_bytes(STRAY.sub(marker, text).encode("utf-8"))
    try:
        con.execute(sql.format(records=records), [str(copy)])
    except duckdb.Error:
        raise InputError(f"{name}: the JSON could not be read ({_why(error, path, name)}); save it as UTF-8 "
                         "and upload it again.") from error
    finally:
        copy.unlink(missing_ok=True)
    text_of = "cast(j as varchar)"
    found = con.execute(f"select line, {text_of}, length({text_of}) - length(replace({text_of}, ?, '')) "
                        f"from {records} where contains({text_of}, ?) order by line", [marker, marker]).fetchall()
    con.execute(f"delete from {records} where contains({text_of}, ?)", [marker])
    out, seen = [], 0
    for line, raw, count in found:  # only the records holding a stray byte, not every record
        out.append((int(line), not_utf8(f"byte {byte_at[seen]} of the file"),
                    str(raw).replace(marker, "\ufffd")[:RAW_LIMIT]))
        seen += int(count)
    return out


def _why(e: duckdb.Error, path: Path, name: str) -> str:
    """DuckDB's reason for refusing a JSON file, without its error class ("Invalid Input Error: ")."""
    return first_line(e, path, name).split("Error: ", 1)[-1]


# A run of bytes that are not UTF-8, as Python's surrogateescape decoding shows them.
STRAY = re.compile("[\udc80-\udcff]+")


def _lines_or_document(con: duckdb.DuckDBPyConnection, path: Path, name: str, records: str
                       ) -> tuple[str, list[str], list[tuple[int, str, str]]]:
    """Fill `records` (j, line) from a file that is not a JSON array: one record per line (NDJSON), or one JSON
    document (a Graph response, or a single record). Returns (format, notes, lines the reader could not take
    as (line, reason, text))."""
    unreadable = _read_lines(con, path, name, records)
    first = con.execute(f"select line, coalesce(json_type(case when json_valid(j) then j end) = 'OBJECT', false) "
                        f"from {records} where trim(j) <> '' order by line limit 1").fetchone()
    if first is None:
        return "ndjson", [], unreadable
    line, is_object = int(first[0]), bool(first[1])
    # A lone object is the whole file only when no line was set aside: else it is one record of NDJSON.
    lone = is_object and not unreadable and scalar(con, f"select count(*) from {records} where trim(j) <> ''") == 1
    document = f"{records}_doc"
    try:
        if lone:  # a single line holding one object: a record, or a whole response written on one line
            con.execute(f"create temp table {document} as select json(j) as d from {records} where line = ?", [line])
        elif is_object or unreadable:
            return "ndjson", [], unreadable
        else:  # the first line is not a whole object: the file may be one document written over many lines
            try:
                con.execute(f"create temp table {document} as select json(ltrim(content, chr(65279))) as d "
                            "from read_text(?)", [str(path)])
            except duckdb.Error as e:
                if scalar(con, f"select count(*) from {records} where json_valid(j) and json_type(j) = 'OBJECT'"):
                    return "ndjson", [], unreadable  # NDJSON whose first line is broken: that line is rejected
                why = str(e).split(" Input:")[0].split("Error: ", 1)[-1].strip()  # DuckDB quotes the input
                raise InputError(f"{name}: the JSON could not be read ({why}); export it again.") from e
        return _unwrap(con, document, records, name, line, "ndjson" if lone else "json")
    finally:
        con.execute(f"drop table if exists {document}")


def _read_lines(con: duckdb.DuckDBPyConnection, path: Path, name: str, records: str) -> list[tuple[int, str, str]]:
    """The file's lines as text into `records` (j, line), blank lines kept as rows; a line that is not UTF-8
    is left out and returned as (line, reason, text), so one bad line is a reject, not a failed file."""
    lines, rej, scans = f"{records}_lines", f"{records}_rej", f"{records}_scan"
    try:
        con.execute(
            f"create temp table {lines} as select j from read_csv(?, header = false, columns = {{'j': 'varchar'}}, "
            "delim = chr(0), quote = '', escape = '', auto_detect = false, encoding = 'utf-8', "
            f"max_line_size = {MAX_LINE_BYTES}, store_rejects = true, rejects_table = '{rej}', "
            f"rejects_scan = '{scans}')", [str(path)])
        found = con.execute(f"select line, first(error_type), first(error_message) from {rej} group by line "
                            "order by line").fetchall()
        if not found:  # rowid follows the file's order, and empty lines are kept as null rows: rowid + 1 is the line
            con.execute(f"create temp table {records} as select j, rowid + 1 as line from {lines}")
            return []
        # The rows read are the lines not set aside, in order: the k-th row is the k-th line not in `rej`.
        total = scalar(con, f"select count(*) from {lines}") + len(found)
        con.execute(f"create temp table {records} as select j, line from "
                    f"(select j, row_number() over (order by rowid) as k from {lines}) join "
                    f"(select range as line, row_number() over (order by range) as k from range(1, ? + 1) "
                    f"where range not in (select line from {rej})) using (k)", [total])
    except duckdb.Error as e:
        raise InputError(f"{name}: the file could not be read ({first_line(e, path, name)}).") from e
    finally:
        for t in (lines, rej, scans):
            con.execute(f"drop table if exists {t}")
    return _unreadable_lines(path, [(int(n), str(kind), str(msg)) for n, kind, msg in found])


def _unreadable_lines(path: Path, found: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """(line, reason, text) of the lines the reader set aside; a line that is not UTF-8 says at which byte."""
    import numpy as np

    buf = np.memmap(path, dtype=np.uint8, mode="r")
    ends = np.flatnonzero(buf == 10)
    out = []
    for line, kind, message in found:  # only the lines set aside, not every record
        start = 0 if line == 1 else int(ends[min(line - 2, len(ends) - 1)]) + 1
        end = int(ends[line - 1]) if line - 1 < len(ends) else len(buf)
        text = bytes(buf[start:end])
        if kind == "INVALID ENCODING":
            try:
                text.decode("utf-8")
                reason = not_utf8("a byte of the line")
            except UnicodeDecodeError as e:
                reason = not_utf8(f"byte {e.start + 1} of the line")
        else:
            reason = f"the line could not be read ({message.strip().splitlines()[0] if message.strip() else kind})"
        out.append((line, reason, text.decode("utf-8", "replace")[:RAW_LIMIT]))
    return out


def _unwrap(con: duckdb.DuckDBPyConnection, document: str, records: str, name: str, line: int, fmt: str
            ) -> tuple[str, list[str], list[tuple[int, str, str]]]:
    """`records` from one JSON document: a Graph response's "value" list, numbered from 1; or the document as
    one record (on `line`). Another object wrapping a list of records is refused."""
    kind = con.execute(f"select json_type(d), json_type(d -> '/value') from {document}").fetchone()
    if kind is None or kind[0] != "OBJECT":
        return fmt, [], []  # an array or a value: the records say what they are
    if kind[1] == "ARRAY":
        con.execute(f"create or replace temp table {records} as select unnest(l) as j, "
                    f"unnest(range(1, len(l) + 1)) as line from (select json_extract(d, '$.value[*]') as l "
                    f"from {document})")
        notes = ["Read the records of a Microsoft Graph response (its \"value\" list); they are numbered from 1."]
        if scalar(con, f"select count(*) from {document} where json_exists(d, '/@odata.nextLink')"):
            notes.append("The response says more records follow on another page (@odata.nextLink): only this page "
                         "was read. Download every page and upload each one.")
        return "json", notes, []
    wrapper = con.execute(f"select key from {document}, json_each({document}.d) where type = 'ARRAY' and "
                          "json_type(value -> '/0') = 'OBJECT' order by id limit 1").fetchone()
    if wrapper is not None:
        raise InputError(f"{name}: the records are wrapped in an object, under '{wrapper[0]}'; Rollgate reads a "
                         "JSON array of objects, one object per line (NDJSON), or a Microsoft Graph response (its "
                         "\"value\" list). Choose the import preset made for this export, or export the records as "
                         "a JSON array.")
    con.execute(f"create or replace temp table {records} as select d as j, ? as line from {document}", [line])
    return fmt, [], []


def _flat_records(con: duckdb.DuckDBPyConnection, records: str, name: str, fmt: str, digest: str,
                  notes: list[str], unreadable: list[tuple[int, str, str]]) -> RawFile:
    """The records of `records` (j, line) as text columns, one per key; the rest as structural rejects."""
    parsed = next_table()
    # Only valid JSON is parsed (jv is null otherwise), so one bad line cannot fail the file.
    con.execute(f"create temp table {parsed} as select line, j, jv, coalesce(json_type(jv) = 'OBJECT', false) as ok "
                f"from (select line, j, case when json_valid(j) then json(j) end as jv from {records} "
                "where trim(cast(j as varchar)) <> '')")
    try:
        return _columns(con, records, parsed, name, fmt, digest, notes, unreadable)
    finally:
        con.execute(f"drop table if exists {parsed}")


# A JSON number whose value no double holds but 0: a non-zero digit, then an exponent of -325 or below.
TINY_NUMBER = r"[1-9][0-9]*(\.[0-9]*)?[eE]-0*(32[5-9]|3[3-9][0-9]|[4-9][0-9]{2}|[1-9][0-9]{3,})([^0-9]|$)"


def _columns(con: duckdb.DuckDBPyConnection, records: str, parsed: str, name: str, fmt: str, digest: str,
             notes: list[str], unreadable: list[tuple[int, str, str]]) -> RawFile:
    import numpy as np

    # Columns in the order they first appear: by the first record that has the key, then by its place in that
    # record (so the order is the same on every read).
    keys = [r[0] for r in con.execute(
        f"select k from (select k, min([line, pos]) as first from (select unnest(json_keys(jv)) as k, "
        f"unnest(range(len(json_keys(jv)))) as pos, line from {parsed} where ok) group by k) order by first"
    ).fetchall()]
    if not keys and not unreadable and not scalar(con, f"select count(*) from {parsed}"):
        # No record at all (`[]`, a Graph response with an empty list): valid evidence that nothing happened,
        # whose columns only the dataset chosen for it can say (loaders.ingest).
        return RawFile(name, fmt, [], "(select 1 where false)", [], digest, 0, notes=notes,
                       lines=np.zeros(0, dtype=np.int64))
    if not keys:
        raise InputError(f"{name}: no JSON records with fields were found; Rollgate reads a JSON array of "
                         "objects or one object per line (NDJSON).")
    if len(keys) > MAX_COLUMNS:
        raise InputError(too_many_columns(name, "its records have", len(keys), "keys together"))
    # JSON Pointer paths (RFC 6901) reach any key, even '' or one with quotes, dots or slashes. Every value and
    # its type are read in one parse of the record (a list of paths), not one parse per key.
    params: dict[str, object] = {"paths": ["/" + k.replace("~", "~0").replace("/", "~1") for k in keys],
                                 "names": keys, "tiny": TINY_NUMBER}
    cols = ", ".join(f"case when reason is null then vals[{i + 1}] end as c{i}" for i in range(len(keys)))
    table = next_table()
    # One pass, no loop per record: json_keys lists a key written twice twice (the JSON functions keep only
    # its first value), so a key found at a place other than its first is a repeated one. The lambdas compare
    # every key with every other: they run only for a record that has a repeat, or a nested value.
    con.execute(f"""
        create temp table {table}_all as
        select line, reason, left(cast(j as varchar), {RAW_LIMIT}) as raw, {cols} from (
            select line, j, vals,
                   -- DuckDB's parser reads 1e-400 as 0 before any check could see it: a non-zero number literal
                   -- with an exponent of -325 or below rejects its record, as it does in a CSV
                   (contains(cast(j as varchar), 'e-') or contains(cast(j as varchar), 'E-'))
                   and regexp_matches(cast(j as varchar), $tiny) as tiny,
                   case when not ok then 'not a valid JSON object'
                        when tiny then 'a number in this record is too small to be stored (it would be read as 0)'
                        when dup is not null then 'the key ''' || dup || ''' appears '
                             || case when times = 2 then 'twice' else times || ' times' end || ' in this record'
                        when len(nested) = 1 then 'nested value in column ' || nested[1]
                        when len(nested) > 1 then 'nested values in columns ' || array_to_string(nested, ', ')
                   end as reason
            from (
                select *, case when dup is not null then len(list_filter(keys, lambda k: k = dup)) end as times,
                       case when list_has_any(types, ['OBJECT', 'ARRAY'])
                            then list_filter($names, lambda n, i: types[i] in ('OBJECT', 'ARRAY')) end as nested
                from (
                    select line, j, ok, keys, vals, types,
                           case when len(keys) <> len(list_distinct(keys))
                                then list_filter(keys, lambda k, i: list_position(keys, k) <> i)[1] end as dup
                    from (select *, case when ok then json_keys(jv) end as keys,
                                 case when ok then json_extract_string(jv, $paths) end as vals,
                                 case when ok then json_type(jv, $paths) end as types from {parsed})
                )
            )
        )""", params)
    try:
        bad = con.execute(f"select line, reason, raw from {table}_all where reason is not null").fetchall()
        names = ", ".join(f"c{i}" for i in range(len(keys)))
        con.execute(f"create temp table {table} as select {names} from {table}_all where reason is null order by line")
        lines = con.execute(f"select line from {table}_all where reason is null order by line").fetchnumpy()["line"]
    finally:
        con.execute(f"drop table if exists {table}_all")
    blank = scalar(con, f"select count(*) from {records} where j is null or trim(cast(j as varchar)) = ''")
    rejected = sorted([(int(line), str(reason), str(raw)) for line, reason, raw in bad] + unreadable)
    return RawFile(name, fmt, keys, table, [], digest, len(lines), blank_lines=blank, temp_tables=[table],
                   lines=np.asarray(lines, dtype=np.int64), structural=[(line, r) for line, r, _ in rejected],
                   structural_raw=[raw for _, _, raw in rejected], notes=notes)
