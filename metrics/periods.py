"""The one metric engine: the facts of a set of periods from a few grouped queries.

A window is the one-period case (`Periods(window, by_month=False)`: its facts are those of the
whole window) and its months are the month-periods case (`by_month=True`: one period per calendar
month it touches, cut to the window). The families turn each period's facts into metrics
(metrics.quality, …), so a number is computed one way whatever it is computed for. Two steps:

1. The *base*: the scans of big tables, grouped by period but not narrowed by the filters.
   Usage twice: the sums metrics take (interactions, kept, with an action, minutes saved, without
   access, out of scope — each row judged against its own day, user and stage) at grain period ×
   department × use case; and per user at grain period × user (× use case when the base is
   shared) — interactions, first day of use, whether the user had access on some day of the
   period, whether the user was untrained on that first day. Reviews at grain period × department
   of the usage event they name × use case. Training at grain user × stage (whether and when the
   user completed the stage's modules). Usage a third time for the seats, cohorts and retention of
   metrics.seats, which look back from a period's end (the 30 days before it, the month before, any
   earlier use): each user's active days month by month, from the first usage loaded to the end of
   the last period's calendar month. A filter only selects rows, and departments belong to
   users, so a shared base can be narrowed to any department and use case afterwards.
2. Per filter: the base narrowed and summed by period, per user where a metric counts users
   (active users, the heaviest tenth, activation, untrained at first use), per seat on each period's
   last day and per user active around it (seats, cohorts, retention); and one query per small
   dataset (tickets, incidents, costs, roster and training, feedback) joined to the bound table of
   periods, each with its period's bounds.

A caller that asks again and again about the same window (the app, for each department and use
case) keeps a shared `Scans` (`shared_scans`) in its own cache, keyed on the data's version, and
passes it: another filter then costs step 2 only, milliseconds where a scan of ten million usage
rows takes seconds. Without one, a base is built for the window's own filters and dropped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

import duckdb

from core.calendar import month_end, month_spans
from metrics import filters, scope, seats
from metrics.facts import (
    CONFUSION,
    DEFAULTS_CTE,
    ERRORS,
    EXPOSURE,
    HIGH,
    USAGE_SUMS,
    USAGE_SUMS_FROM,
    AccessFacts,
    FeedbackFacts,
    IncidentFacts,
    ReviewFacts,
    SeatFacts,
    TicketFacts,
    UsageFacts,
    required_modules,
    usage_grain_ctes,
    usage_params,
)
from metrics.model import MetricContext, Window
from metrics.query import bind

if TYPE_CHECKING:  # at run time DuckDB hands the tables over; importing pyarrow would load numpy for every command
    import pyarrow as pa

# The periods as a table: `month` (the period's key, which every grouped query returns: the first day
# of its month, or the window's first day for the one-period case), the period [p_start, p_end],
# p_stop = p_end + 1 day, and the stage in force on p_end (its starts_on, null when none) with the
# number of modules it requires (metrics.facts.required_modules).
PERIOD_TYPE = "struct(month date, p_start date, p_end date, p_stop date, stage_start date, module_count integer)[]"
PERIODS_CTE = f"periods as (select unnest(cast($periods as {PERIOD_TYPE}), recursive := true))"


def months(window: Window) -> list[Window]:
    """The window cut at month boundaries: one window per calendar month it touches, keeping its
    filters (March 10 – April 9 gives March 10–31 and April 1–9)."""
    return [replace(window, start=a, end=b) for a, b in month_spans(window.start, window.end)]


def month_key(window: Window) -> str:
    """'YYYY-MM' of a window inside one month."""
    return f"{window.start:%Y-%m}"


@dataclass(frozen=True)
class Periods:
    """What facts are computed for: `window` whole, or each calendar month it touches (`by_month`)."""

    window: Window
    by_month: bool

    def spans(self) -> list[Window]:
        return months(self.window) if self.by_month else [self.window]

    def key(self, day: str) -> str:
        """SQL: the key of the period holding date `day` (a date expression inside the window)."""
        return f"cast(date_trunc('month', {day}) as date)" if self.by_month else "cast($start as date)"

    def last_day(self, key: str) -> str:
        """SQL: the last day of the period whose key is `key`."""
        return f"least(last_day({key}), $end)" if self.by_month else "cast($end as date)"


# -- step 1: the base ----------------------------------------------------------------------------

# Per user and stage (after STAGES_CTE): how many of the stage's distinct required modules the user has
# completed, and the day the last of them was first completed. metrics.facts asks, module by module, for a
# completion on or before day d; that holds for every module of the stage exactly when `modules` is the
# stage's count and `last_done` <= d. It depends on the training table and the plan's stages only, never on
# a window: `Training` makes it once for every window of a caller.
TRAINING_DONE_SQL = f"""
        with
        {scope.STAGES_CTE},
        stage_modules as (
            select starts_on, unnest(list_distinct(required_training)) as module from stages
        ),
        first_done as (
            select user_id, module, min(completed_on) as done_on
            from training where completed_on is not null
            group by user_id, module
        )
        select f.user_id, m.starts_on, count(*) as modules, max(f.done_on) as last_done
        from first_done f join stage_modules m on m.module = f.module
        group by f.user_id, m.starts_on"""

# After STAGE_DAYS_CTE: the stage of each day of the window and how many modules it requires.
DAY_NEEDS_CTE = """day_needs as (
            select day, starts_on, len(list_distinct(required_training)) as modules from stage_days
        )"""


def untrained(needs: str, done: str, day: str) -> str:
    """SQL: on `day`, under the stage of day_needs row `needs`, the user of training_done row `done` (null
    columns when the user completed none of the stage's modules) had not completed every module."""
    return (f"coalesce({needs}.modules > 0 and not coalesce({done}.modules = {needs}.modules "
            f"and {done}.last_done <= {day}, false), false)")


def usage_sums_sql(window: Window, periods: Periods) -> str:
    """Usage in the window (its filters applied) summed at grain period × department × use case, from
    the grain day × department × use case × access (metrics.facts.usage_grain_ctes)."""
    return f"""
        with
        {scope.STAGES_CTE},
        {scope.STAGE_DAYS_CTE},
        {DEFAULTS_CTE},
        {usage_grain_ctes(window)}
        select {periods.key("g.day")} as month, g.department, g.use_case, {USAGE_SUMS}
        {USAGE_SUMS_FROM}
        group by 1, 2, 3"""


def usage_users_sql(window: Window, periods: Periods, by_use_case: bool, done: str = "training_done") -> str:
    """Usage in the window (its filters applied) per user at grain period × user (× use case, with
    `by_use_case`; else `use_case` is null): the interactions and the first day of use, with what
    the per-user metrics need of the user.
    `department`: the roster department (null when the user is not in the roster).
    `access_in_month`: the roster row gives access on some day of the period
    (scope.access_during_window). `untrained`: on `first_day` the user had not completed (on or
    before it) every module required by the stage of that day (`untrained`). A user's
    first day in a month is the earliest of its use cases', so the user's flag is that use case's. `done`: the
    relation of TRAINING_DONE_SQL."""
    in_month = scope.access_during_window("r", "greatest(g.month, $start)", periods.last_day("g.month"))
    use_case = "u.use_case" if by_use_case else "cast(null as varchar)"
    return f"""
        with
        {scope.STAGES_CTE},
        {scope.STAGE_DAYS_CTE},
        {DAY_NEEDS_CTE},
        usage_rows as ({filters.usage_rows(window, roster=False, people_only=True)}),
        grouped as (
            select {periods.key("u.day")} as month, u.user_id, {use_case} as use_case,
                   sum(u.interactions) as interactions, min(u.day) as first_day
            from usage_rows u
            group by 1, 2, 3
        )
        select g.month, g.user_id, g.use_case, r.department, cast(g.interactions as bigint) as interactions,
               g.first_day, coalesce({in_month}, false) as access_in_month,
               {untrained("n", "dn", "g.first_day")} as untrained
        from grouped g
        left join roster r on r.user_id = g.user_id
        left join day_needs n on n.day = g.first_day
        left join {done} dn on dn.user_id = g.user_id and dn.starts_on = n.starts_on"""


def user_months_sql(window: Window, shared: bool) -> str:
    """Every user's active days, month by month, from the first usage loaded to the end of the calendar month
    holding the window's end date (its filters applied unless `shared`): grain month × user (× use case and
    the user's roster department when `shared`, so that any filter can narrow it; else both null). `days` has
    bit d − 1 set when the user had an interaction on day d of the month; only rows that name a person count.
    Before the months a period of the window looks at day by day (seats.RECENT_FROM) only the first use
    matters: one row per user (× use case) there, its first month with `days` 0, grouped by user alone (a
    cheaper grouping than by month, over what is usually most of the history). The seat, cohort and
    retention metrics of every period are read from it (`seats_sql`)."""
    every = replace(window, department=None, use_case=None) if shared else window
    recent = filters.usage_rows(every, roster=False, people_only=True, start=seats.RECENT_FROM, stop=seats.MONTH_STOP)
    before = filters.usage_rows(every, roster=False, people_only=True, start=None, stop=seats.RECENT_FROM)
    use_case = ", u.use_case" if shared else ""
    months = f"""
            select cast(date_trunc('month', u.day) as date) as month, u.user_id{use_case},
                   bit_or(cast(1 as bigint) << (day(u.day) - 1)) as days
            from ({recent}) u
            group by all
            union all
            select cast(date_trunc('month', min(u.day)) as date) as month, u.user_id{use_case},
                   cast(0 as bigint) as days
            from ({before}) u
            group by u.user_id{use_case}"""
    if not shared:
        return f"""select g.month, g.user_id, cast(null as varchar) as use_case, g.days,
                   cast(null as varchar) as department
            from ({months}) g"""
    return f"""select g.month, g.user_id, g.use_case, g.days, r.department
            from ({months}) g left join roster r on r.user_id = g.user_id"""


def review_base_sql(window: Window, periods: Periods, link: bool) -> str:
    """Reviews in the window (its filters applied), grain period × department × use case, counted and
    summed (missing minutes count as 0). With `link` (always, when the window has a department
    filter), `department` is the roster department of the user of the usage event the review names
    (null when there is none), as filters.review_rows joins it; without, it is null."""
    if link:
        rows = f"""
            select r.*, ro.department as linked_department from reviews r
            left join usage u on u.event_id = r.event_id
            left join roster ro on ro.user_id = u.user_id
            where {filters.in_window('r.reviewed_at')}"""
        if window.department is not None:
            rows += " and ro.department = $department"
    else:
        rows = f"""
            select r.*, cast(null as varchar) as linked_department from reviews r
            where {filters.in_window('r.reviewed_at')}"""
    if window.use_case is not None:
        rows += " and r.use_case = $use_case"
    return f"""
        with review_rows as ({rows})
        select {periods.key("cast(reviewed_at as date)")} as month, linked_department as department, use_case,
               count(*) as reviews,
               count(*) filter (where outcome in {ERRORS}) as errors,
               count(*) filter (where error_severity in ('major', 'critical')) as severe,
               count(*) filter (where outcome = 'rejected') as rejected,
               coalesce(sum(review_minutes), 0) as review_minutes,
               coalesce(sum(rework_minutes), 0) as rework_minutes
        from review_rows
        group by 1, 2, 3"""


def _arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object],
           tables: dict[str, pa.Table] | None = None) -> pa.Table:
    """The result of `sql` as an Arrow table; `tables` are registered under their names for it."""
    tables = tables or {}
    for name, table in tables.items():
        con.register(name, table)
    try:
        return con.sql(sql, params=bind(sql, params)).to_arrow_table()
    finally:
        for name in tables:
            con.unregister(name)


