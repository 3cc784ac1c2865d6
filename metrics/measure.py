"""Building MetricValue records with the null rules of DESIGN.md §3 in one place.

An empty denominator gives null ("no data"), never 0 and never an error; a count or a sum of
no rows is 0. Proportions carry the 95% Wilson interval. No value is ever NaN or infinite.
"""

from __future__ import annotations

import math

from metrics.model import MetricValue, wilson


def amount(metric_id: str, value: float | None) -> MetricValue:
    """A count, sum or difference: no n."""
    return MetricValue(metric_id, value)


def proportion(metric_id: str, successes: int, n: int) -> MetricValue:
    """successes / n with its Wilson interval; null when n is 0."""
    if n <= 0:
        return MetricValue(metric_id, None, 0)
    low, high = wilson(successes, n)
    return MetricValue(metric_id, successes / n, n, low, high)


def quotient(metric_id: str, numerator: float | None, denominator: float | None, n: int | None = None,
             scale: float = 1.0) -> MetricValue:
    """numerator / denominator × scale; null when either is null or the denominator is 0, or so close
    to 0 that the quotient is beyond every float (1e-306 minutes of labour is no labour to divide by).
    `n` is the sample size to report (for metrics that have one)."""
    if numerator is None or not denominator:
        return MetricValue(metric_id, None, n)
    value = numerator / denominator * scale
    return MetricValue(metric_id, value if math.isfinite(value) else None, n)
