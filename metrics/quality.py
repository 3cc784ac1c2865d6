"""Quality: were outputs accurate enough after human review? (DESIGN.md §3)

Reads the window's reviews (department filter through the usage row named by `event_id`) and,
for the acceptance rate, its usage. Returns {metric id: MetricValue} for the family.
"""

from __future__ import annotations

from metrics.facts import WindowFacts
from metrics.measure import amount, proportion, quotient
from metrics.model import MetricContext, MetricValue, Window


def compute(ctx: MetricContext, window: Window, f: WindowFacts) -> dict[str, MetricValue]:
    """Every quality metric for `window`. Rates are shares of reviews (n = reviews) except the
    acceptance rate (n = interactions with a recorded output_action)."""
    r, u = f.reviews, f.usage
    values = [
        amount("quality.reviewed_outputs", r.reviews),
        proportion("quality.error_rate", r.errors, r.reviews),
        proportion("quality.severe_error_rate", r.severe, r.reviews),
        proportion("quality.rejection_rate", r.rejected, r.reviews),
        quotient("quality.rework_minutes_per_review", r.rework_minutes, r.reviews, n=r.reviews),
        proportion("quality.acceptance_rate", u.kept, u.with_action),
    ]
    return {v.id: v for v in values}
