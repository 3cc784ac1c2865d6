"""Read Parquet, XLSX and JSON uploads into a DuckDB temporary table of text columns.

The counterpart of loaders.read (CSV) for the formats that are not a stream of delimited lines:
the result is the same RawFile, so validation and the ingest do not care where rows came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from loaders.errors import InputError
from loaders.raw import RawFile, first_line, next_table
from loaders.store import scalar

if TYPE_CHECKING:
    import polars as pl


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


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str) -> RawFile:
    import polars as pl  # only here: the CSV path stays free of polars' start-up cost

    try:
        frame = pl.read_excel(path, sheet_id=1, infer_schema_length=0, drop_empty_rows=False,
                              drop_empty_cols=False, raise_if_empty=False)
    except Exception as e:  # calamine raises its own error types; all mean "not a readable workbook"
        raise InputError(f"{name}: the workbook could not be read ({first_line(e, path, name)}); save it again "
                         "as .xlsx or export CSV.") from e
    if not frame.columns:
        raise InputError(f"{name}: the first sheet is empty; put the header in row 1 of the first sheet.")
    return _from_frame(con, frame, name, "xlsx", digest, first_line=2,
                       notes=["Read from the first sheet; row numbers are the sheet's rows."])


def read_json(con: duckdb.DuckDBPyConnection, path: Path, name: str, digest: str, fmt: str) -> RawFile:
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
            raise InputError(f"{name}: the JSON could not be read ({first_line(e, path, name)}).") from e
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


