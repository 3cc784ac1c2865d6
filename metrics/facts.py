"""The aggregates metrics are made from, as records, and the SQL pieces the engine shares.

Usage feeds all six families, reviews three, tickets two, seats (usage and the roster as of a
period's last day) two; costs, incidents, roster and training, and feedback one each.
metrics.periods computes these records for every period asked (a window, or its months) from a few
grouped queries; the families (metrics.quality, …) only turn one period's records into metrics, so
every number has one formula whatever it is computed for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from metrics import filters, scope
from metrics.model import MetricContext, Window
from metrics.query import window_params

KEPT = "('accepted', 'edited')"
ERRORS = "('corrected', 'rejected')"
CONFUSION = "('how_to', 'allowed_use', 'data_rules', 'review')"
HIGH = "('high', 'critical')"
EXPOSURE = "('data_exposure', 'privacy')"


@dataclass(frozen=True)
class UsageFacts:
    """Usage in the window (filtered), summed. Counts are interactions unless named users."""

    interactions: int
    people_interactions: int  # interactions of rows that name a person (not an organisation's totals)
    active_users: int
    kept: int                 # interactions whose output was accepted or edited
    with_action: int          # interactions with an output_action
    saved_minutes: float      # Σ interactions × minutes saved (or the default) over kept or action-less uses
    people_saved_minutes: float  # the same over rows that name a person
    without_access: int       # interactions by users without active access that day (rows naming a person)
    out_of_scope: int         # interactions not in scope (rows naming a person)
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
class SeatFacts:
    """Seats on the period's last day E and activity around it (metrics.seats; rows naming a person, with the
    window's filters). Seats are roster users (department-filtered) with active access on E."""

    idle: int                 # seats without an interaction in the 30 days ending on E
    daily: int                # seats with interactions on 15+ distinct days of the 28 ending on E
    weekly: int               # 4 to 14 of those days
    occasional: int           # 1 to 3 of those days
    new: int                  # users active in M (the calendar month holding E), never before it
    retained: int             # active in M and in the month before
    returning: int            # active in M, not in the month before, active earlier
    lapsed: int               # active in the month before, not in M


@dataclass(frozen=True)
class FeedbackFacts:
    """Feedback submitted in the window (filtered): responses and their mean satisfaction (None when
    there is none)."""

    responses: int
    mean: float | None


class WindowFacts(Protocol):
    """What the families read: every aggregate of one period (metrics.periods.OnePeriod)."""

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
    def seats(self) -> SeatFacts: ...
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
            select u.day, u.department, u.use_case, {scope.has_access("u", "u.day")} as access, u.people,
                   sum(interactions) as interactions,
                   sum(interactions) filter (where output_action in {KEPT}) as kept,
                   sum(interactions) filter (where output_action is not null) as with_action,
                   sum(interactions * u.minutes_saved) filter (where {kept_or_none}) as given_minutes,
                   sum(interactions) filter (where u.minutes_saved is null and {kept_or_none}) as default_uses
            from usage_rows u
            group by 1, 2, 3, 4, 5
        )"""


# The sums of UsageFacts over rows of `usage_grain g`, `stage_days s` (the stage of g.day) and
# `defaults d` (of g.use_case): USAGE_SUMS_FROM. Saved minutes: the given minutes of kept or
# action-less uses, plus the use case's default (0 when none) for each of those without minutes.
SAVED = "coalesce(g.given_minutes, 0) + coalesce(d.minutes, 0) * coalesce(g.default_uses, 0)"
USAGE_SUMS = f"""cast(coalesce(sum(g.interactions), 0) as bigint) as interactions,
               cast(coalesce(sum(g.interactions) filter (where g.people), 0) as bigint) as people_interactions,
               cast(coalesce(sum(g.kept), 0) as bigint) as kept,
               cast(coalesce(sum(g.with_action), 0) as bigint) as with_action,
               coalesce(sum({SAVED}), 0) as saved_minutes,
               coalesce(sum({SAVED}) filter (where g.people), 0) as people_saved_minutes,
               cast(coalesce(sum(g.interactions) filter (where g.people and not g.access), 0) as bigint)
                   as without_access,
               cast(coalesce(sum(g.interactions)
                             filter (where g.people
                                     and not {scope.in_scope("s", "g.access", "g.department", "g.use_case")}), 0)
                    as bigint) as out_of_scope"""
USAGE_SUMS_FROM = """from usage_grain g
        left join stage_days s on s.day = g.day
        left join defaults d on d.use_case = g.use_case"""


def required_modules(ctx: MetricContext, window: Window) -> list[str]:
    """The modules of the stage in force on the window's end date, distinct and sorted (none when no
    stage is in force)."""
    stage = ctx.stage_on(window.end)
    return sorted(set(stage.required_training)) if stage else []
