"""The aggregates of one window that metrics are made from: one query per dataset.

Usage feeds all six families, reviews three, tickets two; costs, incidents, roster and training,
and feedback one each. Each is aggregated here in one query per window (`Facts` runs each on
first use and keeps the result), so computing all six families reads the window's usage in one
query. Families only turn these records into metrics (metrics.quality, …), so the same family
code serves `compute` (these queries, one window) and `monthly` (metrics.by_month: the same
records for every month of a window from grouped queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import duckdb

from metrics import filters, scope
from metrics.model import MetricContext, Window
from metrics.query import fetch_one, window_params

KEPT = "('accepted', 'edited')"
CONFUSION = "('how_to', 'allowed_use', 'data_rules', 'review')"
HIGH = "('high', 'critical')"
EXPOSURE = "('data_exposure', 'privacy')"


@dataclass(frozen=True)
class UsageFacts:
    """Usage in the window (filtered), summed. Counts are interactions unless named users."""

    interactions: int
    active_users: int
    kept: int                 # interactions whose output was accepted or edited
    with_action: int          # interactions with an output_action
    saved_minutes: float      # Σ interactions × minutes saved (or the default) over kept or action-less uses
    without_access: int       # interactions by users without active access that day
    out_of_scope: int         # interactions not in scope
    heavy: int                # interactions of the top ceil(10%) active users
    activated: int            # users with access in the window who used the tool in it
    untrained: int            # active users untrained on the day of their first use in the window


@dataclass(frozen=True)
class ReviewFacts:
    """Reviews made in the window (filtered), counted and summed (missing minutes count as 0)."""

    reviews: int
    errors: int               # outcome corrected or rejected
    severe: int               # error_severity major or critical
    rejected: int
    review_minutes: float
    rework_minutes: float


@dataclass(frozen=True)
class TicketFacts:
    """Support tickets (department-filtered) as the window sees them."""

    opened: int               # opened in the window
    confusion: int            # of those, in how_to, allowed_use, data_rules or review
    handling_minutes: float   # Σ handling_minutes of tickets opened in the window
    closed: int               # closed in the window
    median_hours: float | None  # median hours from opening to closing of those closed in the window
    open_at_end: int          # opened by the end, closed_at empty or after the end
    repeated_topics: int      # normalised topics with 3+ tickets opened in the window


@dataclass(frozen=True)
class IncidentFacts:
    """Incident counts for the window (use-case filter only); `open_high` looks at every incident
    reported by the end."""

    incidents: int
    high: int                 # severity high or critical
    exposure: int             # category data_exposure or privacy
    complaints: int
    open_high: int            # high/critical, reported by the end, resolved_at empty or after the end


@dataclass(frozen=True)
class AccessFacts:
    """Roster users (department-filtered) with access on some day of the window, and how many of
    them had completed, by the end, every module required by the stage in force on the end date."""

    with_access: int
    trained: int


@dataclass(frozen=True)
class FeedbackFacts:
    """Feedback submitted in the window (filtered): responses and their mean satisfaction (None when
    there is none)."""

    responses: int
    mean: float | None


class WindowFacts(Protocol):
    """What the families read: every aggregate of one window. `Facts` queries them for a window;
    metrics.by_month gives the same records for each month of a longer window."""

    @property
    def usage(self) -> UsageFacts: ...
    @property
    def reviews(self) -> ReviewFacts: ...
    @property
    def tickets(self) -> TicketFacts: ...
    @property
    def incidents(self) -> IncidentFacts: ...
    @property
    def access(self) -> AccessFacts: ...
    @property
    def cash(self) -> float: ...
    @property
    def feedback(self) -> FeedbackFacts: ...


DEFAULTS_CTE = """defaults as (
            select unnest(cast($defaults as struct(use_case varchar, minutes double)[]), recursive := true)
        )"""


def usage_params(ctx: MetricContext, window: Window) -> dict[str, object]:
    """The bound values of the usage queries: the window, `$stages` and `$defaults` (the plan's
    default minutes saved per use case)."""
    return {**window_params(window), **scope.stage_params(ctx),
            "defaults": [{"use_case": k, "minutes": float(v)} for k, v in ctx.default_minutes.items()]}


def usage_grain_ctes(window: Window) -> str:
    """CTEs (after STAGES_CTE, STAGE_DAYS_CTE): `usage_rows`, the window's usage with its filters and
    its users' roster rows, and `usage_grain`, the same summed at grain day × roster department ×
    use case × access that day (scope.has_access). Each usage row is read once and judged for access
    there; scope (a matter of day, department, use case and access only) and the default minutes (of
    the use case) are applied to the few grain rows by USAGE_SUMS."""
    kept_or_none = f"(output_action is null or output_action in {KEPT})"
    return f"""usage_rows as ({filters.usage_rows(window)}),
        usage_grain as (
            select u.day, u.department, u.use_case, {scope.has_access("u", "u.day")} as access,
                   sum(interactions) as interactions,
                   sum(interactions) filter (where output_action in {KEPT}) as kept,
                   sum(interactions) filter (where output_action is not null) as with_action,
                   sum(interactions * u.minutes_saved) filter (where {kept_or_none}) as given_minutes,
                   sum(interactions) filter (where u.minutes_saved is null and {kept_or_none}) as default_uses
            from usage_rows u
            group by 1, 2, 3, 4
        )"""


# The sums of UsageFacts over rows of `usage_grain g`, `stage_days s` (the stage of g.day) and
# `defaults d` (of g.use_case): USAGE_SUMS_FROM. Saved minutes: the given minutes of kept or
# action-less uses, plus the use case's default (0 when none) for each of those without minutes.
USAGE_SUMS = f"""cast(coalesce(sum(g.interactions), 0) as bigint) as interactions,
               cast(coalesce(sum(g.kept), 0) as bigint) as kept,
               cast(coalesce(sum(g.with_action), 0) as bigint) as with_action,
               coalesce(sum(coalesce(g.given_minutes, 0) + coalesce(d.minutes, 0) * coalesce(g.default_uses, 0)), 0)
                   as saved_minutes,
               cast(coalesce(sum(g.interactions) filter (where not g.access), 0) as bigint) as without_access,
               cast(coalesce(sum(g.interactions)
                             filter (where not {scope.in_scope("s", "g.access", "g.department", "g.use_case")}), 0)
                    as bigint) as out_of_scope"""
USAGE_SUMS_FROM = """from usage_grain g
        left join stage_days s on s.day = g.day
        left join defaults d on d.use_case = g.use_case"""


def usage_facts(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window) -> UsageFacts:
    """The window's usage in one query: the sums (`usage_grain` → USAGE_SUMS, each usage row judged
    for access and scope against its user's roster row and the stage of its day), and usage event
    → user (`per_user`) for active users, the heaviest users, activation and training at first
    use. Reading the window's rows twice is cheaper than grouping every sum by user."""
    sql = f"""
        with
        {scope.STAGES_CTE},
        {scope.STAGE_DAYS_CTE},
        {DEFAULTS_CTE},
        {usage_grain_ctes(window)},
        totals as (select {USAGE_SUMS} {USAGE_SUMS_FROM}),
        per_user as materialized (
            select user_id, sum(interactions) as interactions, min(day) as first_day
            from ({filters.usage_rows(window, roster=False)})
            group by user_id
        ),
        ranked as (
            select interactions, row_number() over (order by interactions desc) as place from per_user
        ),
        access_users as (
            select r.user_id from ({filters.roster_rows(window)}) r where {scope.access_during_window("r")}
        ),
        needed as (
            select p.user_id, p.first_day, unnest(list_distinct(s.required_training)) as module
            from per_user p
            join stage_days s on s.day = p.first_day
        ),
        untrained as (
            select distinct n.user_id
            from needed n
            left join training t on t.user_id = n.user_id and t.module = n.module and t.completed_on <= n.first_day
            where t.user_id is null
        )
        select totals.*,
               (select count(*) from per_user) as active_users,
               (select coalesce(sum(interactions), 0) from ranked
                where place <= ((select count(*) from per_user) + 9) // 10) as heavy,
               (select count(*) from access_users a semi join per_user p on p.user_id = a.user_id) as activated,
               (select count(*) from untrained) as untrained
        from totals"""
    return UsageFacts(**fetch_one(con, sql, usage_params(ctx, window)))