class Training:
    """TRAINING_DONE_SQL's table for one plan context, made on first use and kept (safe to share between
    threads). It depends on no window, so one serves every window and filter: the app keeps one per data
    version and plan (and a command's one computation serves its windows), where a scan per window cost
    70–90 ms on 287,000 training rows, twice (per-user usage and access)."""

    def __init__(self, ctx: MetricContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._table: pa.Table | None = None

    def tables(self, con: duckdb.DuckDBPyConnection) -> dict[str, pa.Table]:
        """{'training_done': the table}, to register for a query that names it."""
        with self._lock:
            if self._table is None:
                self._table = _arrow(con, TRAINING_DONE_SQL, scope.stage_params(self.ctx))
            return {"training_done": self._table}


class Scans:
    """The scans of one set of periods (step 1). A `shared` set is built without filters, to be narrowed to
    any department and use case (users split by use case, reviews linked to departments). A kept set
    (`keep`: always when shared) makes each scan on first use and keeps it (safe to share between threads:
    the app's reruns); kept scans by month also serve a window that is a run of their months (`serves`),
    its facts summed from theirs. Otherwise the scans are for `periods.window`'s filters, which their rows
    satisfy, and are not kept: each is read inline by the one query that needs it, so DuckDB plans the scan
    and its sums together. All read the users' training (TRAINING_DONE_SQL) from `training` when given
    for the same context, else inline (a command that asks about one window need not load pyarrow, 0.16 s,
    to keep it)."""

    def __init__(self, ctx: MetricContext, periods: Periods, shared: bool, training: Training | None = None,
                 keep: bool = False, seats_from: Scans | None = None) -> None:
        self.ctx, self.periods, self.window, self.shared = ctx, periods, periods.window, shared
        self.keep = keep or shared
        # Kept shared scans whose user months the seats of these periods are read from (`seat_source`).
        self.seats_from = seats_from
        self.training = training if training is not None and training.ctx == ctx else None
        self._lock = threading.Lock()
        self._tables: dict[str, pa.Table] = {}
        # Seats, cohorts and retention depend on a period's last day (and the filters) alone: kept scans keep
        # them per (last day, department, use case), so a review's months, its period whole and its triggers'
        # windows, which end on the same days, read the user months once for each day.
        self._seats: dict[tuple[date, str | None, str | None], dict[str, Any]] = {}

    def serves(self, ctx: MetricContext, periods: Periods) -> bool:
        """Whether these scans hold the facts of `periods` (with its filters): the same periods, or one period
        made of whole periods of kept scans by month (every row of a month-period belongs to it). Shared
        scans serve any filters; others their own."""
        if ctx != self.ctx:
            return False
        w = periods.window
        if not self.shared and (w.department, w.use_case) != (self.window.department, self.window.use_case):
            return False
        same = replace(w, department=self.window.department, use_case=self.window.use_case) == self.window
        if same and periods.by_month == self.periods.by_month:
            return True
        if not (self.keep and self.periods.by_month and not periods.by_month):
            return False
        spans = self.periods.spans()
        return any(m.start == w.start for m in spans) and any(m.end == w.end for m in spans)

    def _sql(self, name: str, done: str) -> str:
        if name == "usage_sums":
            return usage_sums_sql(self.window, self.periods)
        if name == "usage_users":
            return usage_users_sql(self.window, self.periods, by_use_case=self.shared, done=done)
        if name == "review_base":
            return review_base_sql(self.window, self.periods, self.shared or self.window.department is not None)
        if name == "user_months":
            return user_months_sql(self.window, self.shared)
        raise KeyError(name)

    def _done(self, con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, pa.Table]]:
        if self.training is None:
            return f"({TRAINING_DONE_SQL})", {}
        return "training_done", self.training.tables(con)

    def relation(self, con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, dict[str, pa.Table]]:
        """(SQL naming scan `name` in a FROM clause, the tables to register for it): a kept table, else the
        scan's own query in brackets. Its parameters are those of usage_params."""
        if name == "training_done":
            return self._done(con)
        done, needs = self._done(con) if name == "usage_users" else ("", {})
        sql = self._sql(name, done)
        if not self.keep:
            return f"({sql})", needs
        with self._lock:
            if name not in self._tables:
                self._tables[name] = _arrow(con, sql, usage_params(self.ctx, self.window), needs)
            return name, {name: self._tables[name]}

    def covers_seats(self, ctx: MetricContext, window: Window) -> bool:
        """Whether these scans' user months hold the seats of any period of `window` (any filters): kept, shared
        scans of the same context whose months reach the end of the window's last month. Their user months go
        back to the first usage loaded, month by month from their own first month, which is at or before any
        period's look-back when `window` starts inside them."""
        return (self.shared and self.keep and ctx == self.ctx and self.window.start <= window.start
                and window.end <= self.window.end and self.periods.by_month
                and self.window.end == month_end(self.window.end))

    def seat_source(self) -> Scans:
        """The scans the seats are read from: `seats_from` when given, else these."""
        return self.seats_from if self.seats_from is not None else self

    def known_seats(self, keys: list[tuple[date, str | None, str | None]]
                    ) -> dict[tuple[date, str | None, str | None], dict[str, Any]] | None:
        """The kept seat facts of every (last day, department, use case) in `keys`, or None when one is missing."""
        with self._lock:
            if not self.keep or any(k not in self._seats for k in keys):
                return None
            return {k: self._seats[k] for k in keys}

    def keep_seats(self, found: dict[tuple[date, str | None, str | None], dict[str, Any]]
                   ) -> dict[tuple[date, str | None, str | None], dict[str, Any]]:
        """Keep `found` (when these scans are kept) and give it back."""
        if self.keep:
            with self._lock:
                self._seats.update(found)
        return found

    def chosen(self, relation: str, window: Window) -> str:
        """SQL: the rows of scan `relation` that `window`'s filters keep, as they are (unlike `narrowed`, never
        re-keyed): for scans whose rows are months of a user's history (user_months)."""
        keep = [c for c, v in (("department = $department", window.department),
                               ("use_case = $use_case", window.use_case)) if v is not None and self.shared]
        return f"select * from {relation}" + (f" where {' and '.join(keep)}" if keep else "")

    def narrowed(self, relation: str, periods: Periods) -> str:
        """SQL: the rows of scan `relation` that the filters of `periods` keep (all of them, unless the scans
        are shared: otherwise their rows already satisfy their own filters), keyed by its periods: a window
        served by scans by month takes the rows of its months under its own key (its first day, `$start`)."""
        w = periods.window
        keep = [c for c, v in (("department = $department", w.department),
                               ("use_case = $use_case", w.use_case)) if v is not None and self.shared]
        columns = "*"
        if self.periods.by_month and not periods.by_month:
            columns = "* replace (cast($start as date) as month)"
            keep.append("month >= cast(date_trunc('month', cast($start as date)) as date) and month <= $end")
        return f"select {columns} from {relation}" + (f" where {' and '.join(keep)}" if keep else "")


