"""Support: did support requests reveal confusion, and are users satisfied? (DESIGN.md §3)

Tickets are filtered by the user's roster department and never by use case; feedback by the
user's roster department and its own use case. Returns {metric id: MetricValue}.
"""

from __future__ import annotations

import duckdb

from metrics import filters
from metrics.facts import Facts
from metrics.model import MetricContext, MetricValue, Window
from metrics.query import fetch_one, window_params
from metrics.values import amount, proportion, quotient


def satisfaction(con: duckdb.DuckDBPyConnection, window: Window) -> MetricValue:
    """Mean satisfaction (1-5) of the window's feedback; n = responses; null when none."""
    sql = f"""
        with feedback_rows as ({filters.feedback_rows(window)})
        select count(*) as responses, avg(satisfaction) as mean from feedback_rows"""
    row = fetch_one(con, sql, window_params(window))
    return MetricValue("support.satisfaction", row["mean"], row["responses"])


def compute(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
            facts: Facts | None = None) -> dict[str, MetricValue]:
    """Every support metric for `window`. Resolution time is over tickets closed in the window
    (hours; even count: mean of the two middle values); open tickets are counted at the end."""
    f = facts or Facts(con, ctx, window)
    t, users = f.tickets, f.usage.active_users
    values = [
        amount("support.tickets", t.opened),
        quotient("support.tickets_per_100_users", t.opened, users, n=users, scale=100),
        proportion("support.confusion_share", t.confusion, t.opened),
        MetricValue("support.median_resolution_hours", t.median_hours if t.closed else None, t.closed),
        amount("support.open_tickets", t.open_at_end),
        amount("support.repeated_topics", t.repeated_topics),
        satisfaction(con, window),
    ]
    return {v.id: v for v in values}
