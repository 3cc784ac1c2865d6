"""Turn a raw text table into typed canonical rows, and the rejected ones into problems.

For every canonical column the builder emits the typed value and the checks it must pass over
the source text. One SQL pass over every row (build_select) types the values and decides, per
row, whether any check holds; a second over the rejected rows alone (problems_select) says which,
as plain sentences: each becomes one reject (line, column, reason, raw values). Everything is
column-wise SQL run by DuckDB: no Python loop touches rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import duckdb

from core.errors import InputError
from loaders.detect import ColumnMapping
from loaders.schema import DATASETS, Column, Dataset
from loaders.store import one

DateOrder = Literal["dmy", "mdy"]

# ISO 8601 as DESIGN.md §2 reads it, and nothing else: YYYY-MM-DD, optionally a time, then optionally Z or an
# offset no further than ±14:00 (minutes below 60). The hour may have one digit (slash dates written back).
DATE = r"\d{4}-\d{2}-\d{2}"
TIME = r"[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
OFFSET = r"[+-](?:(?:0\d|1[0-3])(?::?[0-5]\d)?|14(?::?00)?)"
ISO_FULL = rf"{DATE}(?:{TIME}(?:[Zz]|{OFFSET})?)?"
# For the reasons of rejected values only: any offset-like ending, and text after the date or time.
ANY_OFFSET = rf"{DATE}{TIME}[+-]\d{{1,2}}(?::?\d{{1,2}})?"
SPACED_OFFSET = rf"{DATE}{TIME}\s+[+-]\d{{2}}(?::?\d{{2}})?"
TRAILING_TEXT = rf"^{DATE}(?:{TIME})?(?:\s+\S|[^\d\s+:.ZzTt-]|[Zz].)"
SLASH = r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$"
MONTH = r"^(\d{4})-(\d{2})$"
# A date problem whose value is a slash date: the day/month order has to be settled and the file read again.
SLASH_PROBLEM = r"^'\d{1,2}/\d{1,2}/\d{4}"
# Plausible dates (DESIGN.md §2): anything outside is a typo or a placeholder (9999-12-31), never stored.
FIRST_DAY, LAST_DAY = "2000-01-01", "2099-12-31"
# Excel writes these into a cell whose formula failed; read as text they would pass for values.
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA")
# C0 controls but tab, and C1 controls. Free text may also hold line breaks (a quoted multi-line comment).
CONTROL = r"[\x00-\x08\x0a-\x1f\x{80}-\x{9f}]"
CONTROL_IN_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{80}-\x{9f}]"
TRUE_WORDS = ["true", "yes", "1", "y"]
FALSE_WORDS = ["false", "no", "0", "n"]
# Unicode spaces (no-break, the typographic spaces, ideographic, byte order mark) are trimmed like spaces.
UNICODE_SPACES = (0xA0, 0x1680, *range(0x2000, 0x200C), 0x202F, 0x205F, 0x3000, 0xFEFF)
TRIM = " \t\r\n" + "".join(map(chr, UNICODE_SPACES))


@dataclass
class Bound:
    """The parameters bound to a query's `?` placeholders, gathered column by column in the order the
    placeholders appear in its text."""

    params: list[object] = field(default_factory=list)


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


def _timestamp(iso: str) -> str:
    """SQL: the ISO text as a UTC timestamp, null unless it is exactly one of DESIGN.md §2's forms.

    DuckDB's own cast ignores whatever follows a space after the time ('10:00:00 PST' is read as 10:00),
    and its zone-aware cast takes any offset (+99:99), so the form is checked first. The usual export
    form, ending in Z, needs no regular expression: without a space after the date, DuckDB's cast is
    strict. Only values with an offset take the (slower) zone-aware cast; the connection's time zone is
    UTC (loaders.store), so a value without a zone is taken as UTC. upper() lets a lowercase t or z in.
    """
    offset = f"(contains(substr({iso}, 12), '+') or contains(substr({iso}, 12), '-'))"
    # The fast path takes only the full form, YYYY-MM-DDTHH:MM:SS[.fff]Z: DuckDB's cast would also read
    # T1:2Z as 01:02, which the form of §2 refuses.
    full_z = (f"ends_with({iso}, 'Z') and substr({iso}, 14, 1) = ':' and substr({iso}, 17, 1) = ':' "
              f"and (length({iso}) = 20 or substr({iso}, 20, 1) = '.') and not contains(substr({iso}, 12), ' ')")
    return (f"(case when {full_z} "
            f"then coalesce(try_cast({iso} as timestamp), try_cast(upper({iso}) as timestamp)) "
            f"when regexp_full_match({iso}, {sql_text(ISO_FULL)}) then (case when {offset} "
            f"then cast(coalesce(try_cast({iso} as timestamptz), try_cast(upper({iso}) as timestamptz)) as timestamp) "
            f"else try_cast(upper({iso}) as timestamp) end) "
            "end)")


def _bad_date_reason(v: str, real: str) -> str:
    """SQL: why a value shaped like a date is not one (read for rejected rows only)."""
    return (f"(case when regexp_full_match({v}, {sql_text(ISO_FULL)}) then {_quoted(v)} || ' is not a real {real}' "
            f"when regexp_full_match({v}, {sql_text(SPACED_OFFSET)}) then {_quoted(v)} || "
            "' has a space before its offset; write the offset right after the time, e.g. 2026-03-01 10:00:00+02:00' "
            f"when regexp_full_match({v}, {sql_text(ANY_OFFSET)}) then {_quoted(v)} || "
            "' has an offset beyond ±14:00 or with minutes of 60 or more; write an offset from -14:00 to +14:00' "
            f"when regexp_matches({v}, {sql_text(TRAILING_TEXT)}) then {_quoted(v)} || "
            "' has text after the time; time zone names are not read; write an offset such as -08:00' "
            f"else {_quoted(v)} || ' is not a real {real}' end)")


@dataclass(frozen=True)
class Suspect:
    """What a file may hold that costs a check per cell; a reader that has seen every byte can rule each out.

    `padded`: a cell may start or end with whitespace, or be quoted (so maybe empty); `controls`: a cell
    may hold a control character; `line_breaks`: a (quoted) cell may hold a line break; `error_cells`: a
    cell may hold an Excel error (it starts with #)."""

    padded: bool = True
    controls: bool = True
    line_breaks: bool = True
    error_cells: bool = True


ANYTHING = Suspect()


@dataclass(frozen=True)
class Check:
    """One way a value can be wrong: `when` (SQL, true when the problem holds) and `reason` (SQL giving
    the sentence, non-null whenever `when` holds)."""

    when: str
    reason: str


@dataclass
class ColumnSql:
    """How one canonical column is computed, in two layers over the trimmed text `v{i}`.

    `typed` (and `shape`, for dates) are computed once per row in an inner projection; the checks read
    them by name (`t_<col>`, `s_<col>`) in the outer one, so no expression is evaluated twice. The
    checks serve twice, so acceptance and the reasons given can never disagree: OR-ed into one
    boolean for every row (is it accepted?), and, for the few rejected rows only, turned into the
    sentence of the first check that holds.
    """

    typed: str
    checks: list[Check] = field(default_factory=list)
    shape: str | None = None

    def bad(self) -> str:
        """SQL, never null: some check holds."""
        return _any(c.when for c in self.checks)

    def problem(self) -> str:
        """SQL: the sentence of the first check that holds, or null."""
        if not self.checks:
            return "cast(null as varchar)"
        return "(case " + " ".join(f"when {c.when} then {c.reason}" for c in self.checks) + " end)"


def _any(conditions: Iterable[str]) -> str:
    """SQL, never null: one of the conditions holds (a null condition does not)."""
    listed = [f"({c})" for c in conditions]
    return f"coalesce({' or '.join(listed)}, false)" if listed else "false"


def column_sql(col: Column, i: int | None, bound: Bound, order: DateOrder | None, decimal_comma: bool,
               suspect: Suspect = ANYTHING) -> ColumnSql:
    """The typed value and the checks for one canonical column read from source column `i`; parameters
    of `typed` and `shape` are appended to `bound` in that order."""
    if i is None:
        default = "null" if col.default is None else repr(col.default)
        return ColumnSql(f"cast({default} as {col.sql_type})")
    v, t = f"v{i}", f't_{col.name}'
    checks: list[Check] = []
    shape = None
    invalid = f"{v} is not null and {t} is null"
    if col.type == "str":
        typed = f"(case when {v} is null then null else c{i} end)"
    elif col.type == "id":
        typed = f"lower({v})"
    elif col.type == "key":
        typed = v
    elif col.type == "enum":
        # Most exports already write the value as declared: the exact test spares a lower() per row.
        # list_position, not list_contains or IN: DuckDB rewrites those, for five values or more, into a
        # join whose output leaves file order once a big file is read in pieces, and the row order is
        # what ties each row to its line (and makes the last of a repeated key win).
        typed = (f"(case when list_position(?, {v}) is not null then {v} "
                 f"when list_position(?, lower({v})) is not null then lower({v}) end)")
        bound.params += [list(col.values), list(col.values)]
        checks.append(Check(invalid, f"{_quoted(v)} || ' is not one of {', '.join(col.values)}'"))
    elif col.type == "bool":
        typed = (f"(case when list_position(?, lower({v})) is not null then true "
                 f"when list_position(?, lower({v})) is not null then false end)")
        bound.params += [TRUE_WORDS, FALSE_WORDS]
        checks.append(Check(invalid, f"{_quoted(v)} || ' is not yes/no (true/false, yes/no, 1/0, y/n)'"))
    elif col.type in ("int", "float"):
        target = "bigint" if col.type == "int" else "double"
        typed = f"try_cast({_number(v, decimal_comma and col.type == 'float')} as {target})"
        if col.type == "int":
            # A cast to bigint would round 2.5 to 3 and read 1e3 or 1_000; only whole numbers (3 or 3.0)
            # are accepted. A value the cast writes back unchanged is one (the usual case, and no
            # regular expression is run for it); others are checked by their shape.
            typed = (f"(case when cast(try_cast({v} as bigint) as varchar) = {v} then try_cast({v} as bigint) "
                     f"when regexp_full_match({v}, '[+-]?[0-9]+(\\.0*)?') "
                     f"then try_cast(split_part({v}, '.', 1) as bigint) end)")
        if col.type == "float":
            # + 0.0 turns -0 into 0
            # DuckDB's cast reads 1_000 as 1000: a separator no export writes in a number, so not a number.
            typed = f"(case when isfinite({typed}) and not contains({v}, '_') then {typed} + 0.0 end)"
        word = "a whole number" if col.type == "int" else "a number"
        number = _number(v, decimal_comma and col.type == "float")
        # NaN, Infinity and overflow (1e400) are read by the cast as non-finite and made null above.
        checks.append(Check(invalid, f"(case when not isfinite(try_cast({number} as double)) then {_quoted(v)} || "
                                     f"' is not a finite number' else {_quoted(v)} || ' is not {word}' end)"))
        if col.type == "float":
            # A value such as 1e-400 reads as 0: a non-zero digit before the exponent tells it from a real 0.
            checks.append(Check(f"(case when {t} = 0 then regexp_matches({v}, '^[^eE]*[1-9]') else false end)",
                                f"{_quoted(v)} || ' is too small to be stored (it would be read as 0)'"))
        if col.minimum is not None:
            m = col.minimum
            msg = "is negative; it must be 0 or more" if m == 0 else f"is below the minimum of {_fmt(m)}"
            checks.append(Check(f"{t} < {m!r}", f"{v} || ' {msg}'"))
        if col.maximum is not None:
            checks.append(Check(f"{t} > {col.maximum!r}",
                                f"{v} || ' is above the maximum of {_fmt_bound(col.maximum)}'"))
    elif col.type in ("date", "timestamp", "month"):
        iso = _iso_text(v, order)
        stamp = _timestamp(iso)
        if col.type == "timestamp":
            parsed = stamp
            word, real = "a timestamp (YYYY-MM-DD HH:MM:SS, optionally with Z or ±HH:MM)", "date and time"
            low, high = f"timestamp '{FIRST_DAY}'", f"timestamp '{LAST_DAY} 23:59:59.999999'"
        elif col.type == "date":
            parsed = f"cast({stamp} as date)"
            word, real = "a date (YYYY-MM-DD)", "date"
            low, high = f"date '{FIRST_DAY}'", f"date '{LAST_DAY}'"
        else:
            parsed = (f"(case when regexp_matches({v}, {sql_text(MONTH)}) then try_cast({v} || '-01' as date) "
                      f"else cast(date_trunc('month', cast({stamp} as date)) as date) end)")
            word, real = "a month (YYYY-MM)", "month"
            low, high = f"date '{FIRST_DAY}'", f"date '{LAST_DAY}'"
        shape = _shape(v, col, order)
        typed = f"(case when {shape} then {parsed} end)"
        s = f"s_{col.name}"
        checks += [Check(f"{v} is not null and not {s}", f"{_quoted(v)} || ' is not {word}'"),
                   Check(invalid, _bad_date_reason(v, real)),
                   Check(f"{t} < {low} or {t} > {high}",
                         f"{_quoted(v)} || ' is outside the plausible dates ({FIRST_DAY} to {LAST_DAY})'")]
    else:  # pragma: no cover - the declarations only use the types above
        raise ValueError(col.type)
    first = [Check(f"{v} is null", "'is empty; a value is required'")] if col.required else []
    if suspect.error_cells:
        errors = "[" + ", ".join(map(sql_text, EXCEL_ERRORS)) + "]"
        first.append(Check(f"(case when starts_with({v}, '#') then list_position({errors}, upper({v})) is not null "
                           "else false end)",
                           f"{_quoted(v)} || ' is an Excel error cell (a formula that failed); fix the formula in "
                           "the sheet, or clear the cell, and export again'"))
    # A control character fails the cast of every other type; text, identifiers and keys are checked. Free
    # text may hold line breaks; an identifier or key may not.
    control = CONTROL_IN_TEXT if col.type == "str" else CONTROL
    reason = ("'holds a control character (U+' || upper(printf('%04x', "
              f"ord(regexp_extract({v}, {sql_text(control)})))) || '); remove it and export again'")
    if col.type in ("str", "id", "key") and suspect.controls:
        first.append(Check(f"regexp_matches({v}, {sql_text(control)})", reason))
    elif col.type in ("id", "key") and suspect.line_breaks:  # cheaper than the expression when breaks are all
        first.append(Check(f"contains({v}, chr(10)) or contains({v}, chr(13))", reason))
    return ColumnSql(typed, [*first, *checks], shape)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _fmt_bound(x: float) -> str:
    """A bound as a manager reads it: 1,000,000 rather than 1000000."""
    return f"{int(x):,}" if float(x).is_integer() else str(x)


# Rules across columns of one row: (dataset, column reported, SQL condition that is a problem, reason).
ROW_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("roster", "access_revoked_on", "access_revoked_on <= access_granted_on",
     "access is revoked on or before the day it was granted"),
)


