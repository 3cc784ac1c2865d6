"""Ingest one file into its canonical dataset, in one transaction, with lineage; and undo it.

The path of a file: read into a raw text table (loaders.read; an export of a vendor console is
first reshaped into canonical columns by its preset, loaders.presets) -> dataset and columns detected
(loaders.detect) -> typed and validated in SQL (loaders.validate) -> missing keys derived,
in-file duplicate keys resolved (last row wins) -> compared with what is stored (inserted /
updated / unchanged) -> written, with the rows it replaces kept for undo, the rejects and the
ingestion record, between one BEGIN and one COMMIT.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb
from pydantic import BaseModel

from core.access import Action, Actor, local, require
from core.errors import InputError, NotFound, RollgateError
from loaders import activity, store
from loaders.detect import ColumnMapping, DatasetScore, detect
from loaders.options import IngestOptions
from loaders.period import Period, Source, parse_period, whole_months
from loaders.presets import Prepared, PresetScore, prepare
from loaders.presets.mappings import table_for
from loaders.read import RawFile, file_sha256, load, next_table, scratch
from loaders.schema import DATASETS, Dataset
from loaders.validate import (
    SLASH_PROBLEM,
    Suspect,
    build_select,
    problems_select,
    rejected_rows,
    slash_orders,
)

REJECT_SAMPLE = 50
CHANGES = ("new", "same", "changed")  # what a staged row is to the stored rows with its key

if TYPE_CHECKING:
    import polars as pl


class RejectRow(BaseModel):
    """One problem of one rejected row."""

    line: int | None
    column: str | None
    reason: str
    raw: str | None = None


class IngestReport(BaseModel):
    """What happened to one file: the user reads this before (preview) and after (import)."""

    file: str
    sha256: str
    status: Literal["stored", "preview", "skipped", "refused"]
    message: str
    dataset: str | None = None
    ingestion_id: int | None = None
    source_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    scores: list[DatasetScore] = []
    preset: str | None = None
    preset_scores: list[PresetScore] = []
    mapping: dict[str, str] = {}
    unused_columns: list[str] = []
    rows_read: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    blank_lines: int = 0
    derived_keys: int = 0
    rejects: list[RejectRow] = []
    duplicate_lines: list[int] = []
    notes: list[str] = []
    # The period the file covers (DESIGN.md §2 Coverage) and where it came from; None for roster and
    # training (they cover every date) and for a file none of whose rows was accepted.
    period_from: date | None = None
    period_to: date | None = None
    period_source: Source | None = None
    user_level: bool = True  # its rows name people (False: an organisation's totals, never counted as people)
    # What the rows say against the rest (the roster, the plan, today), each with what to do; imported anyway.
    warnings: list[str] = []
    unknown_use_cases: list[str] = []  # use cases in its rows that the plan does not declare, sorted


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, name: str | None = None,
                options: IngestOptions | None = None, commit: bool = True) -> IngestReport:
    """Validate `path` and, when `commit`, store its accepted rows in one transaction.

    Returns the report; raises InputError (nothing written) when the file as a whole is
    refused. With commit=False the report is a preview and nothing is written.
    """
    opts = options or IngestOptions()
    if commit:
        require(opts.by or local(), Action.IMPORT)
    shown = name or path.name
    given = parse_period(opts.period, f"{shown}: the period") if opts.period else None
    digest = file_sha256(path)
    # The same bytes given for another period are another fact: an empty export for March is not April's.
    earlier = store.one(con, "select id, uploaded_at from ingestions where sha256 = ? and undone_at is null "
                             "and (cast(? as date) is null or (period_from = ? and period_to = ?)) order by id limit 1",
                        [digest, *([given.first, given.first, given.last] if given else [None, None, None])])
    if earlier:
        return IngestReport(file=shown, sha256=digest, status="skipped",
                            message=f"{shown}: already imported as ingestion #{earlier[0]} on "
                                    f"{earlier[1]:%Y-%m-%d %H:%M} UTC; skipped, nothing loaded twice.")
    with scratch():  # temporary copies (transcoded text) go when the ingest ends, however it ends
        prepared = prepare(con, path, shown, digest, opts)
        raw = prepared.raw
        if prepared.preset is not None:  # the preset wrote canonical columns: validate them as that dataset
            opts = opts.model_copy(update={"dataset": prepared.preset.dataset, "column_map": {}})
        typed = next_table()
        staged = f"{typed}_staged"
        try:
            return _ingest_raw(con, raw, opts, commit, typed, staged, prepared, given)
        finally:
            for t in [staged, *raw.temp_tables, typed]:
                _drop(con, t)


def _ingest_raw(con: duckdb.DuckDBPyConnection, raw: RawFile, opts: IngestOptions, commit: bool, typed: str,
                staged: str, prepared: Prepared, given: Period | None) -> IngestReport:
    if not raw.headers:
        raw = _no_records(raw, opts.dataset)
    mapping = detect(raw.headers, raw.name, opts.dataset, opts.column_map)
    dataset = DATASETS[mapping.dataset]
    raw, problems = _validate(con, dataset, mapping, raw, opts, typed)
    stated = Period(*raw.period) if raw.period else None
    empty = raw.rows == 0 and not raw.structural
    if empty and (dataset.describes_state or not (given or stated)):
        nothing = "holds no records" if raw.format in ("json", "ndjson") else "has a header but no data rows"
        raise InputError(f"{raw.name}: the file {nothing}; export the month again with its rows"
                         + ("." if dataset.describes_state else
                            ", or give the period it covers (--period 2026-03, or the period on Upload) to record "
                            "that nothing happened in it."))
    counted = store.one(con, f"select count(*) filter (where blank), count(*) filter (where not _ok and not blank) "
                             f"from {typed}")
    blank, n_rejected = (int(x) for x in counted) if counted else (0, 0)
    rejects = _rejects(con, dataset, raw, problems) if n_rejected or raw.structural else None
    n_rejected += len(raw.structural)
    derived = _stage(con, dataset, typed, staged)
    dup_lines, counts = _drop_duplicates(con, dataset, staged, raw)
    sample = [] if rejects is None else [RejectRow(**r) for r in rejects.head(REJECT_SAMPLE).to_dicts()]
    period, source, outside = _coverage(con, dataset, staged, given, stated, empty)
    user_level = prepared.preset.user_level if prepared.preset else True
    warnings, unknown_use_cases = cross_file_warnings(con, dataset, staged, opts, user_level,
                                                      prepared.preset.name if prepared.preset else None)
    report = IngestReport(
        file=raw.name, sha256=raw.sha256, status="preview", message="", dataset=dataset.name,
        source_format=prepared.source_format, encoding=raw.encoding, delimiter=raw.delimiter,
        scores=prepared.dataset_scores or mapping.scores, preset=prepared.preset.name if prepared.preset else None,
        preset_scores=prepared.preset_scores, mapping=prepared.mapping or mapping.as_names(),
        unused_columns=[h for h in mapping.unused if h],
        rows_read=raw.rows + len(raw.structural), rejected=n_rejected,
        accepted=raw.rows - blank - (n_rejected - len(raw.structural)), duplicates=len(dup_lines),
        blank_lines=raw.blank_lines + blank, derived_keys=derived, inserted=counts.get("new", 0),
        updated=counts.get("changed", 0), unchanged=counts.get("same", 0),
        rejects=sample, duplicate_lines=dup_lines[:20],
        notes=(_notes(raw, mapping, dataset, derived, dup_lines) + _coverage_notes(period, source, outside, given)
               + ([] if user_level else [NO_PEOPLE_NOTE])),
        period_from=period.first if period else None, period_to=period.last if period else None,
        period_source=source, user_level=user_level, warnings=warnings, unknown_use_cases=unknown_use_cases,
    )
    if not commit:
        report.message = _summary(report, preview=True)
        return report
    ingestion_id = _write(con, dataset, raw, report, staged, rejects, opts.by or local())
    report.status, report.ingestion_id = "stored", ingestion_id
    report.message = _summary(report, preview=False)
    return report


def _no_records(raw: RawFile, dataset: str | None) -> RawFile:
    """A JSON export with no record at all (`[]`, or a Graph response with an empty list) names no column:
    it is read as the chosen dataset's columns, so that with a period it is stored as evidence of nothing."""
    if dataset is None or dataset not in DATASETS:
        raise InputError(f"{raw.name}: the file holds no records; to record that nothing happened in a period, "
                         "choose its dataset and give the period it covers (--dataset incidents --period 2026-03, "
                         "or the dataset and period on Upload).")
    headers = [c.name for c in DATASETS[dataset].columns]
    columns = ", ".join(f"cast(null as varchar) as c{i}" for i in range(len(headers)))
    return dataclasses.replace(raw, headers=headers, relation=f"(select {columns} where false)")


