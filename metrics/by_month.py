"""Every month of a window at once: the facts of each month from a few grouped queries.

`metrics.monthly` turns these into metrics with the families' own code (metrics.quality, …), so
each month equals `compute` on that month's window: the calendar month cut to the window, with
the window's department and use-case filters. Two steps:

1. The *base*: the scans of big tables, grouped by month but not narrowed by the filters.
   Usage twice: the sums metrics.facts takes per window (interactions, kept, with an action,
   minutes saved, without access, out of scope — each row judged against its own day, user and
   stage with the same expressions) at grain month × department × use case; and per user at grain
   month × user × use case (interactions, first day of use, whether the user had access on some
   day of the month, whether the user was untrained on that first day). Reviews at grain month ×
   department of the usage event they name × use case. Training at grain user × stage (whether and
   when the user completed the stage's modules). A filter only selects rows, and departments belong
   to users, so the base can be narrowed to any department and use case afterwards.
2. Per filter: the base narrowed and summed by month, per user where a metric counts users
   (active users, the heaviest tenth, activation, untrained at first use); and one query per small
   dataset (tickets, incidents, costs, roster and training, feedback) joined to the table of the
   window's months, with the expressions of metrics.facts and each month's bounds in place of the
   window's.

With `reuse` (a value naming the database's current content, such as the app's data version), the
base is built once for the window without filters and kept (the last KEEP of them): another
department or use case then costs step 2 only, milliseconds where a scan of ten million usage rows
takes seconds. Without it, the base is built for the window's own filters and dropped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import duckdb
import pyarrow as pa

from metrics import filters, scope
from metrics.facts import (
    CONFUSION,
    DEFAULTS_CTE,
    EXPOSURE,
    HIGH,
    USAGE_SUMS,
    USAGE_SUMS_FROM,
    AccessFacts,
    FeedbackFacts,
    IncidentFacts,
    ReviewFacts,
    TicketFacts,
    UsageFacts,
    required_modules,
    usage_grain_ctes,
    usage_params,
)
from metrics.model import MetricContext, Window
from metrics.query import bind, window_params

KEEP = 2  # bases kept for reuse: a base of ten million usage rows holds about a million rows

# The window's months as a table: `month` (its first day, the key every grouped query returns),
# the part of it inside the window [p_start, p_end], p_stop = p_end + 1 day, and the stage in force
# on p_end (its starts_on, null when none) with the number of modules it requires
# (metrics.facts.required_modules).
PERIOD_TYPE = "struct(month date, p_start date, p_end date, p_stop date, stage_start date, module_count integer)[]"
PERIODS_CTE = f"periods as (select unnest(cast($periods as {PERIOD_TYPE}), recursive := true))"


def months(window: Window) -> list[Window]:
    """The window cut at month boundaries: one window per calendar month it touches, keeping its
    filters (March 10 – April 9 gives March 10–31 and April 1–9)."""
    out, start = [], window.start
    while start <= window.end:
        next_month = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(window.end, next_month - timedelta(days=1))
        out.append(replace(window, start=start, end=end))
        start = next_month
    return out


def month_key(window: Window) -> str:
    """'YYYY-MM' of a window inside one month."""
    return f"{window.start:%Y-%m}"


# -- step 1: the base ----------------------------------------------------------------------------

# CTEs (after STAGES_CTE, STAGE_DAYS_CTE). `done`, per user and stage: how many of the stage's
# distinct required modules the user has completed, and the day the last of them was first
# completed; `day_needs`: the stage of each day of the window and how many modules it requires.
# metrics.facts asks, module by module, for a completion on or before day d; that holds for every
# module of the stage exactly when `modules` is the stage's count and `last_done` <= d.
DONE_CTES = """stage_modules as (
            select starts_on, unnest(list_distinct(required_training)) as module from stages
        ),
        first_done as (
            select user_id, module, min(completed_on) as done_on
            from training where completed_on is not null
            group by user_id, module
        ),
        done as (
            select f.user_id, m.starts_on, count(*) as modules, max(f.done_on) as last_done
            from first_done f join stage_modules m on m.module = f.module
            group by f.user_id, m.starts_on
        ),
        day_needs as (
            select day, starts_on, len(list_distinct(required_training)) as modules from stage_days
        )"""


def untrained(needs: str, done: str, day: str) -> str:
    """SQL: on `day`, under the stage of day_needs row `needs`, the user of done row `done` (null
    columns when the user completed none of the stage's modules) had not completed every module."""
    return (f"coalesce({needs}.modules > 0 and not coalesce({done}.modules = {needs}.modules "
            f"and {done}.last_done <= {day}, false), false)")


def usage_sums_sql(window: Window) -> str:
    """Usage in the window (its filters applied) summed at grain month × department × use case: the
    sums of metrics.facts.usage_facts, from the same grain (day × department × use case × access)
    and the same expressions."""
    return f"""
        with
        {scope.STAGES_CTE},
        {scope.STAGE_DAYS_CTE},
        {DEFAULTS_CTE},
        {usage_grain_ctes(window)}
        select cast(date_trunc('month', g.day) as date) as month, g.department, g.use_case, {USAGE_SUMS}
        {USAGE_SUMS_FROM}
        group by 1, 2, 3"""


def usage_users_sql(window: Window, by_use_case: bool) -> str:
    """Usage in the window (its filters applied) per user at grain month × user (× use case, with
    `by_use_case`; else `use_case` is null): the interactions and the first day of use, with what
    the per-user metrics need of the user.
    `department`: the roster department (null when the user is not in the roster).
    `access_in_month`: the roster row gives access on some day of the month's part of the window
    (scope.access_during_window). `untrained`: on `first_day` the user had not completed (on or
    before it) every module required by the stage of that day (`untrained`). A user's
    first day in a month is the earliest of its use cases', so the user's flag is that use case's."""
    in_month = scope.access_during_window("r", "greatest(g.month, $start)", "least(last_day(g.month), $end)")
    use_case = "u.use_case" if by_use_case else "cast(null as varchar)"
    return f"""
        with
        {scope.STAGES_CTE},
        {scope.STAGE_DAYS_CTE},
        {DONE_CTES},
        usage_rows as ({filters.usage_rows(window, roster=False)}),
        grouped as (
            select cast(date_trunc('month', u.day) as date) as month, u.user_id, {use_case} as use_case,
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
        left join done dn on dn.user_id = g.user_id and dn.starts_on = n.starts_on"""


def review_base_sql(window: Window, link: bool) -> str:
    """Reviews in the window (its filters applied), grain month × department × use case, counted and
    summed as metrics.facts.review_facts does. With `link` (always, when the window has a department
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
        select cast(date_trunc('month', reviewed_at) as date) as month, linked_department as department, use_case,
               count(*) as reviews,
               count(*) filter (where outcome in ('corrected', 'rejected')) as errors,
               count(*) filter (where error_severity in ('major', 'critical')) as severe,
               count(*) filter (where outcome = 'rejected') as rejected,
               coalesce(sum(review_minutes), 0) as review_minutes,
               coalesce(sum(rework_minutes), 0) as rework_minutes
        from review_rows
        group by 1, 2, 3"""


def _arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> pa.Table:
    return con.sql(sql, params=bind(sql, params)).to_arrow_table()


class Base:
    """The scans of one window (step 1), each made on first use and kept. A `shared` base is built
    without filters, to be narrowed to any department and use case (users split by use case, reviews
    linked to departments); otherwise it is built for `window`'s filters, which its rows satisfy."""

    def __init__(self, ctx: MetricContext, window: Window, shared: bool) -> None:
        self.ctx, self.window, self.shared = ctx, window, shared
        self._lock = threading.Lock()
        self._tables: dict[str, pa.Table] = {}

    def _table(self, con: duckdb.DuckDBPyConnection, name: str, sql: str, params: dict[str, object]) -> pa.Table:
        with self._lock:
            if name not in self._tables:
                self._tables[name] = _arrow(con, sql, params)
            return self._tables[name]

    def usage(self, con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
        """(sums by month × department × use case, users by month × user [× use case])."""
        params = usage_params(self.ctx, self.window)
        return (self._table(con, "usage_sums", usage_sums_sql(self.window), params),
                self._table(con, "usage_users", usage_users_sql(self.window, by_use_case=self.shared), params))

    def reviews(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        link = self.shared or self.window.department is not None
        return self._table(con, "reviews", review_base_sql(self.window, link), window_params(self.window))

    def narrowed(self, table: str, window: Window) -> str:
        """SQL: the rows of base table `table` that `window`'s filters keep (all of them, unless the
        base is shared: its rows already satisfy its own filters)."""
        keep = [c for c, v in (("department = $department", window.department),
                               ("use_case = $use_case", window.use_case)) if v is not None and self.shared]
        return f"select * from {table}" + (f" where {' and '.join(keep)}" if keep else "")

    def training(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        """DONE_CTES's `done`: grain user × stage."""
        sql = f"with {scope.STAGES_CTE}, {scope.STAGE_DAYS_CTE}, {DONE_CTES} select * from done"
        return self._table(con, "training", sql, usage_params(self.ctx, self.window))


_kept: OrderedDict[Hashable, Base] = OrderedDict()
_kept_lock = threading.Lock()


def _context_key(ctx: MetricContext) -> Hashable:
    """What of the plan the base depends on: the stages (scope, training) and the default minutes."""
    return ctx.stages, tuple(sorted(ctx.default_minutes.items()))


def base_for(ctx: MetricContext, window: Window, reuse: Hashable | None) -> Base:
    """The base for `window`: a kept one (built without filters) when `reuse` names the data, else a
    new one built for the window's own filters."""
    if reuse is None:
        return Base(ctx, window, shared=False)
    whole = replace(window, department=None, use_case=None)
    key = (reuse, _context_key(ctx), whole.start, whole.end)
    with _kept_lock:
        base = _kept.get(key)
        if base is None:
            base = _kept[key] = Base(ctx, whole, shared=True)
        _kept.move_to_end(key)
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    return base


def forget() -> None:
    """Drop every kept base."""
    with _kept_lock:
        _kept.clear()


# -- step 2: per filter --------------------------------------------------------------------------

USAGE_SQL = """
        with
        totals as (
            select month, sum(interactions) as interactions, sum(kept) as kept, sum(with_action) as with_action,
                   sum(saved_minutes) as saved_minutes, sum(without_access) as without_access,
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
        select t.month, t.interactions, u.active_users, t.kept, t.with_action, t.saved_minutes, t.without_access,
               t.out_of_scope, u.heavy, u.activated, u.untrained
        from totals t join users u on u.month = t.month"""

REVIEWS_SQL = """
        select month, sum(reviews) as reviews, sum(errors) as errors, sum(severe) as severe, sum(rejected) as rejected,
               sum(review_minutes) as review_minutes, sum(rework_minutes) as rework_minutes
        from ({narrowed})
        group by month"""


def tickets_sql(window: Window) -> str:
    """metrics.facts.ticket_facts for every month: grain month → one row."""
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
    """metrics.facts.incident_facts for every month: grain month → one row (months with no incident
    at all are absent)."""
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


def access_sql(window: Window) -> str:
    """metrics.facts.access_facts for every month, each against the modules of the stage in force
    on its last day (`training_done`: the base's table of DONE_CTES's `done`): grain
    month → one row (months with nobody with access are absent)."""
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
        left join training_done d on d.user_id = a.user_id and d.starts_on = a.stage_start
        group by a.month"""


def cash_sql(window: Window) -> str:
    """metrics.facts.cash_cost for every month: the cost lines whose month overlaps the month's part
    of the window (months without a line are absent)."""
    return f"""
        with {PERIODS_CTE}, cost_rows as ({filters.cost_rows(window)})
        select p.month, coalesce(sum(c.amount), 0) as cash
        from periods p
        join cost_rows c on c.month >= date_trunc('month', p.p_start) and c.month <= p.p_end
        group by p.month"""


def feedback_sql(window: Window) -> str:
    """metrics.facts.feedback_facts for every month (months without a response are absent)."""
    submitted = filters.in_window("f.submitted_at", "p.p_start", "p.p_stop")
    return f"""
        with {PERIODS_CTE}, feedback_rows as ({filters.feedback_rows(window)})
        select p.month, count(*) as responses, avg(f.satisfaction) as mean
        from periods p join feedback_rows f on {submitted}
        group by p.month"""


def _period(ctx: MetricContext, month: Window) -> dict[str, object]:
    """One row of PERIODS_CTE."""
    stage = ctx.stage_on(month.end)
    return {"month": month.start.replace(day=1), "p_start": month.start, "p_end": month.end,
            "p_stop": month.end + timedelta(days=1), "stage_start": stage.starts_on if stage else None,
            "module_count": len(required_modules(ctx, month))}


NO_USAGE = UsageFacts(0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0)
NO_REVIEWS = ReviewFacts(0, 0, 0, 0, 0.0, 0.0)
NO_INCIDENTS = IncidentFacts(0, 0, 0, 0, 0)
NO_ACCESS = AccessFacts(0, 0)
NO_FEEDBACK = FeedbackFacts(0, None)


class MonthlyFacts:
    """The facts of every month of `window` (with its filters), each dataset queried on first use:
    {month's first day: record}. `month(w)` is one month as a WindowFacts for the families."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window, base: Base) -> None:
        self.con, self.ctx, self.window, self.base = con, ctx, window, base
        self.months = months(window)
        self.params: dict[str, object] = {**window_params(window), "periods": [_period(ctx, w) for w in self.months]}

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
        sums, users = self.base.usage(self.con)
        sql = USAGE_SQL.format(sums=self.base.narrowed("usage_sums", self.window),
                               users=self.base.narrowed("usage_users", self.window))
        rows = self._rows(sql, {"usage_sums": sums, "usage_users": users})
        return {m: UsageFacts(**r) for m, r in rows.items()}

    @cached_property
    def reviews(self) -> dict[date, ReviewFacts]:
        sql = REVIEWS_SQL.format(narrowed=self.base.narrowed("review_base", self.window))
        rows = self._rows(sql, {"review_base": self.base.reviews(self.con)})
        return {m: ReviewFacts(**r) for m, r in rows.items()}

    @cached_property
    def tickets(self) -> dict[date, TicketFacts]:
        return {m: TicketFacts(**r) for m, r in self._rows(tickets_sql(self.window)).items()}

    @cached_property
    def incidents(self) -> dict[date, IncidentFacts]:
        return {m: IncidentFacts(**r) for m, r in self._rows(incidents_sql(self.window)).items()}

    @cached_property
    def access(self) -> dict[date, AccessFacts]:
        rows = self._rows(access_sql(self.window), {"training_done": self.base.training(self.con)})
        return {m: AccessFacts(**r) for m, r in rows.items()}

    @cached_property
    def cash(self) -> dict[date, float]:
        return {m: float(r["cash"]) for m, r in self._rows(cash_sql(self.window)).items()}

    @cached_property
    def feedback(self) -> dict[date, FeedbackFacts]:
        return {m: FeedbackFacts(**r) for m, r in self._rows(feedback_sql(self.window)).items()}

    def month(self, window: Window) -> MonthFacts:
        return MonthFacts(self, window.start.replace(day=1))


@dataclass(frozen=True)
class MonthFacts:
    """One month of a MonthlyFacts, read as the WindowFacts of that month's window."""

    source: MonthlyFacts
    first_day: date

    @property
    def usage(self) -> UsageFacts:
        return self.source.usage.get(self.first_day, NO_USAGE)

    @property
    def reviews(self) -> ReviewFacts:
        return self.source.reviews.get(self.first_day, NO_REVIEWS)

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


def month_facts(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
                reuse: Hashable | None = None) -> list[tuple[Window, MonthFacts]]:
    """(month's window, its facts) for every calendar month `window` touches, in order."""
    found = MonthlyFacts(con, ctx, window, base_for(ctx, window, reuse))
    return [(w, found.month(w)) for w in found.months]