def shared_scans(ctx: MetricContext, window: Window, by_month: bool = True, training: Training | None = None) -> Scans:
    """The scans of `window` (its filters ignored) that any department and use case of it can be
    narrowed from: what a caller keeps to ask about many filters of one window (metrics.monthly's
    `scans`). They hold the data as scanned: keep them only while the data does not change."""
    return Scans(ctx, Periods(replace(window, department=None, use_case=None), by_month), shared=True,
                 training=training)


def kept_scans(ctx: MetricContext, window: Window, training: Training | None = None) -> Scans:
    """The scans of `window`'s months for its own filters, kept: what serves a review that asks about the months
    of its period, the period whole and a trigger's whole months, from one scan of usage and reviews."""
    return Scans(ctx, Periods(window, by_month=True), shared=False, training=training, keep=True)


def scans_for(ctx: MetricContext, periods: Periods, scans: Scans | None, training: Training | None = None,
              seats_from: Scans | None = None) -> Scans:
    """`scans` when they serve these periods, else new ones made for the window's own filters (reading
    `training`, or the given scans' training, when it is for the same context). The seats are read from
    `seats_from` when those kept shared scans cover the window (Scans.covers_seats): the users' history is
    then read once for every window and filter, not once each."""
    if scans is not None and scans.serves(ctx, periods):
        return scans
    source = seats_from if seats_from is not None and seats_from.covers_seats(ctx, periods.window) else None
    return Scans(ctx, periods, shared=False, training=training if training is not None else
                 scans.training if scans is not None else None, seats_from=source)


