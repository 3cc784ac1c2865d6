"""Rollgate's metrics: tables -> numbers (DESIGN.md §3).

    from metrics import compute, breakdown
    values = compute(con, ctx, window)            # {metric id: MetricValue}, registry order
    trend = monthly(con, ctx, window, "quality")  # {'YYYY-MM': {metric id: MetricValue}}
    rows = breakdown(con, ctx, window, "quality.error_rate", "month")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metrics.engine import BreakdownRow, By, breakdown, compute, compute_family, family_breakdown, monthly
    from metrics.model import MetricContext, MetricValue, StageScope, Window, wilson
    from metrics.registry import FAMILIES, METRICS, REGISTRY, MetricDef

# Imported on first use, so that a command that only needs a light submodule (metrics.window, to
# declare its options) does not load the engine and its dependencies.
_HOMES = {
    "metrics.engine": ("BreakdownRow", "By", "breakdown", "compute", "compute_family", "family_breakdown", "monthly"),
    "metrics.model": ("MetricContext", "MetricValue", "StageScope", "Window", "wilson"),
    "metrics.registry": ("FAMILIES", "METRICS", "REGISTRY", "MetricDef"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'metrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
