"""The rows behind a number: for a metric a gate judges, the records that make it up — the incidents, the people
who used the tool without access, the uses outside the approved scope, the reviews that found errors — with the
window and filters the metric had, so a manager can see who and what before deciding.

Each drill is one SQL query built from the same pieces as the metric (metrics.filters, metrics.scope,
metrics.facts), so its rows are the ones the metric counted: a drill's row count (or its sum of interactions)
equals the metric's numerator. Rows are grouped where one record per event would be unreadable (uses by
person and use case).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from metrics import filters, scope, seats
from metrics.facts import CONFUSION, ERRORS, EXPOSURE, HIGH, usage_params
from metrics.model import MetricContext, Window
from metrics.query import bind


@dataclass(frozen=True)
class Drill:
    """What the rows are (a title for people) and the query that gives them for a window."""

    title: str
    sql: Callable[[Window], str]


REPORTED = filters.in_window("i.reported_at")
# Open at the window's end: reported by then, resolved (or closed) after it or not at all.
OPEN_HIGH = (f"i.severity in {HIGH} and i.reported_at < cast($stop as timestamp) "
             "and (i.resolved_at is null or i.resolved_at >= cast($stop as timestamp))")


def _incidents(where: str) -> Callable[[Window], str]:
    def sql(window: Window) -> str:
        return f"""
            select i.incident_id, i.reported_at, i.severity, i.category, i.use_case, i.status, i.resolved_at,
                   i.people_affected, i.description
            from ({filters.incident_rows(window)}) i
            where {where}
            order by i.reported_at, i.incident_id"""
    return sql


def _reviews(condition: str) -> Callable[[Window], str]:
    def sql(window: Window) -> str:
        return f"""
            select r.review_id, r.reviewed_at, r.use_case, r.outcome, r.error_severity, r.error_type, r.event_id,
                   r.reviewer_id
            from ({filters.review_rows(window)}) r
            where {condition}
            order by r.reviewed_at, r.review_id"""
    return sql


OPENED = filters.in_window("t.opened_at")
OPEN_TICKET = ("t.opened_at < cast($stop as timestamp) "
               "and (t.closed_at is null or t.closed_at >= cast($stop as timestamp))")


def _tickets(where: str) -> Callable[[Window], str]:
    def sql(window: Window) -> str:
        return f"""
            select t.ticket_id, t.opened_at, t.category, t.topic, t.status, t.closed_at, t.user_id
            from ({filters.ticket_rows(window)}) t
            where {where}
            order by t.opened_at, t.ticket_id"""
    return sql


# Why a use is outside the approved scope (scope.in_scope's conditions, the first that fails).
WHY_OUT = f"""case
            when s.id is null then 'no stage was in force that day'
            when not {scope.has_access('u', 'u.day')} then 'the person had no access that day'
            when not (list_contains(s.departments, '*') or list_contains(s.departments, u.department))
                then 'the department is not in stage ' || s.id
            else 'the use case is not approved in stage ' || s.id
        end"""


def _uses(outside: str) -> Callable[[Window], str]:
    """Uses (people's rows only) that `outside` picks, by person, department, use case and reason."""
    def sql(window: Window) -> str:
        return f"""
            with {scope.STAGES_CTE}, {scope.STAGE_DAYS_CTE},
            u as ({filters.usage_rows(window, roster=True, people_only=True)})
            select u.user_id, u.department, u.use_case, {WHY_OUT} as why,
                   cast(sum(u.interactions) as bigint) as interactions, min(u.day) as first_day, max(u.day) as last_day
            from u left join stage_days s on s.day = u.day
            where {outside}
            group by all
            order by interactions desc, u.user_id, u.use_case"""
    return sql


def _idle_seats(window: Window) -> str:
    """The seats idle on the window's end date (metrics.seats.holders_sql), most idle first."""
    return f"""
            select user_id, department, last_active, days_idle
            from ({seats.holders_sql(window)})
            where idle
            order by days_idle desc, user_id"""


OUT_OF_SCOPE = f"not {scope.in_scope('s', scope.has_access('u', 'u.day'), 'u.department', 'u.use_case')}"
WITHOUT_ACCESS = f"not {scope.has_access('u', 'u.day')}"

DRILLS: dict[str, Drill] = {
    "risk.incidents": Drill("Incidents reported in the window", _incidents(REPORTED)),
    "risk.high_severity_incidents": Drill("High and critical incidents reported in the window",
                                          _incidents(f"{REPORTED} and i.severity in {HIGH}")),
    "risk.data_exposure_incidents": Drill("Data exposure and privacy incidents reported in the window",
                                          _incidents(f"{REPORTED} and i.category in {EXPOSURE}")),
    "risk.complaints": Drill("Complaints reported in the window",
                             _incidents(f"{REPORTED} and i.category = 'complaint'")),
    "risk.incident_rate_per_1k": Drill("Incidents reported in the window", _incidents(REPORTED)),
    "risk.open_high_severity": Drill("High and critical incidents still open at the window's end",
                                     _incidents(OPEN_HIGH)),
    "risk.unauthorised_use_share": Drill("Uses by people without access on the day of use", _uses(WITHOUT_ACCESS)),
    "adoption.scope_drift_share": Drill("Uses outside the approved scope, and why", _uses(OUT_OF_SCOPE)),
    "adoption.idle_seats": Drill("Seats with no use in the 30 days up to the window's last day", _idle_seats),
    "cost.idle_seat_cost": Drill("Seats with no use in the 30 days up to the window's last day", _idle_seats),
    "quality.error_rate": Drill("Reviews that corrected or rejected the output", _reviews(f"r.outcome in {ERRORS}")),
    "quality.severe_error_rate": Drill("Reviews that found a major or critical error",
                                       _reviews("r.error_severity in ('major', 'critical')")),
    "quality.rejection_rate": Drill("Reviews that rejected the output", _reviews("r.outcome = 'rejected'")),
    "support.tickets": Drill("Tickets opened in the window", _tickets(OPENED)),
    "support.tickets_per_100_users": Drill("Tickets opened in the window", _tickets(OPENED)),
    "support.confusion_share": Drill("Tickets that show confusion (how to, allowed use, data rules, review)",
                                     _tickets(f"{OPENED} and t.category in {CONFUSION}")),
    "support.open_tickets": Drill("Tickets still open at the window's end", _tickets(OPEN_TICKET)),
}


def rows(con: duckdb.DuckDBPyConnection, ctx: MetricContext, metric_id: str, window: Window) -> pl.DataFrame:
    """The rows behind `metric_id` over `window` (its filters applied). KeyError for a metric without a drill."""
    sql = DRILLS[metric_id].sql(window)
    return con.sql(sql, params=bind(sql, usage_params(ctx, window))).pl()
