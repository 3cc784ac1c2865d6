"""What a preset is, how it is recognised, and how its rows join the canonical ingest.

A preset is a declaration (name, label, the dataset it fills, the console screen that exports
it, the headers or JSON keys that give it away, what it fills from what, what it derives and
what the export cannot provide) plus one `reshape` function that writes SQL over the export's
records. `run` turns that SQL into a RawFile whose columns are canonical, so the usual
validation, staging and transaction apply unchanged: rejects, lineage, duplicate keys, undo.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, computed_field

from core.errors import InputError
from loaders.detect import header_score
from loaders.presets import mappings
from loaders.presets.source import Source, drop
from loaders.read import RawFile, next_table
from loaders.schema import DATASETS, normalise_header
from loaders.store import scalar
from loaders.validate import sql_text

Kind = Literal["table", "json", "table_or_json"]
FORMATS: dict[Kind, tuple[str, ...]] = {"table": ("csv", "xlsx", "parquet"), "json": ("json", "ndjson"),
                                        "table_or_json": ("csv", "xlsx", "parquet", "json", "ndjson")}
FORMAT_WORDS: dict[Kind, str] = {"table": "CSV (or XLSX)", "json": "JSON or NDJSON",
                                 "table_or_json": "CSV (or XLSX), JSON or NDJSON"}


@dataclass(frozen=True)
class Signature:
    """The headers (or JSON keys) that give an export away, written as the export writes them and
    matched like canonical headers (case, spaces and punctuation ignored; `*` matches anything).

    `required`: groups of alternatives, each group must be present; `optional`: break ties;
    `excluded`: a header that says it is another export."""

    required: tuple[tuple[str, ...], ...]
    optional: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


def _present(pattern: str, normal: list[str]) -> bool:
    # `*` survives normalisation as a word of its own: "* - Completion date" -> "*_completion_date"
    p = normalise_header(pattern.replace("*", " wildcardmark ")).replace("wildcardmark", "*")
    return any(fnmatch.fnmatchcase(h, p) for h in normal)


class PresetScore(BaseModel):
    """How well a file's headers (or JSON keys) fit one preset."""

    preset: str
    label: str
    dataset: str
    required_found: int
    required_total: int
    optional_found: int
    optional_total: int
    missing: list[str]
    excluded: list[str] = []
    applies: bool = True  # False when the file's format is not one the preset reads

    @property
    def complete(self) -> bool:
        return self.applies and not self.excluded and self.required_found == self.required_total

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> float:
        """0-100 on the scale of the dataset scores: required headers weigh most, optional ones break ties."""
        if not self.applies or self.excluded:
            return 0.0
        return header_score(self.required_found, self.required_total, self.optional_found, self.optional_total)

    def describe(self) -> str:
        text = (f"{self.preset}: {self.score:g}% ({self.required_found} of {self.required_total} identifying, "
                f"{self.optional_found} of {self.optional_total} other columns)")
        if self.missing:
            text += f"; missing {', '.join(self.missing)}"
        if self.excluded:
            text += f"; has {', '.join(self.excluded)}, which this export does not"
        return text


@dataclass
class Reshaped:
    """A preset's SQL: `rows` selects the canonical columns the preset fills (text, named canonically)
    plus `pos` (the source record) and `seq` (order within it); `rejects` selects `pos, reason` of
    records the preset itself cannot read. Both may use the context's named parameters."""

    rows: str
    rejects: str | None = None
    notes: list[str] = field(default_factory=list)
    empty: str = "the export has no records"
    # The period the export states it covers (first and last day), when it states one (DESIGN.md §2
    # Coverage); with it, an export of no rows is stored as evidence that nothing happened in that period.
    period: tuple[date, date] | None = None


