"""Turn a raw text table into typed canonical rows and row-level problems, in one SQL pass.

For every canonical column the builder emits two expressions over the source text: the
typed value, and the problem (a plain sentence, or null). Rows with no problem are accepted;
each problem of a rejected row becomes one reject (line, column, reason, raw values).
Everything is column-wise SQL run by DuckDB: no Python loop touches rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import duckdb

from loaders.detect import ColumnMapping
from loaders.errors import InputError
from loaders.schema import DATASETS, Column, Dataset
from loaders.store import one

DateOrder = Literal["dmy", "mdy"]

ISO_TS = (r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?"
          r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$")
SLASH = r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$"
MONTH = r"^(\d{4})-(\d{2})$"
ZONE = r"[+-]\d{2}(:?\d{2})?$"
# A date problem whose value is a slash date: the day/month order has to be settled and the file read again.
SLASH_PROBLEM = r"^'\d{1,2}/\d{1,2}/\d{4}"
TRUE_WORDS = ["true", "yes", "1", "y"]
FALSE_WORDS = ["false", "no", "0", "n"]
TRIM = " \t\r\n"


@dataclass
class Plan:
    """SQL text and its bound parameters, built up column by column."""

    parts: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def add(self, sql: str, *params: object) -> None:
        self.parts.append(sql)
        self.params.extend(params)


def sql_text(text: str) -> str:
    """A SQL string literal for Rollgate's own fixed words (never for file content)."""
    return "'" + text.replace("'", "''") + "'"


def slash_orders(con: duckdb.DuckDBPyConnection, relation: str, relation_params: list[object],
                 mapping: ColumnMapping, chosen: DateOrder | None, name: str) -> dict[str, DateOrder]:
    """Settle day/month order per date column that holds slash dates.

    A column is day-first when some value's first part is above 12, month-first when some
    second part is; with neither, the user must choose (`--date-order`); with both, the
    column mixes orders and the file is refused.
    """
    dataset = DATASETS[mapping.dataset]
    cols = [(c, mapping.columns[c.name]) for c in dataset.columns
            if c.type in ("date", "timestamp", "month") and c.name in mapping.columns]
    if not cols:
        return {}
    select = []
    params: list[object] = []
    for _, i in cols:
        v = f"trim(c{i}, {sql_text(TRIM)})"
        # contains() first: most files have no slash dates, and the regex is the expensive part.
        select += [f"count(*) filter (where contains(c{i}, '/') and regexp_matches({v}, ?))",
                   f"max(case when contains(c{i}, '/') then try_cast(regexp_extract({v}, ?, 1) as int) end)",
                   f"max(case when contains(c{i}, '/') then try_cast(regexp_extract({v}, ?, 2) as int) end)"]
        params += [SLASH, SLASH, SLASH]
    row = one(con, f"select {', '.join(select)} from {relation}", [*params, *relation_params])
    assert row is not None
    orders: dict[str, DateOrder] = {}
    for k, (col, _) in enumerate(cols):
        count, first, second = row[3 * k: 3 * k + 3]
        if not count:
            continue
        day_first, month_first = (first or 0) > 12, (second or 0) > 12
        if day_first and month_first:
            raise InputError(f"{name}: column {mapping.source_of(col.name)!r} mixes day/month/year and "
                             "month/day/year dates; export it with ISO dates (YYYY-MM-DD).")
        if day_first or month_first:
            settled: DateOrder = "dmy" if day_first else "mdy"
            if chosen and chosen != settled:
                raise InputError(f"{name}: column {mapping.source_of(col.name)!r} has dates that only read as "
                                 f"{'day' if settled == 'dmy' else 'month'} first, but "
                                 f"{'month' if chosen == 'mdy' else 'day'}-first was chosen.")
            orders[col.name] = settled
        elif chosen:
            orders[col.name] = chosen
        else:
            raise InputError(
                f"{name}: column {mapping.source_of(col.name)!r} has slash dates such as 05/03/2026 that could be "
                "day/month or month/day. Choose the order (--date-order dmy or mdy, or the date order on "
                "Upload), or export ISO dates (YYYY-MM-DD)."
            )
    return orders



def _number(v: str, decimal_comma: bool) -> str:
    if decimal_comma:
        # semicolon-separated exports from European spreadsheets write 2,5 for 2.5
        return f"(case when regexp_full_match({v}, '-?[0-9]+,[0-9]+') then replace({v}, ',', '.') else {v} end)"
    return v


def _slash_iso(v: str, order: DateOrder) -> str:
    """'05/03/2026 10:00' -> '2026-03-05 10:00' (day first) as text, for the ISO cast."""
    day, month = (1, 2) if order == "dmy" else (2, 1)

    def part(k: int) -> str:
        return f"regexp_extract({v}, {sql_text(SLASH)}, {k})"

    return (f"({part(3)} || '-' || lpad({part(month)}, 2, '0') || '-' || lpad({part(day)}, 2, '0') || "
            f"coalesce(' ' || nullif({part(4)}, ''), ''))")


