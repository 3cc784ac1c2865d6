"""Rollgate's metrics: tables -> numbers (DESIGN.md §3).

    from metrics import compute, monthly, breakdown
    values = compute(con, ctx, window)            # {metric id: MetricValue}, registry order
    trend = monthly(con, ctx, window, "quality")  # {'YYYY-MM': {metric id: MetricValue}}
    rows = breakdown(con, ctx, window, "quality.error_rate", "month")

The registry (metrics.registry) declares every metric; metrics.engine turns a window or its months
into metrics through the one engine over periods (metrics.periods, whose facts the families —
metrics.quality, value, cost, risk, adoption, support — turn into numbers); metrics.format spells
them for people.
"""

from __future__ import annotations

from metrics.engine import BreakdownRow, By, breakdown, compute, compute_family, family_breakdown, monthly
from metrics.model import MetricContext, MetricValue, StageScope, Window, wilson
from metrics.registry import FAMILIES, METRICS, REGISTRY, MetricDef

__all__ = [
    "FAMILIES",
    "METRICS",
    "REGISTRY",
    "BreakdownRow",
    "By",
    "MetricContext",
    "MetricDef",
    "MetricValue",
    "StageScope",
    "Window",
    "breakdown",
    "compute",
    "compute_family",
    "family_breakdown",
    "monthly",
    "wilson",
]