@dataclass
class Context:
    """What a reshape needs: the connection, the export's records, the user's choices and mappings."""

    con: duckdb.DuckDBPyConnection
    source: Source
    preset: Preset
    period: str | None = None
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)

    def lookup(self, table: str, expr: str) -> str:
        """SQL: the mapped value of `expr` through mapping `table`, or null when no entry matches."""
        entries = mappings.effective(table, self.overrides)
        self.params[f"map_{table}_k"] = list(entries)
        self.params[f"map_{table}_v"] = list(entries.values())
        return f"list_extract($map_{table}_v, list_position($map_{table}_k, {key_sql(expr)}))"

    def mapped(self, table: str, expr: str) -> str:
        """SQL: `expr` through mapping `table`, with the table's rule for a value no entry matches."""
        rule = mappings.TABLES[table].unmapped
        found = self.lookup(table, expr)
        if rule == "other":
            return f"coalesce({found}, 'other')"
        if rule == "same":
            return f"coalesce({found}, lower(trim({expr})))"
        return f"coalesce({found}, {expr})"

    def require(self, *groups: tuple[str, ...]) -> list[int]:
        """The column of each group of alternative headers; InputError naming every group that has none."""
        found = [self.source.column(*group) for group in groups]
        missing = [" or ".join(g) for g, i in zip(groups, found, strict=True) if i is None]
        if missing:
            many = len(missing) > 1
            raise InputError(
                f"{self.source.name}: read as {self.preset.label}, but the column{'s' if many else ''} "
                f"{', '.join(repr(m) for m in missing)} {'are' if many else 'is'} missing; the file has "
                f"{', '.join(repr(h) for h in self.source.headers)}. Export it again with "
                f"{'those columns' if many else 'that column'}.")
        return [i for i in found if i is not None]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, used(sql, self.params)).fetchall()

    def unmapped_note(self, table: str, expr: str, where: str = "true") -> str | None:
        """A note naming the export's values (with counts) that no entry of `table` matched."""
        t = mappings.TABLES[table]
        found = self.query(
            f"select trim({expr}) as v, count(*) as n from {self.source.table} where {where} and "
            f"nullif(trim({expr}), '') is not null and {self.lookup(table, expr)} is null "
            "group by v order by n desc, v limit 11")
        if not found:
            return None
        shown = ", ".join(f"{v} ({n})" for v, n in found[:10]) + (", …" if len(found) > 10 else "")
        return f"{t.source} values with no entry in mapping {table} ({mappings.UNMAPPED_FOUND[t.unmapped]}): {shown}."


@dataclass(frozen=True)
class Preset:
    """One export of one vendor console, mapped to one canonical dataset (DESIGN.md §10)."""

    name: str
    label: str
    dataset: str
    kind: Kind
    console: str
    signature: Signature
    fills: tuple[tuple[str, str], ...]   # (canonical column, what it comes from)
    derives: tuple[str, ...]
    cannot: tuple[str, ...]
    tables: tuple[str, ...]
    reshape: Callable[[Context], Reshaped]
    needs_period: bool = False
    # The export names people (DESIGN.md §3 "Per-user rows"); an organisation's totals under a pseudo-user
    # count in totals, never as people.
    user_level: bool = True

    @property
    def formats(self) -> tuple[str, ...]:
        return FORMATS[self.kind]

    def score(self, headers: list[str], fmt: str | None = None) -> PresetScore:
        normal = [normalise_header(h) for h in headers]
        sig = self.signature
        found = [any(_present(alt, normal) for alt in group) for group in sig.required]
        return PresetScore(
            preset=self.name, label=self.label, dataset=self.dataset,
            required_found=sum(found), required_total=len(found),
            optional_found=sum(_present(o, normal) for o in sig.optional), optional_total=len(sig.optional),
            missing=[" or ".join(group) for group, ok in zip(sig.required, found, strict=True) if not ok],
            excluded=[e for e in sig.excluded if _present(e, normal)],
            applies=fmt is None or fmt in self.formats,
        )

    @property
    def mapping(self) -> dict[str, str]:
        """canonical column -> where it comes from, for the lineage record."""
        return dict(self.fills)