# -- step 2: per filter --------------------------------------------------------------------------

USAGE_SQL = """
        with
        totals as (
            select month, sum(interactions) as interactions, sum(people_interactions) as people_interactions,
                   sum(kept) as kept, sum(with_action) as with_action, sum(saved_minutes) as saved_minutes,
                   sum(people_saved_minutes) as people_saved_minutes, sum(without_access) as without_access,
                   sum(out_of_scope) as out_of_scope
            from ({sums})
            group by month
        ),
        per_user as (
            select month, user_id, sum(interactions) as interactions, bool_or(access_in_month) as activated,
                   arg_min(untrained, first_day) as untrained
            from ({users})
            group by month, user_id
        ),
        ranked as (
            select month, interactions, activated, untrained,
                   row_number() over (partition by month order by interactions desc) as place,
                   count(*) over (partition by month) as users
            from per_user
        ),
        users as (
            select month, count(*) as active_users,
                   coalesce(sum(interactions) filter (where place <= (users + 9) // 10), 0) as heavy,
                   count(*) filter (where activated) as activated,
                   count(*) filter (where untrained) as untrained
            from ranked
            group by month
        )
        select t.month, t.interactions, t.people_interactions, coalesce(u.active_users, 0) as active_users, t.kept,
               t.with_action, t.saved_minutes, t.people_saved_minutes, t.without_access, t.out_of_scope,
               coalesce(u.heavy, 0) as heavy, coalesce(u.activated, 0) as activated,
               coalesce(u.untrained, 0) as untrained
        from totals t left join users u on u.month = t.month"""

