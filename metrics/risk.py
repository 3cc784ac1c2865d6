"""Risk: were incidents rare and handled, and was use kept to people with access? (DESIGN.md §3)

Incidents are placed by `reported_at` and filtered by use case only (they have no department).
The incident rate and the use-without-access share read the window's usage. Returns
{metric id: MetricValue}.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from metrics import filters
from metrics.facts import Facts
from metrics.model import MetricContext, MetricValue, Window
from metrics.query import fetch_one, window_params
from metrics.values import amount, proportion, quotient

HIGH = "('high', 'critical')"


@dataclass(frozen=True)
class IncidentFacts:
    """Incident counts for the window; `open_high` looks at every incident reported by the end."""

    incidents: int
    high: int
    exposure: int
    complaints: int
    open_high: int


def incident_facts(con: duckdb.DuckDBPyConnection, window: Window) -> IncidentFacts:
    """One pass over incidents: grain incident → one row of counts."""
    reported = filters.in_window("reported_at")
    sql = f"""
        with incident_rows as ({filters.incident_rows(window)})
        select count(*) filter (where {reported}) as incidents,
               count(*) filter (where {reported} and severity in {HIGH}) as high,
               count(*) filter (where {reported} and category in ('data_exposure', 'privacy')) as exposure,
               count(*) filter (where {reported} and category = 'complaint') as complaints,
               count(*) filter (where severity in {HIGH} and reported_at < cast($stop as timestamp)
                                and (resolved_at is null or resolved_at >= cast($stop as timestamp))) as open_high
        from incident_rows"""
    return IncidentFacts(**fetch_one(con, sql, window_params(window)))


def compute(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
            facts: Facts | None = None) -> dict[str, MetricValue]:
    """Every risk metric for `window`: incident counts, the rate per 1,000 interactions, open
    high-severity incidents at the end, and the share of interactions made without access."""
    f = facts or Facts(con, ctx, window)
    i, u = incident_facts(con, window), f.usage
    values = [
        amount("risk.incidents", i.incidents),
        amount("risk.high_severity_incidents", i.high),
        amount("risk.data_exposure_incidents", i.exposure),
        amount("risk.complaints", i.complaints),
        quotient("risk.incident_rate_per_1k", i.incidents, u.interactions, n=u.interactions, scale=1000),
        amount("risk.open_high_severity", i.open_high),
        proportion("risk.unauthorised_use_share", u.without_access, u.interactions),
    ]
    return {v.id: v for v in values}
