"""Seats, activity cohorts and retention (DESIGN.md §12): who holds a seat on a window's end date, how often
they used the tool in the days before it, and who stayed, came, came back or left between its last calendar
month and the month before.

The rules, in one place:
- a seat is a roster user with active access on the window's end date E (metrics.scope.has_access);
- an idle seat had no interaction in the IDLE_DAYS (30) days ending on E;
- the activity cohorts count seats by their distinct UTC days with an interaction in the COHORT_DAYS (28) days
  ending on E: daily 15 or more, weekly 4–14, occasional 1–3 (COHORTS);
- retention compares M, the calendar month holding E, with the month before: new (active in M, never
  before), retained (in both), returning (in M, not in the month before, active earlier), lapsed (in the month
  before, not in M); "earlier" reads whatever older usage is loaded.
Only usage rows that name a person count (metrics.filters.PEOPLE), with the window's filters.

The metrics themselves come from the one engine (metrics.periods: a scan of each user's active days per month,
then these rules per period); this module holds the rules, the days each metric needs covered (`span`), the
seats behind adoption.idle_seats (`holders_sql`: the Adoption page's idle-seat list, `seat_holders` and
`idle_list`, and the gate review's drill-down, metrics.drill) and the funnel the Adoption page draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

import duckdb

from core.calendar import add_months, month_end
from metrics import filters, scope
from metrics.model import MetricValue, Window
from metrics.query import bind, fetch_one, window_params
from metrics.registry import Span

if TYPE_CHECKING:  # DuckDB hands the list over as a polars frame; importing polars would load it for every command
    import polars as pl

IDLE_DAYS = 30
COHORT_DAYS = 28
# cohort (adoption.<cohort>_users) -> (fewest, most) distinct active days of the COHORT_DAYS days ending on the
# end date
COHORTS: dict[str, tuple[int, int]] = {"daily": (15, COHORT_DAYS), "weekly": (4, 14), "occasional": (1, 3)}
RETENTION: tuple[str, ...] = ("adoption.new_users", "adoption.retained_users", "adoption.returning_users",
                              "adoption.lapsed_users")

# SQL: the day after the calendar month holding the window's end date: retention looks at that month whole.
MONTH_STOP = "(last_day(cast($end as date)) + 1)"
# SQL: the first day of the earliest month a period ending in the window looks at day by day: the month holding
# its start − 29 days, or the month before its start's, if earlier. Before it only a user's first use counts.
RECENT_FROM = (f"least(cast(date_trunc('month', cast($start as date) - {IDLE_DAYS - 1}) as date), "
               "cast(date_trunc('month', cast($start as date)) - interval 1 month as date))")


def span(kind: Span, window: Window) -> Window:
    """The days a metric looking at `kind` reads for `window` (its filters kept), which the datasets it needs
    must cover: the window itself, the 30 or 28 days ending on its end date, or the calendar month holding its
    end date and the month before."""
    end = window.end
    if kind == "window":
        return window
    if kind == "last 30 days":
        return replace(window, start=end - timedelta(days=IDLE_DAYS - 1))
    if kind == "last 28 days":
        return replace(window, start=end - timedelta(days=COHORT_DAYS - 1))
    if kind == "last two months":
        return replace(window, start=add_months(end, -1), end=month_end(end))
    raise ValueError(f"unknown span {kind!r}")


def day_mask(month: str, first: str, last: str) -> str:
    """SQL: the bits (bit d − 1 for day d of the month) of the days of [first, last] in the month starting on
    `month` (date expressions); 0 when they do not meet. A user's active days of a month are such a mask."""
    lo, hi = f"greatest({first}, {month})", f"least({last}, last_day({month}))"
    return (f"(case when {lo} <= {hi} then (cast(1 as bigint) << day({hi})) - (cast(1 as bigint) << (day({lo}) - 1)) "
            "else cast(0 as bigint) end)")


