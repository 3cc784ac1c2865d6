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

DateOrder = Literal["dmy", "mdy"]

ISO_DATE = r"^(\d{4})-(\d{2})-(\d{2})$"
ISO_TS = (r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?"
          r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$")
SLASH = r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$"
MONTH = r"^(\d{4})-(\d{2})$"
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


def _q(text: str) -> str:
    """A SQL string literal for our own fixed words (never for file content)."""
    return "'" + text.replace("'", "''") + "'"


def slash_orders(con: duckdb.DuckDBPyConnection, table: str, mapping: ColumnMapping,
                 chosen: DateOrder | None, name: str) -> dict[str, DateOrder]:
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
        v = f"trim(c{i}, {_q(TRIM)})"
        select += [f"count(*) filter (where regexp_matches({v}, ?))",
                   f"max(try_cast(regexp_extract({v}, ?, 1) as int))",
                   f"max(try_cast(regexp_extract({v}, ?, 2) as int))"]
        params += [SLASH, SLASH, SLASH]
    row = con.execute(f"select {', '.join(select)} from {table}", params).fetchone()
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


def _text(i: int) -> str:
    return f"nullif(trim(c{i}, {_q(TRIM)}), '')"


def _number(v: str, decimal_comma: bool) -> str:
    if decimal_comma:
        # semicolon-separated exports from European spreadsheets write 2,5 for 2.5
        return f"(case when regexp_matches({v}, '^-?[0-9]+,[0-9]+$') then replace({v}, ',', '.') else {v} end)"
    return v


def _date_from(v: str, order: DateOrder | None) -> str:
    """Typed date from ISO (date or timestamp text) or a settled slash date."""
    iso = f"try_cast(regexp_extract({v}, {_q(ISO_TS)}, 1) as date)"
    if order is None:
        return iso
    day, month = (1, 2) if order == "dmy" else (2, 1)
    slash = (f"try_cast(regexp_extract({v}, {_q(SLASH)}, 3) || '-' || lpad(regexp_extract({v}, {_q(SLASH)}, "
             f"{month}), 2, '0') || '-' || lpad(regexp_extract({v}, {_q(SLASH)}, {day}), 2, '0') as date)")
    return f"(case when regexp_matches({v}, {_q(SLASH)}) then {slash} else {iso} end)"


def _timestamp_from(v: str, order: DateOrder | None) -> str:
    """Typed UTC timestamp: local part parsed, then the zone's offset taken off."""
    date = _date_from(v, order)
    time_iso = f"nullif(regexp_extract({v}, {_q(ISO_TS)}, 2), '')"
    time_slash = f"nullif(regexp_extract({v}, {_q(SLASH)}, 4), '')"
    time = f"coalesce({time_iso}, {time_slash}, '00:00:00')" if order else f"coalesce({time_iso}, '00:00:00')"
    zone = f"nullif(regexp_extract({v}, {_q(ISO_TS)}, 3), '')"
    z = f"replace({zone}, ':', '')"  # '+HH' or '+HHMM'
    offset_min = (f"(case when {zone} is null or upper({zone}) in ('Z', 'UTC') then 0 else "
                  f"(case when left({z}, 1) = '-' then -1 else 1 end) * (cast(substr({z}, 2, 2) as int) * 60 + "
                  f"(case when length({z}) = 5 then cast(substr({z}, 4, 2) as int) else 0 end)) end)")
    local = f"try_cast(cast({date} as varchar) || ' ' || {time} as timestamp)"
    return f"({local} - to_minutes({offset_min}))"


def _valid_shape(v: str, col: Column, order: DateOrder | None) -> str:
    """True when the text has an accepted shape for a date, timestamp or month column."""
    shapes = [f"regexp_matches({v}, {_q(ISO_TS)})"]
    if order:
        shapes.append(f"regexp_matches({v}, {_q(SLASH)})")
    if col.type == "month":
        shapes.append(f"regexp_matches({v}, {_q(MONTH)})")
    return "(" + " or ".join(shapes) + ")"


def column_sql(col: Column, i: int | None, plan: Plan, order: DateOrder | None, decimal_comma: bool
               ) -> tuple[str, str]:
    """(typed value, problem) expressions for one canonical column read from source column `i`."""
    if i is None:
        default = "null" if col.default is None else repr(col.default)
        return f"cast({default} as {col.sql_type})", "cast(null as varchar)"
    v = _text(i)
    problems: list[str] = []
    if col.type == "str":
        typed = f"(case when {v} is null then null else c{i} end)"
    elif col.type == "id":
        typed = f"lower({v})"
    elif col.type == "key":
        typed = v
    elif col.type == "enum":
        typed = f"(case when list_contains(?, lower({v})) then lower({v}) end)"
        plan.params.append(list(col.values))
        problems.append(f"case when {v} is not null and {typed} is null then "
                        f"'''' || {v} || ''' is not one of {', '.join(col.values)}' end")
        plan.params.append(list(col.values))
    elif col.type == "bool":
        typed = (f"(case when list_contains(?, lower({v})) then true "
                 f"when list_contains(?, lower({v})) then false end)")
        plan.params += [TRUE_WORDS, FALSE_WORDS]
        problems.append(f"case when {v} is not null and {typed} is null then "
                        f"'''' || {v} || ''' is not yes/no (true/false, yes/no, 1/0, y/n)' end")
        plan.params += [TRUE_WORDS, FALSE_WORDS]
    elif col.type in ("int", "float"):
        target = "bigint" if col.type == "int" else "double"
        num = _number(v, decimal_comma and col.type == "float")
        typed = f"try_cast({num} as {target})"
        if col.type == "float":
            typed = f"(case when isfinite({typed}) then {typed} end)"
        word = "a whole number" if col.type == "int" else "a number"
        problems.append(f"case when {v} is not null and {typed} is null then '''' || {v} || ''' is not {word}' end")
        if col.minimum is not None:
            m = col.minimum
            msg = "is negative; it must be 0 or more" if m == 0 else f"is below the minimum of {_fmt(m)}"
            problems.append(f"case when {typed} < {m!r} then {v} || ' {msg}' end")
        if col.maximum is not None:
            problems.append(f"case when {typed} > {col.maximum!r} then {v} || ' is above the maximum of "
                            f"{_fmt(col.maximum)}' end")
    elif col.type in ("date", "timestamp", "month"):
        if col.type == "timestamp":
            typed = _timestamp_from(v, order)
            word = "a timestamp (YYYY-MM-DD HH:MM:SS, optionally with Z or ±HH:MM)"
        elif col.type == "date":
            typed = _date_from(v, order)
            word = "a date (YYYY-MM-DD)"
        else:
            typed = (f"(case when regexp_matches({v}, {_q(MONTH)}) then try_cast({v} || '-01' as date) "
                     f"else date_trunc('month', {_date_from(v, order)}) end)")
            word = "a month (YYYY-MM)"
        shape = _valid_shape(v, col, order)
        problems.append(f"case when {v} is not null and not {shape} then '''' || {v} || ''' is not {word}' "
                        f"when {v} is not null and {typed} is null then '''' || {v} || ''' is not a real "
                        f"{'date' if col.type != 'month' else 'month'}' end")
        typed = f"(case when {shape} then {typed} end)"
    else:  # pragma: no cover - the declarations only use the types above
        raise ValueError(col.type)
    if col.default is not None:
        typed = f"coalesce({typed}, cast({col.default!r} as {col.sql_type}))"
    required = f"case when {v} is null then 'is empty; a value is required' end" if col.required else None
    all_problems = ([required] if required else []) + problems
    problem = "coalesce(" + ", ".join([*all_problems, "cast(null as varchar)"]) + ")"
    return typed, problem


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def build_select(dataset: Dataset, mapping: ColumnMapping, table: str, orders: dict[str, DateOrder],
                 decimal_comma: bool) -> tuple[str, list[object]]:
    """SELECT over the raw table giving typed canonical columns, `p_<col>` problems, `line`, `raw`."""
    plan = Plan()
    select: list[str] = []
    for col in dataset.columns:
        i = mapping.columns.get(col.name)
        sub = Plan()
        typed, problem = column_sql(col, i, sub, orders.get(col.name), decimal_comma)
        # The typed expression's parameters come first in the SQL, then the problem's.
        n_typed = typed.count("?")
        select.append(f"{typed} as \"{col.name}\"")
        plan.params.extend(sub.params[:n_typed])
        select.append(f"{problem} as \"p_{col.name}\"")
        plan.params.extend(sub.params[n_typed:])
    pairs = []
    for i, h in enumerate(mapping.headers):
        pairs.append(f"?, c{i}")
        plan.params.append(h or f"column {i + 1}")
    raw = f"to_json(json_object({', '.join(pairs)}))" if pairs else "'{}'"
    blank = " and ".join(f"{_text(i)} is null" for i in range(len(mapping.headers))) or "true"
    select += ["line", f"{raw} as raw", f"({blank}) as blank"]
    return f"select {', '.join(select)} from {table}", plan.params


# Rules across columns of one row: (dataset, column reported, SQL condition that is a problem, reason).
ROW_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("roster", "access_revoked_on", "access_revoked_on <= access_granted_on",
     "access is revoked on or before the day it was granted"),
)