def key_sql(expr: str) -> str:
    """SQL twin of mappings.key_of: trimmed, lower-case, runs of anything but letters and digits as one `_`."""
    return f"trim(regexp_replace(lower({expr}), '[^\\pL\\pN]+', '_', 'g'), '_')"


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def used(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The named parameters `sql` refers to (DuckDB refuses unused ones)."""
    names = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in names}


# --- small SQL helpers the presets share -----------------------------------------------------------

def cell(i: int | None) -> str:
    """A source column's text, trimmed, null when empty (or when the column is absent)."""
    return "cast(null as varchar)" if i is None else f"nullif(trim(c{i}), '')"


def whole(expr: str) -> str:
    """SQL: `expr` as a whole number when its text is one (3, 3.0, -2), else null."""
    return (f"(case when regexp_full_match(trim({expr}), '[+-]?[0-9]+(\\.0*)?') "
            f"then try_cast(split_part(trim({expr}), '.', 1) as bigint) end)")


MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# dd/mm/yy or dd/mm/yyyy, optionally followed (after a comma or a space) by HH:MM
DAY_FIRST = r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4}),?(?:\s+(\d{1,2}):(\d{2}))?$"
# dd/Mon/yy hh:mm AM (also a 4-digit year, a 24-hour time, or no time)
JIRA = r"^(\d{1,2})/([A-Za-z]{3})/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?:\s*([AaPp][Mm]))?)?$"


def _iso(expr: str, pattern: str, month: str, hour: str) -> str:
    """SQL: `expr` rewritten as ISO text `YYYY-MM-DD[ HH:MM]` when it matches `pattern` (groups: day, month,
    year, hour, minute), else as written. Only the order changes, so an impossible date (31/04) stays
    impossible and validation says so."""
    def g(k: int) -> str:
        return f"regexp_extract({expr}, {sql_text(pattern)}, {k})"

    year = f"(case when length({g(3)}) = 2 then '20' || {g(3)} else {g(3)} end)"
    time = f"(case when {g(4)} <> '' then ' ' || lpad({hour}, 2, '0') || ':' || {g(5)} else '' end)"
    iso = f"{year} || '-' || lpad({month}, 2, '0') || '-' || lpad({g(1)}, 2, '0') || {time}"
    return f"(case when regexp_matches({expr}, {sql_text(pattern)}) and {month} is not null then {iso} else {expr} end)"


def day_first_date(expr: str) -> str:
    """Moodle's `dd/mm/yy, HH:MM` (also a 4-digit year, or no time) as ISO text; anything else as written,
    so validation names it."""
    return _iso(expr, DAY_FIRST, f"regexp_extract({expr}, {sql_text(DAY_FIRST)}, 2)",
                f"regexp_extract({expr}, {sql_text(DAY_FIRST)}, 4)")


def jira_timestamp(expr: str) -> str:
    """Jira's `11/May/24 03:26 PM` (also without the time, or with a 24-hour time) as ISO text; anything
    else as written (an ISO or slash date is then read by validation like any other)."""
    def g(k: int) -> str:
        return f"regexp_extract({expr}, {sql_text(JIRA)}, {k})"

    month = f"cast(list_position({sql_text_list(MONTHS)}, lower({g(2)})) as varchar)"
    hour = (f"(case when upper({g(6)}) = 'AM' then cast(try_cast({g(4)} as int) % 12 as varchar) "
            f"when upper({g(6)}) = 'PM' then cast(try_cast({g(4)} as int) % 12 + 12 as varchar) else {g(4)} end)")
    return _iso(expr, JIRA, month, hour)


def sql_text_list(words: list[str]) -> str:
    return "[" + ", ".join(sql_text(w) for w in words) + "]"


def plain_number(expr: str) -> str:
    """A number written with thousands separators (`102,197`, `1 234`) without them; other text as written."""
    return (f"(case when regexp_full_match({expr}, '[0-9]{{1,3}}([, \u00a0\u202f][0-9]{{3}})+(\\.[0-9]+)?') "
            f"then regexp_replace({expr}, '[, \u00a0\u202f]', '', 'g') else {expr} end)")


def stated_period(ctx: Context, ranges: str) -> tuple[tuple[date, date] | None, bool]:
    """The stretch of days an export states it covers, from `ranges` (SQL selecting the first and last
    day, `s` and `e`, of each period the export states; dates or null). Ranges that overlap or touch
    are joined. Returns (first and last day, False); (None, False) when nothing is stated (a null, a
    first day after its last, or a day outside 2000-2099 states nothing); (None, True) when the stated
    periods leave days between them, so the file does not cover one stretch."""
    first, last, gaps = ctx.query(f"""
        with r as (select distinct s, e from ({ranges}) where s is not null and e is not null and s <= e
                   and s >= date '2000-01-01' and e <= date '2099-12-31'),
        g as (select s, e, max(e) over (order by s, e rows between unbounded preceding and 1 preceding) as reach
              from r)
        select min(s), max(e), count(*) filter (where s > reach + 1) from g""")[0]
    if first is None or gaps:
        return None, bool(gaps)
    return (first, last), False


