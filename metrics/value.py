"""Value: does the tool save more time than reviewing and fixing its outputs costs? (DESIGN.md §3)

Hours use 60 minutes. Gross hours come from usage (uses whose output was accepted, edited or
has no recorded action, each interaction saving its row's minutes_saved or the plan's default
for the use case); review and rework hours from the window's reviews. Returns {metric id:
MetricValue}.
"""

from __future__ import annotations

from metrics.facts import WindowFacts
from metrics.measure import amount, quotient
from metrics.model import MetricContext, MetricValue, Window


def compute(ctx: MetricContext, window: Window, f: WindowFacts) -> dict[str, MetricValue]:
    """Every value metric for `window`: hours, and net value in the plan's currency."""
    u, r = f.usage, f.reviews
    gross = u.saved_minutes / 60
    review = r.review_minutes / 60
    rework = r.rework_minutes / 60
    net = gross - review - rework
    values = [
        amount("value.gross_hours_saved", gross),
        amount("value.review_hours", review),
        amount("value.rework_hours", rework),
        amount("value.net_hours_saved", net),
        # per person: the hours saved by the uses that name people (an organisation's totals name nobody)
        quotient("value.net_hours_per_active_user", u.people_saved_minutes / 60 - review - rework, u.active_users,
                 n=u.active_users),
        amount("value.net_value", net * ctx.hourly_rate),
    ]
    return {v.id: v for v in values}