def _examples(values: list[str], total: int) -> str:
    shown = ", ".join(repr(v) for v in values)
    return f"{shown}, …" if total > len(values) else shown


def cross_file_warnings(con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: str, opts: IngestOptions,
                        user_level: bool, preset: str | None = None) -> tuple[list[str], list[str]]:
    """What the accepted rows say against the rest, before they are stored (DESIGN.md §2): people who are
    not in the roster, dates before the plan's first stage or after today, use cases the plan does not know.
    A few queries over the staged rows; each warning says what to do. Returns (the warnings, the unknown use
    cases themselves, which Upload offers to map)."""
    out = []
    if dataset.name == "usage" and user_level and store.scalar(con, "select count(*) from roster"):
        row = store.one(con, f"select count(distinct s.user_id), list(distinct s.user_id order by s.user_id)[:3] "
                             f"from {staged} s where s.user_id not in (select user_id from roster)")
        if row and row[0]:
            one = row[0] == 1
            out.append(f"{row[0]:,} {'person' if one else 'people'} in this file {'is' if one else 'are'} not in the "
                       f"roster ({_examples(row[1], row[0])}): their uses count as use without access. Load the "
                       "roster that lists them, or check how the export names people.")
    if not dataset.describes_state and dataset.time_column != "month":
        column = dataset.time_column
        first = opts.first_stage_on
        row = store.one(con, f"select count(*) filter (where cast({column} as date) < cast(? as date)), "
                             f"count(*) filter (where cast({column} as date) > current_date) "
                             f"from {staged}", [first])
        early, late = (int(x) for x in row) if row else (0, 0)
        if early:
            out.append(f"{_rows(early)} {'is' if early == 1 else 'are'} dated before the plan's first stage "
                       f"({first:%Y-%m-%d}): {'it counts' if early == 1 else 'they count'} in no stage. Check the "
                       "export's dates, or the plan's first starts_on.")
        if late:
            out.append(f"{_rows(late)} {'is' if late == 1 else 'are'} dated after today: check the export's dates "
                       "and time zone.")
    names = {c.name for c in dataset.columns}
    if opts.known_use_cases is not None and "use_case" in names:
        found = [r[0] for r in con.execute(f"select distinct use_case from {staged} where use_case is not null "
                                           "order by 1").fetchall()]
        unknown = [u for u in found if u not in opts.known_use_cases]
        if unknown:
            it, its = ("it", "its") if len(unknown) == 1 else ("them", "their")
            table = table_for(preset, "use_case")
            todo = (f"map {it} to the plan's use cases in [mappings.{table.name}] (on Upload, or the Plan page), or "
                    f"declare {it} under [[use_cases]]" if table is not None else
                    f"declare {it} under [[use_cases]] on the Plan page, or correct the export's use case names")
            out.append(f"{len(unknown):,} use case{'' if len(unknown) == 1 else 's'} the plan does not declare "
                       f"({_examples(unknown[:3], len(unknown))}): {todo}; until then {its} uses are out of scope.")
        return out, unknown
    return out, []