@dataclass
class _Layers:
    """The projections every query over a file's rows shares: trim each source column once (`v<i>`;
    the text as it is when the file is not `padded`), then type each canonical column once (`t_<col>`,
    `s_<col>`), carrying the source text (`c<i>`) and the columns named in `carry`."""

    sql: str                 # the typed layer, a parenthesised SELECT
    params: list[object]     # its parameters, the relation's last
    columns: list[ColumnSql]  # one per dataset column, in order


def _layers(dataset: Dataset, mapping: ColumnMapping, relation: str, relation_params: list[object],
            orders: dict[str, DateOrder], decimal_comma: bool, suspect: Suspect, carry: tuple[str, ...] = ()
            ) -> _Layers:
    n = len(mapping.headers)
    bound = Bound()
    source = [*carry, *(f"c{i}" for i in range(n))]
    # Only the columns a dataset column reads are trimmed and typed: a wide export (a Jira one with every
    # field) would otherwise cost a large expression per column it does not use.
    used = sorted(set(mapping.columns.values()))
    inner = [*source, *(f"{_trimmed(i) if suspect.padded else f'c{i}'} as v{i}" for i in used)]
    middle = [*source, *(f"v{i}" for i in used), f"{_blank(n, used)} as blank"]
    columns = []
    for col in dataset.columns:
        sql = column_sql(col, mapping.columns.get(col.name), bound, orders.get(col.name), decimal_comma, suspect)
        middle.append(f'{sql.typed} as "t_{col.name}"')
        if sql.shape:
            middle.append(f'{sql.shape} as "s_{col.name}"')
        columns.append(sql)
    text = f"(select {', '.join(middle)} from (select {', '.join(inner)} from {relation}))"
    return _Layers(text, [*bound.params, *relation_params], columns)


