"""The export as a preset reads it: a temp table of its records, each with the line where it starts.

Table-shaped exports (CSV, XLSX, Parquet) go through loaders.read exactly like a canonical upload
(encodings, delimiters, ragged rows, line numbers) and land in a table of text columns c0..cN.
JSON exports are read here, because the admin consoles write shapes loaders.read does not take:
NDJSON, a JSON array, or one object wrapping the records (GitHub's `{"day_totals": [...]}`, Microsoft
Graph's `{"value": [...], "@odata.nextLink": ...}`), each possibly pretty-printed. Either way a
record's position `pos` indexes `lines`, the physical line where the record starts in the file
(header = line 1; NDJSON: the line; a JSON document: the line of the record's opening brace).
`flatten` lays JSON records out as columns, for a preset that reads an export as CSV or JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core.errors import InputError
from loaders.read import RawFile, load, next_table, plain_bytes
from loaders.schema import normalise_header
from loaders.store import scalar

if TYPE_CHECKING:
    import numpy as np

# Keys whose value is an array of the records themselves: GitHub's report files wrap them in `day_totals`,
# Microsoft Graph's JSON reports in `value` (one page of the report; `@odata.nextLink` names the next).
WRAPPERS = ("day_totals", "value")
RAW_LIMIT = 2000  # characters of a record kept with its reject


@dataclass
class Source:
    """An export's records. Table-shaped: `table` has `pos` and text columns c0..cN named by `headers`.
    JSON: `table` has `pos`, `j` (the record) and `w` (the object that wrapped it, or null)."""

    name: str
    format: str
    table: str
    headers: list[str]
    lines: np.ndarray
    records: int
    encoding: str | None = None
    delimiter: str | None = None
    blank_lines: int = 0
    structural: list[tuple[int, str]] = field(default_factory=list)
    structural_raw: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    temp_tables: list[str] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    flat: bool = False  # JSON records laid out as text columns (see `flatten`)

    @property
    def is_json(self) -> bool:
        """The records are JSON objects in column `j` (not yet laid out as columns)."""
        return self.format in ("json", "ndjson") and not self.flat

    def columns(self, *names: str) -> list[int]:
        """Indices of every column whose header is one of `names` (case, spaces and punctuation ignored)."""
        wanted = {normalise_header(n) for n in names}
        return [i for i, h in enumerate(self.headers) if normalise_header(h) in wanted]

    def column(self, *names: str) -> int | None:
        """The first column whose header is one of `names`, tried in the order given."""
        for n in names:
            found = self.columns(n)
            if found:
                return found[0]
        return None

    def raw_sql(self) -> tuple[str, dict[str, object]]:
        """SQL for a record as the file had it (JSON text), for rejects, and its parameters."""
        if self.is_json:
            return f"left(cast(j as varchar), {RAW_LIMIT})", {}
        pairs = ", ".join(f"$src_h{i}, c{i}" for i in range(len(self.headers)))
        params: dict[str, object] = {f"src_h{i}": h or f"column {i + 1}" for i, h in enumerate(self.headers)}
        return f"to_json(json_object({pairs}))", params


def drop(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    for t in tables:
        con.execute(f"drop table if exists {t}")


# --- table-shaped exports ------------------------------------------------------------------------

def from_raw(con: duckdb.DuckDBPyConnection, raw: RawFile) -> Source:
    """Parse a file loaders.read opened (CSV, XLSX, Parquet) into a text table with positions and lines;
    rows whose every cell is empty are left out and counted as blank."""
    import numpy as np

    loaded = next_table()
    try:
        raw = load(con, raw, loaded, lambda r: (f"select * from {r.relation}", r.params))
    except BaseException:
        drop(con, raw.temp_tables)
        for f in raw.temp_files:
            f.unlink(missing_ok=True)
        raise
    temp = [*raw.temp_tables, loaded] if raw.format != "csv" else [loaded]
    n = len(raw.headers)
    table = next_table()
    empty = " and ".join(f"coalesce(trim(c{i}), '') = ''" for i in range(n)) or "true"
    cols = ", ".join(f"c{i}" for i in range(n))
    con.execute(f"create temp table {table} as select rowid as pos, {cols} from {loaded} where not ({empty}) "
                "order by rowid")
    kept = scalar(con, f"select count(*) from {table}")
    lines = raw.lines_of(np.arange(raw.rows, dtype=np.int64)) if raw.rows else np.empty(0, np.int64)
    return Source(raw.name, raw.format, table, raw.headers, np.asarray(lines, dtype=np.int64), kept,
                  encoding=raw.encoding, delimiter=raw.delimiter, blank_lines=raw.blank_lines + raw.rows - kept,
                  structural=list(raw.structural), structural_raw=list(raw.structural_raw), notes=list(raw.notes),
                  temp_tables=[*temp, table], temp_files=list(raw.temp_files))


# --- JSON exports --------------------------------------------------------------------------------

def _text(path: Path, name: str) -> tuple[bytes, str]:
    data = plain_bytes(path, name)  # gzip unpacked, UTF-16 as UTF-8
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: JSON must be UTF-8 text, but byte {e.start} is not; export the file again."
                         ) from e


def _first_line(text: str) -> str:
    """The first line that is not blank ('' when there is none), found without splitting the whole text."""
    return text.lstrip().split("\n", 1)[0] if text.strip() else ""


def _loads(text: str) -> object:
    """JSON text as data. Nesting too deep for the parser is a malformed export, never a crash."""
    try:
        return json.loads(text)
    except RecursionError as e:
        raise ValueError("the JSON is nested too deeply to be an export") from e


def _is_ndjson(text: str) -> bool:
    """One JSON value per line: the first non-blank line is a whole JSON object by itself."""
    try:
        return isinstance(_loads(_first_line(text)), dict)
    except ValueError:
        return False


def probe_keys(path: Path, name: str) -> tuple[str, list[str]]:
    """The JSON shape of an export, cheaply: its form ("ndjson", "json") and the keys of its first
    record, with the keys of the first record it wraps (under `day_totals` or `value`). Nothing is
    evaluated: the text is parsed as JSON data."""
    _, text = _text(path, name)
    body = text.lstrip()
    first: object = None
    form = "json"
    if body.startswith("["):
        decoder = json.JSONDecoder()
        rest = body[1:].lstrip()
        if rest and not rest.startswith("]"):
            try:
                first, _ = decoder.raw_decode(rest)
            except (ValueError, RecursionError):
                first = None
    elif _is_ndjson(text):
        form = "ndjson"
        first = _loads(_first_line(text))
    else:
        try:
            first = _loads(text)
        except ValueError:
            first = None
    keys: list[str] = []
    if isinstance(first, dict):
        keys += [str(k) for k in first]
        for w in WRAPPERS:
            inner = first.get(w)
            if isinstance(inner, list) and inner and isinstance(inner[0], dict):
                keys += [str(k) for k in inner[0] if k not in keys]
    return form, keys


def read_json(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> Source:
    """Records of a JSON export (NDJSON, array, or a wrapping object), unwrapped, with their lines."""
    import numpy as np

    data, text = _text(path, name)
    body = text.lstrip()
    elements = next_table()
    structural: list[tuple[int, str]] = []
    structural_raw: list[str] = []
    blank = 0
    notes: list[str] = []
    if body.startswith("[") or (body.startswith("{") and not _is_ndjson(text)):
        form = "json"
        try:
            _loads(text)  # only to name the line of a syntax error; the rows are read by DuckDB
        except ValueError as e:
            line = getattr(e, "lineno", None)
            where = f"line {line}: " if line else ""
            raise InputError(f"{name}: {where}the JSON could not be read ({str(e).split(':')[0]}); export the "
                             "file again.") from e
        if body.startswith("["):
            con.execute(f"create temp table {elements} as select unnest(json_extract(d, '$[*]')) as e, "
                        "unnest(generate_series(1, len(json_extract(d, '$[*]')))) as ord, null::bigint as line "
                        "from (select json(?) as d)", [text])
        else:
            con.execute(f"create temp table {elements} as select json(?) as e, 1 as ord, null::bigint as line",
                        [text])
    else:
        form = "ndjson"
        lines_table = next_table()
        con.execute(f"create temp table {lines_table} as select unnest(s) as t, "
                    "unnest(generate_series(1, len(s))) as line from (select string_split(?, chr(10)) as s)", [text])
        bad = con.execute(f"select line, left(t, {RAW_LIMIT}) from {lines_table} where trim(t, ' \t\r') <> '' and "
                          "coalesce(json_type(case when json_valid(t) then t end), '') <> 'OBJECT' order by line"
                          ).fetchall()
        structural = [(int(line), "not a valid JSON object") for line, _ in bad]
        structural_raw = [str(t) for _, t in bad]
        blank = scalar(con, f"select count(*) from {lines_table} where trim(t, ' \t\r') = '' and line < "
                            f"(select max(line) from {lines_table})")
        con.execute(f"create temp table {elements} as select json(t) as e, line as ord, line from {lines_table} "
                    "where json_valid(t) and json_type(json(t)) = 'OBJECT' and trim(t, ' \t\r') <> ''")
        con.execute(f"drop table {lines_table}")
    table = next_table()
    wrapped = " or ".join(f"json_type(e -> '{w}') = 'ARRAY'" for w in WRAPPERS)
    inner = " || ".join(f"coalesce(json_extract(e, '$.{w}[*]'), [])" for w in WRAPPERS)
    con.execute(
        f"create temp table {table} as select row_number() over (order by ord, sub) - 1 as pos, j, w, line, ord from ("
        f"select ord, line, unnest({inner}) as j, unnest(generate_series(1, len({inner}))) as sub, e as w "
        f"from {elements} where {wrapped} "
        f"union all select ord, line, e as j, 0 as sub, null::json as w from {elements} where not coalesce({wrapped}, "
        "false)) order by pos")
    con.execute(f"drop table {elements}")
    records = scalar(con, f"select count(*) from {table}")
    if form == "ndjson":
        lines = con.execute(f"select line from {table} order by pos").fetchnumpy()["line"]
    else:
        lines, exact = _document_lines(con, data, table, records)
        if not exact:
            notes.append("Records are numbered from 1 in the order of the file (their lines could not be told "
                         "apart).")
    keys = [r[0] for r in con.execute(
        f"select k from (select unnest(json_keys(j)) as k, min(pos) as first from {table} "
        f"where json_type(j) = 'OBJECT' group by k) order by first, k").fetchall()]
    return Source(name, form, table, keys, np.asarray(lines, dtype=np.int64), records, encoding="UTF-8",
                  blank_lines=blank, structural=structural, structural_raw=structural_raw, notes=notes,
                  temp_tables=[table])


def flatten(con: duckdb.DuckDBPyConnection, source: Source, derived: dict[str, str] | None = None) -> Source:
    """A JSON export's records laid out like a table-shaped export, so one reshape reads both: a text
    column per key (a nested value as its JSON text), then one per `derived` entry (name -> SQL over the
    record `j`), with the same `pos` and lines. Records that are not JSON objects are left out (the preset
    rejects them from the records themselves). The new table goes with the export's temp tables."""
    extra = derived or {}
    # the keys are the file's own text: bound as parameters, never written into the SQL
    paths = ['$."' + k.replace("\\", "\\\\").replace('"', '\\"') + '"' for k in source.headers]
    cols = [f"case when json_type(j -> ?) in ('OBJECT', 'ARRAY') then cast(j -> ? as varchar) else j ->> ? end as c{i}"
            for i in range(len(paths))]
    cols += [f"cast({expr} as varchar) as c{len(paths) + i}" for i, expr in enumerate(extra.values())]
    table = next_table()
    con.execute(f"create temp table {table} as select pos, {', '.join(cols) or 'null as c0'} from {source.table} "
                "where json_type(j) = 'OBJECT' order by pos", [p for p in paths for _ in range(3)])
    source.temp_tables.append(table)
    return Source(source.name, source.format, table, [*source.headers, *extra], source.lines, source.records,
                  encoding=source.encoding, flat=True)


