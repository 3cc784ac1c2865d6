"""The one entry point for numbers: every metric of a window, and breakdowns for charts.

`compute` is what the gate engine, the pages, the command line and snapshots call; each metric
is computed once here and shown as the record it returns, never recomputed elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import duckdb

from metrics import adoption, cost, quality, risk, support, value
from metrics.facts import Facts
from metrics.model import MetricContext, MetricValue, Window
from metrics.query import fetch_column, window_params
from metrics.registry import FAMILIES, METRICS, REGISTRY, Family

By = Literal["month", "department", "use_case"]
FamilyCompute = Callable[[duckdb.DuckDBPyConnection, MetricContext, Window, Facts | None], dict[str, MetricValue]]

FAMILY_COMPUTE: dict[Family, FamilyCompute] = {
    "quality": quality.compute,
    "value": value.compute,
    "cost": cost.compute,
    "risk": risk.compute,
    "adoption": adoption.compute,
    "support": support.compute,
}


@dataclass(frozen=True)
class BreakdownRow:
    """One bar or point of a chart: a metric on one group of a window.

    `key` is the group ("2026-03", a department, a use case); `window` is exactly the window
    the value was computed on (for a month, the part of it inside the requested window, with
    the same filters; for a department or use case, the whole window with that filter)."""

    metric_id: str
    by: By
    key: str
    window: Window
    value: MetricValue


def compute(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window) -> dict[str, MetricValue]:
    """Every metric of the registry for `window`, in registry order: {metric id: MetricValue}.

    The six families share one aggregate per dataset (one scan of usage for the window)."""
    facts = Facts(con, ctx, window)
    found: dict[str, MetricValue] = {}
    for family in FAMILIES:
        found.update(FAMILY_COMPUTE[family](con, ctx, window, facts))
    return {m.id: found[m.id] for m in METRICS}


def compute_family(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
                   family: Family) -> dict[str, MetricValue]:
    """The metrics of one family for `window`, in registry order."""
    return FAMILY_COMPUTE[family](con, ctx, window, None)


def months(window: Window) -> list[Window]:
    """The window cut at month boundaries: one window per calendar month it touches, keeping its
    filters (March 10 – April 9 gives March 10–31 and April 1–9)."""
    out, start = [], window.start
    while start <= window.end:
        next_month = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(window.end, next_month - timedelta(days=1))
        out.append(replace(window, start=start, end=end))
        start = next_month
    return out


def departments(con: duckdb.DuckDBPyConnection, window: Window) -> list[str]:
    """The departments to break `window` down by: every roster department (only the filtered one
    when the window has a department filter), sorted."""
    if window.department is not None:
        return [window.department]
    return fetch_column(con, "select distinct department from roster where department is not null order by 1", {})


def use_cases(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window) -> list[str]:
    """The use cases to break `window` down by: those the plan declares or approves and those seen
    in the window's usage, reviews, incidents or feedback (only the filtered one when the window
    has a use-case filter), sorted."""
    if window.use_case is not None:
        return [window.use_case]
    sql = """
        select use_case from usage
        where occurred_at >= cast($start as timestamp) and occurred_at < cast($stop as timestamp)
        union select use_case from reviews
        where reviewed_at >= cast($start as timestamp) and reviewed_at < cast($stop as timestamp)
        union select use_case from incidents
        where reported_at >= cast($start as timestamp) and reported_at < cast($stop as timestamp)
        union select use_case from feedback
        where submitted_at >= cast($start as timestamp) and submitted_at < cast($stop as timestamp)"""
    seen = {u for u in fetch_column(con, sql, window_params(window)) if u}
    planned = set(ctx.default_minutes) | {u for s in ctx.stages for u in s.approved_use_cases}
    return sorted(seen | planned)


def groups(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window, by: By) -> list[tuple[str, Window]]:
    """(key, window) for every group of a breakdown, in chart order."""
    if by == "month":
        return [(f"{w.start:%Y-%m}", w) for w in months(window)]
    if by == "department":
        return [(d, replace(window, department=d)) for d in departments(con, window)]
    if by == "use_case":
        return [(u, replace(window, use_case=u)) for u in use_cases(con, ctx, window)]
    raise ValueError(f"unknown breakdown {by!r}; use month, department or use_case")


def family_breakdown(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window, family: Family,
                     by: By) -> list[BreakdownRow]:
    """Every metric of `family` for every group of `by`: grain group × metric, groups in chart
    order and metrics in registry order. Each group is computed exactly as `compute` would on
    that group's window, so a bar always equals the number shown for that filter."""
    rows = []
    for key, w in groups(con, ctx, window, by):
        for metric_id, mv in compute_family(con, ctx, w, family).items():
            rows.append(BreakdownRow(metric_id, by, key, w, mv))
    return rows


def breakdown(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window, metric_id: str,
              by: By) -> list[BreakdownRow]:
    """One metric for every group of `by` (month, department or use case), in chart order.
    KeyError names an unknown metric id."""
    family = REGISTRY[metric_id].family
    return [r for r in family_breakdown(con, ctx, window, family, by) if r.metric_id == metric_id]