NO_PEOPLE_NOTE = ("This export holds an organisation's totals, not people: its uses count in interactions, hours "
                  "and costs, never as active users or in any per-user figure.")


Problems = tuple[str, list[object]]  # SQL (and its parameters) giving the problems of the rejected rows


def _validate(con: duckdb.DuckDBPyConnection, dataset: Dataset, mapping: ColumnMapping, raw: RawFile,
              opts: IngestOptions, typed: str) -> tuple[RawFile, Problems]:
    """Read and type the rows into `typed` (one row per file row, in file order, so rowid maps to the
    line). Returns the file as read and the query of its rejected rows' problems (validate.
    problems_select). Slash dates are rare: the day/month order is only worked out when a date column
    has them."""
    orders = (slash_orders(con, raw.relation, raw.params, mapping, opts.date_order, raw.name)
              if opts.date_order else {})

    def build(r: RawFile) -> tuple[str, list[object]]:
        return build_select(dataset, mapping, r.relation, r.params, orders, decimal_comma=r.delimiter == ";",
                            suspect=_suspect(r))

    def problems(r: RawFile) -> Problems:
        return problems_select(dataset, mapping, rejected_rows(typed, len(mapping.headers)), [], orders,
                               decimal_comma=r.delimiter == ";", suspect=_suspect(r))

    raw = load(con, raw, typed, build)
    date_problems = " or ".join(f"regexp_matches(\"p_{c.name}\", ?)" for c in dataset.columns
                                if c.type in ("date", "timestamp", "month") and c.name in mapping.columns)
    if not orders and date_problems:
        sql, params = problems(raw)
        n = date_problems.count("?")
        if store.scalar(con, f"select count(*) from ({sql}) where {date_problems}", [*params, *[SLASH_PROBLEM] * n]):
            orders = slash_orders(con, raw.relation, raw.params, mapping, None, raw.name)
            con.execute(f"drop table {typed}")
            raw = load(con, raw, typed, build)  # read again, now with the day/month order settled
    return raw, problems(raw)