REVIEWS_SQL = """
        select month, sum(reviews) as reviews, sum(errors) as errors, sum(severe) as severe, sum(rejected) as rejected,
               sum(review_minutes) as review_minutes, sum(rework_minutes) as rework_minutes
        from ({narrowed})
        group by month"""


def tickets_sql(window: Window) -> str:
    """Tickets of every period: grain period → one row. Opened and closed in the period; open at its
    end; topics (lower-cased, trimmed, runs of spaces collapsed) with 3 or more tickets opened in it."""
    opened = filters.in_window("t.opened_at", "p.p_start", "p.p_stop")
    closed = filters.in_window("t.closed_at", "p.p_start", "p.p_stop")
    return rf"""
        with
        {PERIODS_CTE},
        ticket_rows as ({filters.ticket_rows(window)}),
        opened as (select p.month, t.* from ticket_rows t join periods p on {opened}),
        closed as (
            select p.month, date_diff('microsecond', t.opened_at, t.closed_at) / 3600e6 as hours
            from ticket_rows t join periods p on {closed}
        ),
        topics as (
            select month, trim(regexp_replace(lower(topic), '\s+', ' ', 'g')) as topic from opened
        ),
        repeated as (
            select month, count(*) as topics
            from (select month, topic from topics where topic <> '' group by month, topic having count(*) >= 3)
            group by month
        ),
        open_at_end as (
            select p.month, count(*) as tickets
            from ticket_rows t join periods p
              on t.opened_at < cast(p.p_stop as timestamp)
             and (t.closed_at is null or t.closed_at >= cast(p.p_stop as timestamp))
            group by p.month
        ),
        opened_sums as (
            select month, count(*) as opened, count(*) filter (where category in {CONFUSION}) as confusion,
                   coalesce(sum(handling_minutes), 0) as handling_minutes
            from opened group by month
        ),
        closed_sums as (select month, count(*) as closed, median(hours) as median_hours from closed group by month)
        select p.month, coalesce(o.opened, 0) as opened, coalesce(o.confusion, 0) as confusion,
               coalesce(o.handling_minutes, 0) as handling_minutes, coalesce(c.closed, 0) as closed, c.median_hours,
               coalesce(e.tickets, 0) as open_at_end, coalesce(r.topics, 0) as repeated_topics
        from periods p
        left join opened_sums o on o.month = p.month
        left join closed_sums c on c.month = p.month
        left join open_at_end e on e.month = p.month
        left join repeated r on r.month = p.month"""