def _values(dataset: Dataset) -> list[str]:
    """Each canonical column under its own name, its default applied after typing (so an invalid value
    is reported, never silently defaulted)."""
    values = []
    for col in dataset.columns:
        value = f'"t_{col.name}"'
        if col.default is not None:
            value = f"coalesce({value}, cast({col.default!r} as {col.sql_type}))"
        values.append(f'{value} as "{col.name}"')
    return values


def _rules(dataset: Dataset) -> list[tuple[str, str, str]]:
    return [(column, condition, reason) for ds, column, condition, reason in ROW_RULES if ds == dataset.name]


def build_select(dataset: Dataset, mapping: ColumnMapping, relation: str, relation_params: list[object],
                 orders: dict[str, DateOrder], decimal_comma: bool, suspect: Suspect = ANYTHING
                 ) -> tuple[str, list[object]]:
    """SELECT over the file's rows giving, per row: the typed canonical columns, `blank` (every cell
    empty), `_ok` (no check holds) and, for rejected rows only, `cells` (the row's text as the file
    had it, a list). Rows come out in file order.

    Only whether a row is accepted is worked out here, for every row; why a row is rejected is
    worked out by problems_select over the rejected rows alone. Without `padded` (the reader found
    no cell that starts or ends with whitespace, and no quoted cell) the text is used untrimmed.
    """
    n = len(mapping.headers)
    layers = _layers(dataset, mapping, relation, relation_params, orders, decimal_comma, suspect)
    names = ", ".join(f'"{c.name}"' for c in dataset.columns)
    bad = _any(c.bad() for c in layers.columns)
    checked = [*_values(dataset), *(f"c{i}" for i in range(n)), "blank", f"{bad} as _bad"]
    ok = f"not (_bad or {_any(condition for _, condition, _ in _rules(dataset))})"
    cells = f"[{', '.join(f'c{i}' for i in range(n))}]"
    sql = (f"select {names}, blank, _ok, case when not _ok and not blank then {cells} end as cells from "
           f"(select *, {ok} as _ok from (select {', '.join(checked)} from {layers.sql}))")
    return sql, layers.params