def holders_sql(window: Window) -> str:
    """Every seat on the window's end date E (department filter applied): one row per roster user with access
    on E, with the last day on or before E of an interaction that names them (use-case filter applied; null
    when none), the days the seat has been idle — from the day after that use, or from the day access was
    granted when later or when never used, to E inclusive — and whether it is idle (no interaction in the
    IDLE_DAYS days ending on E). Ordered most idle first, then by user."""
    history = filters.usage_rows(window, roster=False, people_only=True, start=None)
    return f"""
        with
        seats as (
            select r.user_id, r.department, r.access_granted_on
            from ({filters.roster_rows(window)}) r
            where {scope.has_access("r", "cast($end as date)")}
        ),
        used as (
            select u.user_id, max(u.day) as last_active
            from ({history}) u
            where u.user_id in (select user_id from seats)
            group by u.user_id
        )
        select s.user_id, s.department, l.last_active,
               date_diff('day', greatest(coalesce(l.last_active + 1, s.access_granted_on), s.access_granted_on),
                         cast($end as date)) + 1 as days_idle,
               coalesce(l.last_active <= cast($end as date) - {IDLE_DAYS}, true) as idle
        from seats s left join used l on l.user_id = s.user_id
        order by days_idle desc, s.user_id"""


def seat_holders(con: duckdb.DuckDBPyConnection, window: Window) -> pl.DataFrame:
    """Every seat on the window's end date (holders_sql): columns user_id, department, last_active (date, null
    when never used), days_idle, idle. Its idle rows are the people adoption.idle_seats counts."""
    sql = holders_sql(window)
    return con.sql(sql, params=bind(sql, window_params(window))).pl()


def seat_count(con: duckdb.DuckDBPyConnection, window: Window) -> int:
    """The seats on the window's end date: roster users (department filter applied) with access on it — the rows
    of seat_holders, without reading anyone's usage."""
    sql = (f"select count(*) as seats from ({filters.roster_rows(window)}) r "
           f"where {scope.has_access('r', 'cast($end as date)')}")
    return int(fetch_one(con, sql, window_params(window))["seats"])


IDLE_COLUMNS = ("user_id", "department", "last_active", "days_idle")


def idle_list(holders: pl.DataFrame) -> pl.DataFrame:
    """The idle seats of `seat_holders`, for licence reclamation: user_id, department, last_active, days_idle,
    most idle first (then by user)."""
    return holders.filter(holders.get_column("idle")).select(IDLE_COLUMNS).sort(["days_idle", "user_id"],
                                                                                  descending=[True, False])


@dataclass(frozen=True)
class FunnelStep:
    """One step of the seat funnel on the window's end date: its label, how many people (None when a metric it
    rests on has no value) and what it counts."""

    label: str
    people: int | None
    meaning: str


def _total(values: Mapping[str, MetricValue], ids: tuple[str, ...]) -> int | None:
    found = [values[i].value for i in ids]
    return None if any(v is None for v in found) else int(sum(v for v in found if v is not None))


def funnel(values: Mapping[str, MetricValue], seats: int) -> tuple[FunnelStep, ...]:
    """access → active → weekly → daily on the window's end date, from the window's metric records and its
    number of seats (the rows of `seat_holders`); each step holds the next. No seat count is shown when idle
    seats have no value (a roster or usage that does not cover the days)."""
    daily, weekly, occasional = "adoption.daily_users", "adoption.weekly_users", "adoption.occasional_users"
    idle = values["adoption.idle_seats"]
    return (
        FunnelStep("With access", None if idle.value is None else seats,
                   f"people with access on the last day (of them {_count(idle.value)} idle: no use in the "
                   f"{IDLE_DAYS} days before)"),
        FunnelStep("Active", _total(values, (daily, weekly, occasional)),
                   f"of those, people who used it on at least 1 of the {COHORT_DAYS} days up to the last day"),
        FunnelStep("Weekly or more", _total(values, (daily, weekly)),
                   f"on {COHORTS['weekly'][0]} or more of those {COHORT_DAYS} days"),
        FunnelStep("Daily", _total(values, (daily,)), f"on {COHORTS['daily'][0]} or more of those {COHORT_DAYS} days"),
    )


def _count(value: float | None) -> str:
    return "an unknown number" if value is None else f"{round(value):,}"