def incidents_sql(window: Window) -> str:
    """Incidents of every period: grain period → one row (periods with no incident at all are
    absent); `open_high` looks at every incident reported by the period's end."""
    reported = filters.in_window("i.reported_at", "p.p_start", "p.p_stop")
    return f"""
        with {PERIODS_CTE}, incident_rows as ({filters.incident_rows(window)})
        select p.month,
               count(*) filter (where {reported}) as incidents,
               count(*) filter (where {reported} and i.severity in {HIGH}) as high,
               count(*) filter (where {reported} and i.category in {EXPOSURE}) as exposure,
               count(*) filter (where {reported} and i.category = 'complaint') as complaints,
               count(*) filter (where i.severity in {HIGH} and i.reported_at < cast(p.p_stop as timestamp)
                                and (i.resolved_at is null or i.resolved_at >= cast(p.p_stop as timestamp)))
                   as open_high
        from periods p cross join incident_rows i
        group by p.month"""


def access_sql(window: Window, done: str = "training_done") -> str:
    """Roster users with access on some day of every period, and how many of them had completed by
    its end the modules of the stage in force on its last day (`done`: the scan of
    TRAINING_DONE_SQL): grain period → one row (periods with nobody with access are absent)."""
    return f"""
        with
        {PERIODS_CTE},
        access_users as (
            select p.month, p.p_end, p.stage_start, p.module_count, r.user_id
            from ({filters.roster_rows(window)}) r
            join periods p on {scope.access_during_window("r", "p.p_start", "p.p_end")}
        )
        select a.month, count(*) as with_access,
               count(*) filter (where a.module_count = 0
                                or coalesce(d.modules = a.module_count and d.last_done <= a.p_end, false)) as trained
        from access_users a
        left join {done} d on d.user_id = a.user_id and d.starts_on = a.stage_start
        group by a.month"""


def cash_sql(window: Window) -> str:
    """Σ amount of the cost lines whose month overlaps each period (a month counts whole; periods
    without a line are absent)."""
    return f"""
        with {PERIODS_CTE}, cost_rows as ({filters.cost_rows(window)})
        select p.month, coalesce(sum(c.amount), 0) as cash
        from periods p
        join cost_rows c on c.month >= date_trunc('month', p.p_start) and c.month <= p.p_end
        group by p.month"""


def feedback_sql(window: Window) -> str:
    """Feedback of every period: responses and their mean satisfaction (periods without a response
    are absent)."""
    submitted = filters.in_window("f.submitted_at", "p.p_start", "p.p_stop")
    return f"""
        with {PERIODS_CTE}, feedback_rows as ({filters.feedback_rows(window)})
        select p.month, count(*) as responses, avg(f.satisfaction) as mean
        from periods p join feedback_rows f on {submitted}
        group by p.month"""


