"""Risk: were incidents rare and handled, and was use kept to people with access? (DESIGN.md §3)

Incidents are placed by `reported_at` and filtered by use case only (they have no department);
their counts come from metrics.facts (IncidentFacts). The incident rate and the use-without-access
share read the window's usage. Returns {metric id: MetricValue}.
"""

from __future__ import annotations

from metrics.facts import WindowFacts
from metrics.measure import amount, proportion, quotient
from metrics.model import MetricContext, MetricValue, Window


def compute(ctx: MetricContext, window: Window, f: WindowFacts) -> dict[str, MetricValue]:
    """Every risk metric for `window`: incident counts, the rate per 1,000 interactions, open
    high-severity incidents at the end, and the share of interactions made without access."""
    i, u = f.incidents, f.usage
    values = [
        amount("risk.incidents", i.incidents),
        amount("risk.high_severity_incidents", i.high),
        amount("risk.data_exposure_incidents", i.exposure),
        amount("risk.complaints", i.complaints),
        quotient("risk.incident_rate_per_1k", i.incidents, u.interactions, n=u.interactions, scale=1000),
        amount("risk.open_high_severity", i.open_high),
        proportion("risk.unauthorised_use_share", u.without_access, u.people_interactions),
    ]
    return {v.id: v for v in values}