def _coverage(con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: str, given: Period | None,
              stated: Period | None, empty: bool) -> tuple[Period | None, Source | None, int]:
    """The period the file covers, where it came from, and how many of its accepted rows lie outside a
    period given or stated (they are stored all the same: the period is what the file vouches for)."""
    if dataset.describes_state:
        return None, "always", 0
    when = f'cast("{dataset.time_column}" as date)'
    first, last = store.one(con, f"select min({when}), max({when}) from {staged}") or (None, None)
    if first is None and not empty:
        # Every row was rejected (or blank): the file cannot vouch for its period, or a rejected incident
        # would read as "no incidents in March".
        return None, None, 0
    chosen = given or stated
    source: Source = "given" if given else "stated" if stated else "rows"
    if chosen is None:
        return (whole_months(first, last) if first is not None else None), (source if first is not None else None), 0
    outside = store.scalar(con, f"select count(*) from {staged} where {when} < ? or {when} > ?",
                           [chosen.first, chosen.last])
    return chosen, source, outside


def _coverage_notes(period: Period | None, source: Source | None, outside: int, given: Period | None) -> list[str]:
    if period is None and source is None and (given is not None):
        return [f"No row was accepted, so the file does not count as covering {given.label()}; correct the rejected "
                "rows and import it again."]
    if source == "always":
        return (["Roster and training describe who has access and who is trained: once loaded they cover every "
                 "date, so the period given is not used."] if given else [])
    if period is None or source == "rows":  # the usual case, shown with the ingestion, not as a note
        return []
    notes = [f"Covers {period.label()} ({'as given' if source == 'given' else 'as the export states'})."]
    if outside:
        notes.append(f"{_rows(outside)} {'lies' if outside == 1 else 'lie'} outside that period; "
                     f"{'it is' if outside == 1 else 'they are'} stored, but only {period.label()} counts as covered.")
    return notes


def _suspect(raw: RawFile) -> Suspect:
    """What the reader could not rule out in this file's cells (every check, when it did not see the bytes)."""
    scan = raw.scan
    if scan is None:
        return Suspect()
    return Suspect(padded=scan.padded or scan.unicode_spaces, controls=scan.controls, line_breaks=scan.line_breaks,
                   error_cells=scan.hashes)


def _rejects(con: duckdb.DuckDBPyConnection, dataset: Dataset, raw: RawFile, problems: Problems) -> pl.DataFrame:
    """Every problem of every rejected row: line, column, reason, raw (the row as written), in file order."""
    import polars as pl  # only when there is something to reject

    sql, params = problems
    union = " union all ".join(
        f"select rid, '{c.name}' as \"column\", \"p_{c.name}\" as reason, raw from found "
        f"where \"p_{c.name}\" is not null" for c in dataset.columns)
    found = con.sql(f"with found as materialized ({sql}) {union}", params=params).pl()
    found = found.with_columns(line=pl.Series(raw.lines_of(found["rid"].to_numpy()) if found.height else [],
                                              dtype=pl.Int64)).drop("rid")
    structural = pl.DataFrame(
        {"line": [line for line, _ in raw.structural], "column": [None] * len(raw.structural),
         "reason": [r for _, r in raw.structural], "raw": raw.structural_raw[:len(raw.structural)]},
        schema={"line": pl.Int64, "column": pl.String, "reason": pl.String, "raw": pl.String})
    both = pl.concat([structural, found.select(structural.columns).cast(structural.schema)])
    return both.sort("line", "column", nulls_last=False)