def seats_sql(window: Window, user_months: str) -> str:
    """Seats, activity cohorts and retention of every period (metrics.seats), as of its last day E: grain period
    → one row. `user_months` is the scan of user_months_sql with the window's filters applied (Scans.chosen);
    seats are the roster users (department filter applied) with access on E. A user's months are combined
    over use cases first; then, per period, the months from the one holding E − 29 (or the month before M, if
    earlier) to M, the calendar month holding E: whether the user was active in the IDLE_DAYS days ending on E,
    on how many distinct days of the COHORT_DAYS days ending on it, in M and in the month before; and the user's
    first month of activity, for "never before M" and "active earlier"."""
    cohorts = ",\n".join(f"               count(*) filter (where a.active_days between {lo} and {hi}) as {name}"
                          for name, (lo, hi) in seats.COHORTS.items())
    return f"""
        with
        {PERIODS_CTE},
        ends as (
            select month as key, p_end as e, cast(date_trunc('month', p_end) as date) as m_start,
                   cast(date_trunc('month', p_end) - interval 1 month as date) as m1_start,
                   least(cast(date_trunc('month', p_end - {seats.IDLE_DAYS - 1}) as date),
                         cast(date_trunc('month', p_end) - interval 1 month as date)) as from_month
            from periods
        ),
        user_months as (
            select month, user_id, bit_or(days) as days from ({user_months}) group by month, user_id
        ),
        firsts as (select user_id, min(month) as first_month from user_months group by user_id),
        around as (
            select e.key, m.user_id,
                   bool_or(m.days & {seats.day_mask("m.month", f"e.e - {seats.IDLE_DAYS - 1}", "e.e")} <> 0)
                       as recent,
                   sum(bit_count(m.days & {seats.day_mask("m.month", f"e.e - {seats.COHORT_DAYS - 1}", "e.e")}))
                       as active_days,
                   bool_or(m.month = e.m_start) as in_m,
                   bool_or(m.month = e.m1_start) as in_m1
            from user_months m join ends e on m.month between e.from_month and e.m_start
            group by e.key, m.user_id
        ),
        holders as (
            select e.key, r.user_id
            from ({filters.roster_rows(window)}) r join ends e on {scope.has_access("r", "e.e")}
        ),
        seat_counts as (
            select h.key, count(*) filter (where not coalesce(a.recent, false)) as idle,
{cohorts}
            from holders h left join around a on a.key = h.key and a.user_id = h.user_id
            group by h.key
        ),
        retention as (
            select a.key,
                   count(*) filter (where a.in_m and f.first_month = e.m_start) as new,
                   count(*) filter (where a.in_m and a.in_m1) as retained,
                   count(*) filter (where a.in_m and not a.in_m1 and f.first_month < e.m1_start) as returning,
                   count(*) filter (where a.in_m1 and not a.in_m) as lapsed
            from around a join firsts f on f.user_id = a.user_id join ends e on e.key = a.key
            group by a.key
        )
        select e.key as month, coalesce(s.idle, 0) as idle, coalesce(s.daily, 0) as daily,
               coalesce(s.weekly, 0) as weekly, coalesce(s.occasional, 0) as occasional,
               coalesce(r.new, 0) as new, coalesce(r.retained, 0) as retained,
               coalesce(r.returning, 0) as returning, coalesce(r.lapsed, 0) as lapsed
        from ends e
        left join seat_counts s on s.key = e.key
        left join retention r on r.key = e.key"""


def _period(ctx: MetricContext, month: Window, by_month: bool) -> dict[str, object]:
    """One row of PERIODS_CTE."""
    stage = ctx.stage_on(month.end)
    return {"month": month.start.replace(day=1) if by_month else month.start, "p_start": month.start,
            "p_end": month.end,
            "p_stop": month.end + timedelta(days=1), "stage_start": stage.starts_on if stage else None,
            "module_count": len(required_modules(ctx, month))}


NO_USAGE = UsageFacts(0, 0, 0, 0, 0, 0.0, 0.0, 0, 0, 0, 0, 0)
NO_REVIEWS = ReviewFacts(0, 0, 0, 0, 0.0, 0.0)
NO_INCIDENTS = IncidentFacts(0, 0, 0, 0, 0)
NO_ACCESS = AccessFacts(0, 0)
NO_FEEDBACK = FeedbackFacts(0, None)