def review_facts(con: duckdb.DuckDBPyConnection, window: Window) -> ReviewFacts:
    """One pass over the window's reviews: grain review → one row of counts and sums."""
    sql = f"""
        with review_rows as ({filters.review_rows(window)})
        select count(*) as reviews,
               count(*) filter (where outcome in ('corrected', 'rejected')) as errors,
               count(*) filter (where error_severity in ('major', 'critical')) as severe,
               count(*) filter (where outcome = 'rejected') as rejected,
               coalesce(sum(review_minutes), 0) as review_minutes,
               coalesce(sum(rework_minutes), 0) as rework_minutes
        from review_rows"""
    row = fetch_one(con, sql, window_params(window))
    return ReviewFacts(**row)


def ticket_facts(con: duckdb.DuckDBPyConnection, window: Window) -> TicketFacts:
    """One pass over support tickets: grain ticket → one row of counts, sums and the median."""
    sql = rf"""
        with
        ticket_rows as ({filters.ticket_rows(window)}),
        opened as (select * from ticket_rows where {filters.in_window("opened_at")}),
        closed as (
            select date_diff('microsecond', opened_at, closed_at) / 3600e6 as hours
            from ticket_rows where {filters.in_window("closed_at")}
        ),
        topics as (
            select trim(regexp_replace(lower(topic), '\s+', ' ', 'g')) as topic from opened
        ),
        repeated as (
            select topic from topics where topic <> '' group by topic having count(*) >= 3
        )
        select (select count(*) from opened) as opened,
               (select count(*) from opened where category in {CONFUSION}) as confusion,
               (select coalesce(sum(handling_minutes), 0) from opened) as handling_minutes,
               (select count(*) from closed) as closed,
               (select median(hours) from closed) as median_hours,
               (select count(*) from ticket_rows
                where opened_at < cast($stop as timestamp)
                  and (closed_at is null or closed_at >= cast($stop as timestamp))) as open_at_end,
               (select count(*) from repeated) as repeated_topics"""
    row = fetch_one(con, sql, window_params(window))
    return TicketFacts(**row)