def _document_lines(con: duckdb.DuckDBPyConnection, data: bytes, table: str, records: int
                    ) -> tuple[np.ndarray, bool]:
    """The line of each record's opening brace in a JSON document; (ordinals, False) when the braces
    at the records' depth do not line up one to one with the records."""
    import numpy as np

    depths = con.execute(f"select distinct case when w is null then 1 else 3 end from {table}").fetchall()
    top_is_array = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["
    fallback = np.arange(1, records + 1, dtype=np.int64)
    if len(depths) != 1:
        return fallback, False
    # records of an array sit 1 deep, wrapped records 3 deep ([ { "day_totals": [ {); one less without the array
    depth = int(depths[0][0]) - (0 if top_is_array else 1)
    starts = object_starts(data, depth)
    if len(starts) != records:
        return fallback, False
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    return np.searchsorted(newlines, starts, side="left") + 1, True


def object_starts(data: bytes, depth: int) -> np.ndarray:
    """Byte offsets of every `{` that opens an object nested `depth` brackets deep (0 = the document
    itself), outside strings. Vectorised: quotes escaped by an odd run of backslashes are not quotes."""
    import numpy as np

    buf = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buf == 34)
    run = np.zeros(len(quotes), dtype=np.int64)
    active = np.ones(len(quotes), dtype=bool)
    k = 1
    while active.any():  # one pass per backslash of the longest run before a quote (usually 0-2)
        pos = quotes - k
        active &= pos >= 0
        active[active] = buf[pos[active]] == 92
        run += active
        k += 1
    real = quotes[run % 2 == 0]
    brackets = np.flatnonzero((buf == 123) | (buf == 125) | (buf == 91) | (buf == 93))
    brackets = brackets[np.searchsorted(real, brackets) % 2 == 0]
    opening = (buf[brackets] == 123) | (buf[brackets] == 91)
    delta = np.where(opening, 1, -1)
    before = np.cumsum(delta) - delta
    return brackets[(buf[brackets] == 123) & (before == depth)]