class PeriodFacts:
    """The facts of every period (with the window's filters), each dataset queried on first use:
    {period's key: record}. `period(w)` is one period as the WindowFacts the families read."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ctx: MetricContext, periods: Periods, scans: Scans) -> None:
        self.con, self.ctx, self.periods, self.window, self.base = con, ctx, periods, periods.window, scans
        self.spans = periods.spans()
        self.by_month = periods.by_month
        self.params: dict[str, object] = {**usage_params(ctx, self.window),
                                          "periods": [_period(ctx, w, periods.by_month) for w in self.spans]}

    def _rows(self, sql: str, tables: dict[str, pa.Table] | None = None) -> dict[date, dict[str, Any]]:
        """{month: {column: value}} of a query whose first column is `month`; `tables` are base
        tables registered under their names for this query."""
        tables = tables or {}
        for name, table in tables.items():
            self.con.register(name, table)
        try:
            cur = self.con.execute(sql, bind(sql, self.params))
            names = [d[0] for d in cur.description or ()]
            return {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cur.fetchall()}
        finally:
            for name in tables:
                self.con.unregister(name)

    @cached_property
    def usage(self) -> dict[date, UsageFacts]:
        sums, sums_tables = self.base.relation(self.con, "usage_sums")
        users, users_tables = self.base.relation(self.con, "usage_users")
        sql = USAGE_SQL.format(sums=self.base.narrowed(sums, self.periods),
                               users=self.base.narrowed(users, self.periods))
        rows = self._rows(sql, {**sums_tables, **users_tables})
        return {m: UsageFacts(**r) for m, r in rows.items()}

    @cached_property
    def reviews(self) -> dict[date, ReviewFacts]:
        base, tables = self.base.relation(self.con, "review_base")
        rows = self._rows(REVIEWS_SQL.format(narrowed=self.base.narrowed(base, self.periods)), tables)
        return {m: ReviewFacts(**r) for m, r in rows.items()}

    @cached_property
    def seats(self) -> dict[date, SeatFacts]:
        w = self.window
        keys = {(s.start.replace(day=1) if self.by_month else s.start): (s.end, w.department, w.use_case)
                for s in self.spans}
        source = self.base.seat_source()
        known = source.known_seats(list(keys.values()))
        if known is None:
            base, tables = source.relation(self.con, "user_months")
            rows = self._rows(seats_sql(w, source.chosen(base, w)), tables)
            known = source.keep_seats({keys[m]: r for m, r in rows.items()})
        return {m: SeatFacts(**known[key]) for m, key in keys.items()}

    @cached_property
    def tickets(self) -> dict[date, TicketFacts]:
        return {m: TicketFacts(**r) for m, r in self._rows(tickets_sql(self.window)).items()}

    @cached_property
    def incidents(self) -> dict[date, IncidentFacts]:
        return {m: IncidentFacts(**r) for m, r in self._rows(incidents_sql(self.window)).items()}

    @cached_property
    def access(self) -> dict[date, AccessFacts]:
        done, tables = self.base.relation(self.con, "training_done")
        rows = self._rows(access_sql(self.window, done), tables)
        return {m: AccessFacts(**r) for m, r in rows.items()}

    @cached_property
    def cash(self) -> dict[date, float]:
        return {m: float(r["cash"]) for m, r in self._rows(cash_sql(self.window)).items()}

    @cached_property
    def feedback(self) -> dict[date, FeedbackFacts]:
        return {m: FeedbackFacts(**r) for m, r in self._rows(feedback_sql(self.window)).items()}

    def period(self, window: Window) -> OnePeriod:
        return OnePeriod(self, window.start.replace(day=1) if self.by_month else window.start)


@dataclass(frozen=True)
class OnePeriod:
    """One period of a PeriodFacts, read as the WindowFacts of that period's window."""

    source: PeriodFacts
    first_day: date

    @property
    def usage(self) -> UsageFacts:
        return self.source.usage.get(self.first_day, NO_USAGE)

    @property
    def reviews(self) -> ReviewFacts:
        return self.source.reviews.get(self.first_day, NO_REVIEWS)

    @property
    def seats(self) -> SeatFacts:
        return self.source.seats[self.first_day]

    @property
    def tickets(self) -> TicketFacts:
        return self.source.tickets[self.first_day]

    @property
    def incidents(self) -> IncidentFacts:
        return self.source.incidents.get(self.first_day, NO_INCIDENTS)

    @property
    def access(self) -> AccessFacts:
        return self.source.access.get(self.first_day, NO_ACCESS)

    @property
    def cash(self) -> float:
        return self.source.cash.get(self.first_day, 0.0)

    @property
    def feedback(self) -> FeedbackFacts:
        return self.source.feedback.get(self.first_day, NO_FEEDBACK)


def period_facts(con: duckdb.DuckDBPyConnection, ctx: MetricContext, periods: Periods,
                 scans: Scans | None = None, training: Training | None = None, seats_from: Scans | None = None
                 ) -> list[tuple[Window, OnePeriod]]:
    """(period's window, its facts) for every period, in order; from `scans` when they serve them, with the
    users' training from `training` when given, and the seats from `seats_from` when it covers them."""
    found = PeriodFacts(con, ctx, periods, scans_for(ctx, periods, scans, training, seats_from))
    return [(w, found.period(w)) for w in found.spans]