def incident_facts(con: duckdb.DuckDBPyConnection, window: Window) -> IncidentFacts:
    """One pass over incidents: grain incident → one row of counts."""
    reported = filters.in_window("reported_at")
    sql = f"""
        with incident_rows as ({filters.incident_rows(window)})
        select count(*) filter (where {reported}) as incidents,
               count(*) filter (where {reported} and severity in {HIGH}) as high,
               count(*) filter (where {reported} and category in {EXPOSURE}) as exposure,
               count(*) filter (where {reported} and category = 'complaint') as complaints,
               count(*) filter (where severity in {HIGH} and reported_at < cast($stop as timestamp)
                                and (resolved_at is null or resolved_at >= cast($stop as timestamp))) as open_high
        from incident_rows"""
    return IncidentFacts(**fetch_one(con, sql, window_params(window)))


def required_modules(ctx: MetricContext, window: Window) -> list[str]:
    """The modules of the stage in force on the window's end date, distinct and sorted (none when no
    stage is in force)."""
    stage = ctx.stage_on(window.end)
    return sorted(set(stage.required_training)) if stage else []


def access_facts(con: duckdb.DuckDBPyConnection, window: Window, required: list[str]) -> AccessFacts:
    """Grain roster user → one row of counts. `required` is the module list to check."""
    sql = f"""
        with
        access_users as (
            select r.user_id from ({filters.roster_rows(window)}) r where {scope.access_during_window("r")}
        ),
        completed as (
            select t.user_id, count(distinct t.module) as modules
            from training t
            where t.completed_on <= $end and list_contains(cast($modules as varchar[]), t.module)
            group by t.user_id
        )
        select count(*) as with_access,
               count(*) filter (where coalesce(c.modules, 0) >= $module_count) as trained
        from access_users a
        left join completed c on c.user_id = a.user_id"""
    params = {**window_params(window), "modules": required, "module_count": len(required)}
    return AccessFacts(**fetch_one(con, sql, params))


def cash_cost(con: duckdb.DuckDBPyConnection, window: Window) -> float:
    """Σ amount of the cost lines whose month overlaps the window (0 when there are none)."""
    sql = f"""
        with cost_rows as ({filters.cost_rows(window)})
        select coalesce(sum(amount), 0) as cash from cost_rows"""
    return float(fetch_one(con, sql, window_params(window))["cash"])


def feedback_facts(con: duckdb.DuckDBPyConnection, window: Window) -> FeedbackFacts:
    """The window's feedback: grain response → one row (count and mean satisfaction)."""
    sql = f"""
        with feedback_rows as ({filters.feedback_rows(window)})
        select count(*) as responses, avg(satisfaction) as mean from feedback_rows"""
    return FeedbackFacts(**fetch_one(con, sql, window_params(window)))


class Facts:
    """The aggregates of one (context, window), each computed on first use and kept (a WindowFacts)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window) -> None:
        self.con, self.ctx, self.window = con, ctx, window

    @cached_property
    def usage(self) -> UsageFacts:
        return usage_facts(self.con, self.ctx, self.window)

    @cached_property
    def reviews(self) -> ReviewFacts:
        return review_facts(self.con, self.window)

    @cached_property
    def tickets(self) -> TicketFacts:
        return ticket_facts(self.con, self.window)

    @cached_property
    def incidents(self) -> IncidentFacts:
        return incident_facts(self.con, self.window)

    @cached_property
    def access(self) -> AccessFacts:
        return access_facts(self.con, self.window, required_modules(self.ctx, self.window))

    @cached_property
    def cash(self) -> float:
        return cash_cost(self.con, self.window)

    @cached_property
    def feedback(self) -> FeedbackFacts:
        return feedback_facts(self.con, self.window)