def _iso_text(v: str, order: DateOrder | None) -> str:
    """The value as ISO text: itself, or a settled slash date rewritten."""
    if order is None:
        return v
    return f"(case when regexp_matches({v}, {sql_text(SLASH)}) then {_slash_iso(v, order)} else {v} end)"


def _shape(v: str, col: Column, order: DateOrder | None) -> str:
    """True when the text starts like an ISO date (YYYY-MM-DD; DuckDB's cast then checks the rest
    strictly), or is a settled slash date, or (for a month) YYYY-MM. A LIKE is far cheaper than a
    regular expression on millions of timestamps."""
    shapes = [f"({v} like '____-__-__%')"]
    if order:
        shapes.append(f"regexp_matches({v}, {sql_text(SLASH)})")
    if col.type == "month":
        shapes.append(f"regexp_matches({v}, {sql_text(MONTH)})")
    return "(" + " or ".join(shapes) + ")"


def _quoted(v: str) -> str:
    """SQL for the value in quotes, for messages: 'teleported'."""
    return f"'''' || {v} || ''''"


@dataclass
class ColumnSql:
    """How one canonical column is computed, in two layers over the trimmed text `v{i}`.

    `typed` (and `shape`, for dates) are computed once per row in an inner projection; `problem`
    reads them by name (`t_<col>`, `s_<col>`) in the outer one, so no expression is evaluated twice.
    """

    typed: str
    problem: str
    shape: str | None = None


def column_sql(col: Column, i: int | None, plan: Plan, order: DateOrder | None, decimal_comma: bool) -> ColumnSql:
    """The typed value and the problem (a sentence, or null) for one canonical column read from source
    column `i`; parameters of `typed` and `shape` are appended to `plan` in that order."""
    if i is None:
        default = "null" if col.default is None else repr(col.default)
        return ColumnSql(f"cast({default} as {col.sql_type})", "cast(null as varchar)")
    v, t = f"v{i}", f't_{col.name}'
    problems: list[str] = []
    shape = None
    invalid = f"{v} is not null and {t} is null"
    if col.type == "str":
        typed = f"(case when {v} is null then null else c{i} end)"
    elif col.type == "id":
        typed = f"lower({v})"
    elif col.type == "key":
        typed = v
    elif col.type == "enum":
        typed = f"(case when list_contains(?, lower({v})) then lower({v}) end)"
        plan.params.append(list(col.values))
        problems.append(f"case when {invalid} then {_quoted(v)} || ' is not one of {', '.join(col.values)}' end")
    elif col.type == "bool":
        typed = f"(case when list_contains(?, lower({v})) then true when list_contains(?, lower({v})) then false end)"
        plan.params += [TRUE_WORDS, FALSE_WORDS]
        problems.append(f"case when {invalid} then {_quoted(v)} || ' is not yes/no (true/false, yes/no, 1/0, y/n)' end")
    elif col.type in ("int", "float"):
        target = "bigint" if col.type == "int" else "double"
        typed = f"try_cast({_number(v, decimal_comma and col.type == 'float')} as {target})"
        if col.type == "int":
            # A cast to bigint would round 2.5 to 3; only whole numbers (3 or 3.0) are accepted.
            typed = (f"(case when regexp_full_match({v}, '[+-]?[0-9]+(\\.0*)?') "
                     f"then try_cast(split_part({v}, '.', 1) as bigint) end)")
        if col.type == "float":
            # + 0.0 turns -0 into 0
            typed = f"(case when isfinite({typed}) then {typed} + 0.0 end)"
        word = "a whole number" if col.type == "int" else "a number"
        problems.append(f"case when {invalid} then {_quoted(v)} || ' is not {word}' end")
        if col.minimum is not None:
            m = col.minimum
            msg = "is negative; it must be 0 or more" if m == 0 else f"is below the minimum of {_fmt(m)}"
            problems.append(f"case when {t} < {m!r} then {v} || ' {msg}' end")
        if col.maximum is not None:
            problems.append(f"case when {t} > {col.maximum!r} then {v} || ' is above the maximum of "
                            f"{_fmt(col.maximum)}' end")
    elif col.type in ("date", "timestamp", "month"):
        iso = _iso_text(v, order)
        if col.type == "timestamp":
            # The connection's time zone is UTC (loaders.store): a value without a zone is taken as
            # UTC, one with a zone is converted to UTC.
            # The plain cast reads Z but would ignore an offset, so only values ending in ±HH[:MM] take
            # the (slower) zone-aware cast.
            parsed = (f"(case when regexp_matches({iso}, {sql_text(ZONE)}) then "
                      f"cast(try_cast({iso} as timestamptz) as timestamp) "
                      f"else try_cast(upper({iso}) as timestamp) end)")
            word, real = "a timestamp (YYYY-MM-DD HH:MM:SS, optionally with Z or ±HH:MM)", "date and time"
        elif col.type == "date":
            parsed = f"cast(try_cast({iso} as timestamp) as date)"
            word, real = "a date (YYYY-MM-DD)", "date"
        else:
            parsed = (f"(case when regexp_matches({v}, {sql_text(MONTH)}) then try_cast({v} || '-01' as date) "
                      f"else cast(date_trunc('month', cast(try_cast({iso} as timestamp) as date)) as date) end)")
            word, real = "a month (YYYY-MM)", "month"
        shape = _shape(v, col, order)
        typed = f"(case when {shape} then {parsed} end)"
        s = f"s_{col.name}"
        problems.append(f"case when {v} is not null and not {s} then {_quoted(v)} || ' is not {word}' "
                        f"when {invalid} then {_quoted(v)} || ' is not a real {real}' end")
    else:  # pragma: no cover - the declarations only use the types above
        raise ValueError(col.type)
    if col.required:
        problems.insert(0, f"case when {v} is null then 'is empty; a value is required' end")
    problem = "coalesce(" + ", ".join([*problems, "cast(null as varchar)"]) + ")"
    return ColumnSql(typed, problem, shape)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# Rules across columns of one row: (dataset, column reported, SQL condition that is a problem, reason).