# --- running a preset ----------------------------------------------------------------------------------

def run(con: duckdb.DuckDBPyConnection, preset: Preset, source: Source, sha256: str, period: str | None,
        overrides: dict[str, dict[str, str]]) -> RawFile:
    """Reshape `source` with `preset` into a RawFile of canonical text columns, ready for validation.
    Rows keep the line of the record they come from; records the preset refuses become rejects."""
    import numpy as np

    ctx = Context(con, source, preset, period, overrides)
    dataset = DATASETS[preset.dataset]
    columns = [c.name for c in dataset.columns if c.name in preset.mapping]
    final = next_table()
    try:
        shaped = preset.reshape(ctx)
        casts = ", ".join(f'cast("{c}" as varchar) as c{i}' for i, c in enumerate(columns))
        # a record the preset refuses gives no rows, only its reject (all its problems in one)
        refused_sql = (f"select pos, string_agg(reason, '; ' order by reason) as reason from ({shaped.rejects}) "
                       "group by pos") if shaped.rejects else "select null::bigint as pos, '' as reason where false"
        sql = (f"create temp table {final} as select {casts}, pos from ({shaped.rows}) "
               f"where pos not in (select pos from ({refused_sql})) order by pos, seq")
        con.execute(sql, used(sql, ctx.params))
        positions = con.execute(f"select pos from {final}").fetchnumpy()["pos"].astype(np.int64)
        structural, structural_raw = list(source.structural), list(source.structural_raw)
        if shaped.rejects:
            raw_sql, raw_params = source.raw_sql()
            ctx.params.update(raw_params)
            refused = ctx.query(f"select r.pos, r.reason, {raw_sql} from ({refused_sql}) r join {source.table} "
                                "using (pos) order by r.pos")
            structural += [(int(source.lines[int(p)]), str(reason)) for p, reason, _ in refused]
            structural_raw += [str(raw) for _, _, raw in refused]
        # with a period, stated or given, an export of no rows is evidence: nothing happened in that period
        if not len(positions) and not structural and shaped.period is None and not period:
            raise InputError(f"{source.name}: read as {preset.label}, but there is nothing to store: {shaped.empty}. "
                             "To record that, give the period it covers (--period 2026-03, or the period on Upload).")
    except BaseException:
        drop(con, [final, *source.temp_tables])
        for f in source.temp_files:
            f.unlink(missing_ok=True)
        raise
    rows = scalar(con, f"select count(*) from {final}")
    notes = [*source.notes, _summary(preset, source.records, rows, dataset.name),
             "Mapped: " + "; ".join(f"{frm} → {col}" for col, frm in preset.fills) + "."]
    notes += [f"Derived: {d}" for d in preset.derives]
    notes += [f"Not in this export: {c}" for c in preset.cannot]
    notes += shaped.notes
    notes += [f"Mapping {t}: {n} {'entry' if n == 1 else 'entries'} from the plan." for t in preset.tables
              if (n := mappings.changed_by_plan(t, overrides))]
    return RawFile(source.name, "table", columns, final, [], sha256, rows, encoding=source.encoding,
                   delimiter=source.delimiter, blank_lines=source.blank_lines,
                   lines=source.lines[positions] if len(positions) else np.empty(0, np.int64),
                   structural=structural, structural_raw=structural_raw, notes=notes,
                   temp_tables=[*source.temp_tables, final], temp_files=list(source.temp_files),
                   period=shaped.period)


def _summary(preset: Preset, records: int, rows: int, dataset: str) -> str:
    rec = f"{records} record{'s' if records != 1 else ''}"
    return f"Read with the {preset.name} preset ({preset.label}): {rec} of the export became {rows} {dataset} rows."