def rejected_rows(typed: str, width: int) -> str:
    """The rejected rows of a table made by build_select, as a relation problems_select reads:
    `rid` (the row's place in the file's rows) and the source text `c<i>`."""
    cells = ", ".join(f"cells[{i + 1}] as c{i}" for i in range(width))
    return f"(select rowid as rid, {cells} from {typed} where cells is not null)"


def problems_select(dataset: Dataset, mapping: ColumnMapping, relation: str, relation_params: list[object],
                    orders: dict[str, DateOrder], decimal_comma: bool, suspect: Suspect = ANYTHING
                 ) -> tuple[str, list[object]]:
    """SELECT over rejected rows (rejected_rows) giving `rid`, a `p_<col>` problem per column (the
    sentence, or null) and `raw` (the row as the file had it, as JSON). A rule across columns is
    reported only when the column it names has no problem of its own."""
    n = len(mapping.headers)
    layers = _layers(dataset, mapping, relation, relation_params, orders, decimal_comma, suspect,
                     carry=("rid",))
    problems = [f'{c.problem()} as "p_{col.name}"' for col, c in zip(dataset.columns, layers.columns, strict=True)]
    named = ["rid", *(f"c{i}" for i in range(n)), *_values(dataset), *problems]
    rules = [f'coalesce("p_{column}", case when {condition} then {sql_text(reason)} end) as "p_{column}"'
             for column, condition, reason in _rules(dataset)]
    checked = f"select * replace ({', '.join(rules)})" if rules else "select *"
    pairs = ", ".join(f"?, c{i}" for i in range(n))
    headers: list[object] = [h or f"column {i + 1}" for i, h in enumerate(mapping.headers)]
    p_names = ", ".join(f'"p_{c.name}"' for c in dataset.columns)
    sql = (f"select rid, {p_names}, to_json(json_object({pairs})) as raw from "
           f"({checked} from (select {', '.join(named)} from {layers.sql}))")
    return sql, [*headers, *layers.params]


def _blank(n: int, used: list[int]) -> str:
    """SQL: every cell of the row is empty. A column a dataset reads counts its trimmed text (`v<i>`); any other
    counts as empty when it is (a cell of spaces there is content: trimming every unused column of a wide
    export would cost more than the rows of spaces it could find)."""
    cells = [f"v{i} is null" if i in used else f"(c{i} is null or c{i} = '')" for i in range(n)]
    return "(" + " and ".join(cells) + ")" if cells else "true"


def _trimmed(i: int) -> str:
    """The cell without surrounding whitespace, null when empty. Testing the first and last
    character first is much cheaper than trimming every cell, and most cells need no trimming
    (ord of an empty text is -1, so an empty cell is trimmed to null too)."""
    spaces = "[" + ", ".join(map(str, UNICODE_SPACES)) + "]"
    edge = " or ".join(f"ord({c}) <= 32 or (ord({c}) > 127 and list_position({spaces}, ord({c})) is not null)"
                       for c in (f"c{i}", f"c{i}[-1]"))
    return f"(case when {edge} then nullif(trim(c{i}, {sql_text(TRIM)}), '') else c{i} end)"
