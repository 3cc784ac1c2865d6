"""Support: did support requests reveal confusion, and are users satisfied? (DESIGN.md §3)

Tickets are filtered by the user's roster department and never by use case; feedback by the
user's roster department and its own use case. Returns {metric id: MetricValue}.
"""

from __future__ import annotations

from metrics.facts import WindowFacts
from metrics.measure import amount, proportion, quotient
from metrics.model import MetricContext, MetricValue, Window


def compute(ctx: MetricContext, window: Window, f: WindowFacts) -> dict[str, MetricValue]:
    """Every support metric for `window`. Resolution time is over tickets closed in the window
    (hours; even count: mean of the two middle values); open tickets are counted at the end;
    satisfaction is the mean of the window's feedback (n = responses)."""
    t, users, fb = f.tickets, f.usage.active_users, f.feedback
    values = [
        amount("support.tickets", t.opened),
        quotient("support.tickets_per_100_users", t.opened, users, n=users, scale=100),
        proportion("support.confusion_share", t.confusion, t.opened),
        MetricValue("support.median_resolution_hours", t.median_hours if t.closed else None, t.closed),
        amount("support.open_tickets", t.open_at_end),
        amount("support.repeated_topics", t.repeated_topics),
        MetricValue("support.satisfaction", fb.mean, fb.responses),
    ]
    return {v.id: v for v in values}