ROW_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("roster", "access_revoked_on", "access_revoked_on <= access_granted_on",
     "access is revoked on or before the day it was granted"),
)


def build_select(dataset: Dataset, mapping: ColumnMapping, relation: str, relation_params: list[object],
                 orders: dict[str, DateOrder], decimal_comma: bool) -> tuple[str, list[object]]:
    """SELECT over the file's rows giving, per row: typed canonical columns, a `p_<col>` problem per
    column, `blank` (every cell empty), `_ok` (no problem) and, for rejected rows only, `raw` (the
    row as the file had it, as JSON). Rows come out in file order.

    Four projections: trim each source column once; type each column once; name the problems;
    apply the rules across columns. Defaults apply after typing, so an invalid value is reported,
    never silently defaulted.
    """
    n = len(mapping.headers)
    middle_plan = Plan()
    inner = [*(f"c{i}" for i in range(n)), *(f"{_trimmed(i)} as v{i}" for i in range(n))]
    middle = [*(f"c{i}" for i in range(n)), *(f"v{i}" for i in range(n))]
    outer = [f"c{i}" for i in range(n)]
    for col in dataset.columns:
        sql = column_sql(col, mapping.columns.get(col.name), middle_plan, orders.get(col.name), decimal_comma)
        middle.append(f'{sql.typed} as "t_{col.name}"')
        if sql.shape:
            middle.append(f'{sql.shape} as "s_{col.name}"')
        value = f'"t_{col.name}"'
        if col.default is not None:
            value = f"coalesce({value}, cast({col.default!r} as {col.sql_type}))"
        outer += [f'{value} as "{col.name}"', f'{sql.problem} as "p_{col.name}"']
    blank = " and ".join(f"v{i} is null" for i in range(n)) or "true"
    outer.append(f"({blank}) as blank")
    rules = [f'coalesce("p_{column}", case when {condition} then {sql_text(reason)} end) as "p_{column}"'
             for ds, column, condition, reason in ROW_RULES if ds == dataset.name]
    checked = f"select * replace ({', '.join(rules)})" if rules else "select *"
    ok = " and ".join(f'"p_{c.name}" is null' for c in dataset.columns)
    names = ", ".join(f'"{c.name}", "p_{c.name}"' for c in dataset.columns)
    pairs = ", ".join(f"?, c{i}" for i in range(n))
    final_params: list[object] = [h or f"column {i + 1}" for i, h in enumerate(mapping.headers)]
    sql = (f"select {names}, blank, ({ok}) as _ok, case when not ({ok}) then to_json(json_object({pairs})) end "
           f"as raw from ({checked} from (select {', '.join(outer)} from (select {', '.join(middle)} from "
           f"(select {', '.join(inner)} from {relation}))))")
    return sql, [*final_params, *middle_plan.params, *relation_params]


def _trimmed(i: int) -> str:
    """The cell without surrounding whitespace, null when empty. Testing the first and last
    character first is much cheaper than trimming every cell, and most cells need no trimming."""
    return (f"(case when ascii(c{i}) <= 32 or ascii(right(c{i}, 1)) <= 32 "
            f"then nullif(trim(c{i}, {sql_text(TRIM)}), '') else c{i} end)")