def _stage(con: duckdb.DuckDBPyConnection, dataset: Dataset, typed: str, staged: str) -> int:
    """Accepted rows with their key filled in, each marked new, same (an identical row is stored)
    or changed (the stored row with that key differs). Returns how many keys were derived."""
    names = [c.name for c in dataset.columns]
    derived = dataset.derived_key
    select_cols = ", ".join(f'"{n}"' for n in names)
    n_derived = 0
    if derived is not None:
        others = [n for n in names if n != derived.name]
        # Nulls are encoded apart from empty text ('n' vs 'v:'), so different rows never share a hash.
        fingerprint = " || chr(31) || ".join(f"coalesce('v:' || cast(\"{n}\" as varchar), 'n')" for n in others)
        select_cols = ", ".join(
            f"coalesce(\"{n}\", sha256({fingerprint})) as \"{n}\"" if n == derived.name else f'"{n}"'
            for n in names)
        n_derived = store.scalar(con, f'select count(*) from {typed} where "{derived.name}" is null and _ok '
                                      "and not blank")
    source = f"(select {select_cols}, rowid as rid from {typed} where _ok and not blank)"
    if not store.scalar(con, f"select count(*) from (select 1 from {dataset.name} limit 1)"):
        # Nothing stored yet (a first load): every row is new, so no copy and no join are needed.
        con.execute(f"create temp view {staged} as select *, 'new' as _change from {source}")
        return n_derived
    on = " and ".join(f's."{k}" = t."{k}"' for k in dataset.key)
    same = " and ".join(f's."{c.name}" is not distinct from t."{c.name}"' for c in dataset.columns)
    con.execute(
        f"create temp table {staged} as select s.*, case when t.\"{dataset.key[0]}\" is null then 'new' "
        f"when {same} then 'same' else 'changed' end as _change from {source} s left join {dataset.name} t on {on}")
    return n_derived


def _drop_duplicates(con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: str, raw: RawFile
                     ) -> tuple[list[int], dict[str, int]]:
    """Rows of the file that share a key: keep the last. Returns the lines of the others, and how many
    staged rows are new, same and changed (counted in the same scan as the duplicate check)."""
    key = ", ".join(f'"{k}"' for k in dataset.key)
    # Distinct hashes of the key are cheaper to count than distinct keys, and never miss a repeat;
    # two different keys with one hash only send the file down the exact path below, which finds none.
    stats = f"select count(*) - count(distinct hash({key})), " + ", ".join(
        f"count(*) filter (where _change = '{c}')" for c in CHANGES) + f" from {staged}"
    row = store.one(con, stats) or (0, 0, 0, 0)
    if not row[0]:  # the usual case: no key repeats
        return [], dict(zip(CHANGES, (int(x) for x in row[1:]), strict=True))
    later = f"row_number() over (partition by {key} order by rid desc)"
    rids = con.execute(f"select rid from {staged} qualify {later} > 1").fetchnumpy()["rid"]
    con.execute(f"create temp table {staged}_kept as select * from {staged} qualify {later} = 1")
    _drop(con, staged)
    con.execute(f"alter table {staged}_kept rename to {staged}")
    row = store.one(con, stats) or (0, 0, 0, 0)
    return sorted(int(x) for x in raw.lines_of(rids)), dict(zip(CHANGES, (int(x) for x in row[1:]), strict=True))


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a temp table or view by name, whichever it is."""
    kind = "view" if store.scalar(con, "select count(*) from duckdb_views() where view_name = ?", [name]) else "table"
    con.execute(f"drop {kind} if exists {name}")


def _notes(raw: RawFile, mapping: ColumnMapping, dataset: Dataset, derived: int, dup_lines: list[int]
           ) -> list[str]:
    notes = [n for n in raw.notes if n]
    if not mapping.explicit_dataset:
        best = mapping.scores[0]
        notes.append(f"Detected as {dataset.name} ({best.describe()}).")
    renamed = {c: s for c, s in mapping.as_names().items() if s != c}
    if renamed:
        notes.append("Columns read as: " + ", ".join(f"'{s}' → {c}" for c, s in renamed.items()) + ".")
    unused = [h for h in mapping.unused if h]
    if unused:
        notes.append(f"Not used (no such column in {dataset.name}): " + ", ".join(repr(h) for h in unused) + ".")
    if any(not h for h in mapping.headers):
        notes.append("Columns without a name in the header were ignored.")
    if derived:
        key = dataset.derived_key.name if dataset.derived_key else "key"
        notes.append(f"{_rows(derived)} had no {key}; a stable one was derived from their values, so "
                     "uploading the same rows again does not count them twice.")
    if dup_lines:
        one = len(dup_lines) == 1
        shown = ", ".join(map(str, dup_lines[:10])) + ("…" if len(dup_lines) > 10 else "")
        notes.append(f"{_rows(len(dup_lines))} {'repeats' if one else 'repeat'} the key of a later row in this file "
                     f"({'line' if one else 'lines'} {shown}); the last one was kept.")
    return notes


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _summary(r: IngestReport, preview: bool) -> str:
    verb = "would store" if preview else "stored"
    return (f"{r.file}: {r.dataset}, {r.rows_read} rows read; {verb} {r.inserted} new, {r.updated} updated, "
            f"{r.unchanged} unchanged; {r.rejected} rejected, {r.duplicates} duplicates.")


# Steps of the write, in order, inside one transaction; a test may replace one to fail midway.
WriteStep = Callable[[duckdb.DuckDBPyConnection, Dataset, str, int], None]


def _keep_replaced(con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: str, ingestion_id: int) -> None:
    on = " and ".join(f's."{k}" = t."{k}"' for k in dataset.key)
    cols = ", ".join(f't."{c.name}"' for c in dataset.columns)
    con.execute(f"insert into {dataset.name}_replaced select {cols}, t.ingestion_id, ? from {dataset.name} t "
                f"join {staged} s on {on} where s._change = 'changed'", [ingestion_id])


def _delete_replaced(con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: str, ingestion_id: int) -> None:
    on = " and ".join(f's."{k}" = {dataset.name}."{k}"' for k in dataset.key)
    con.execute(f"delete from {dataset.name} where exists (select 1 from {staged} s where {on} "
                "and s._change = 'changed')")


def _insert_rows(con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: str, ingestion_id: int) -> None:
    cols = ", ".join(f'"{c.name}"' for c in dataset.columns)
    con.execute(f"insert into {dataset.name} ({cols}, ingestion_id) select {cols}, ? from {staged} "
                "where _change in ('new', 'changed')", [ingestion_id])


WRITE_STEPS: list[WriteStep] = [_keep_replaced, _delete_replaced, _insert_rows]
INGESTION_COLUMNS = ("id", "dataset", "file_name", "sha256", "uploaded_at", "rows_read", "inserted", "updated",
                     "unchanged", "rejected", "duplicates", "blank_lines", "mapping", "source_format", "encoding",
                     "delimiter", "preset", "notes", "period_from", "period_to", "period_source", "user_level",
                     "imported_by")


def _write(con: duckdb.DuckDBPyConnection, dataset: Dataset, raw: RawFile, report: IngestReport, staged: str,
           rejects: pl.DataFrame | None, by: Actor) -> int:
    with store.WRITE_LOCK:
        if rejects is not None:
            con.register(f"{staged}_rejects", rejects)
        con.execute("begin transaction")
        try:
            ingestion_id = store.scalar(con, "select nextval('ingestion_ids')")
            con.execute(
                f"insert into ingestions ({', '.join(INGESTION_COLUMNS)}) values "
                f"({', '.join('?' for _ in INGESTION_COLUMNS)})",
                [ingestion_id, dataset.name, raw.name, raw.sha256, datetime.now(UTC).replace(tzinfo=None),
                 report.rows_read, report.inserted, report.updated, report.unchanged, report.rejected,
                 report.duplicates, report.blank_lines, json.dumps(report.mapping), report.source_format,
                 raw.encoding, raw.delimiter, report.preset, json.dumps(report.notes), report.period_from,
                 report.period_to, report.period_source, report.user_level, by.label])
            for step in WRITE_STEPS:
                step(con, dataset, staged, ingestion_id)
            if rejects is not None:
                con.execute(f"insert into rejects select ?, line, \"column\", reason, raw from {staged}_rejects",
                            [ingestion_id])
            activity.append(con, by, Action.IMPORT, f"ingestion #{ingestion_id}",
                            {"file": raw.name, "dataset": dataset.name, "sha256": raw.sha256,
                             "inserted": report.inserted, "updated": report.updated, "rejected": report.rejected})
            con.execute("commit")
        except BaseException:
            store.rollback_quietly(con)
            raise
        finally:
            if rejects is not None:
                con.unregister(f"{staged}_rejects")
        _checkpoint(con)
    return ingestion_id


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    # Keep the write-ahead log short after each import (crash recovery replays less).
    # A plain CHECKPOINT fails while another connection of this process is mid-transaction;
    # DuckDB then checkpoints later by itself.
    with contextlib.suppress(duckdb.Error):
        con.execute("checkpoint")


class UndoReport(BaseModel):
    ingestion_id: int
    dataset: str
    file: str
    removed: int
    restored: int
    message: str


def undo(con: duckdb.DuckDBPyConnection, ingestion_id: int, by: Actor | None = None) -> UndoReport:
    """Remove an ingestion's rows and bring back the rows it replaced, as if it never happened. `by` is who
    undoes it (None: the command line's operating-system user); it needs the analyst role."""
    actor = by or local()
    require(actor, Action.UNDO)
    row = store.one(con, "select dataset, file_name, undone_at from ingestions where id = ?", [ingestion_id])
    if row is None:
        raise NotFound(f"There is no ingestion #{ingestion_id}; list them with the Upload page's history.")
    name, file_name, undone_at = row
    if undone_at is not None:
        raise InputError(f"Ingestion #{ingestion_id} ({file_name}) was already undone on {undone_at:%Y-%m-%d %H:%M}.")
    dataset = DATASETS[name]
    on = " and ".join(f'h."{k}" = x."{k}"' for k in dataset.key)
    cols = ", ".join(f'"{c.name}"' for c in dataset.columns)
    hist = f"{name}_replaced"
    with store.WRITE_LOCK:
        con.execute("begin transaction")
        try:
            # A later ingestion may have replaced this one's rows: the versions this one replaced
            # now belong to that later ingestion's history, so undoing it later restores them.
            con.execute(f"update {hist} h set replaced_by = x.replaced_by from {hist} x where "
                        f"h.replaced_by = ? and x.ingestion_id = ? and {on}", [ingestion_id, ingestion_id])
            removed = store.scalar(con, f"select count(*) from {name} where ingestion_id = ?", [ingestion_id])
            con.execute(f"delete from {name} where ingestion_id = ?", [ingestion_id])
            restored = store.scalar(con, f"select count(*) from {hist} where replaced_by = ?", [ingestion_id])
            con.execute(f"insert into {name} ({cols}, ingestion_id) select {cols}, ingestion_id from {hist} "
                        "where replaced_by = ?", [ingestion_id])
            con.execute(f"delete from {hist} where replaced_by = ? or ingestion_id = ?", [ingestion_id, ingestion_id])
            con.execute("update ingestions set undone_at = ?, undone_by = ? where id = ?",
                        [datetime.now(UTC).replace(tzinfo=None), actor.label, ingestion_id])
            activity.append(con, actor, Action.UNDO, f"ingestion #{ingestion_id}",
                            {"file": file_name, "dataset": name, "removed": removed, "restored": restored})
            con.execute("commit")
        except BaseException:
            store.rollback_quietly(con)
            raise
        _checkpoint(con)
    return UndoReport(ingestion_id=ingestion_id, dataset=name, file=file_name, removed=removed, restored=restored,
                      message=f"Undid ingestion #{ingestion_id} ({file_name}): removed {removed} {name} rows, "
                              f"restored {restored} rows it had replaced.")


def ingest_paths(con: duckdb.DuckDBPyConnection, files: list[tuple[Path, str]], options: IngestOptions,
                 commit: bool = True) -> list[IngestReport]:
    """Ingest several files, each in its own transaction; a refused file does not stop the others."""
    reports = []
    for path, name in files:
        try:
            reports.append(ingest_file(con, path, name, options, commit))
        except RollgateError as e:
            reports.append(IngestReport(file=name, sha256=_safe_sha(path), status="refused", message=str(e)))
    return reports


def _safe_sha(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


def history(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Every ingestion, newest first, as plain records for tables and JSON."""
    cur = con.execute("select id, dataset, file_name, sha256, uploaded_at, rows_read, inserted, updated, "
                      "unchanged, rejected, duplicates, source_format, period_from, period_to, period_source, "
                      "undone_at, imported_by, undone_by from ingestions order by id desc")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def rejects_of(con: duckdb.DuckDBPyConnection, ingestion_id: int) -> list[RejectRow]:
    """Every reject of one ingestion, in file order."""
    return [RejectRow(line=r[0], column=r[1], reason=r[2], raw=r[3]) for r in con.execute(
        'select line, "column", reason, raw from rejects where ingestion_id = ? order by line, "column"',
        [ingestion_id]).fetchall()]
