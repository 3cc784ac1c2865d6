"""The one entry point for numbers: every metric of a window, every month of a window, and
breakdowns for charts.

`compute` is what the gate engine, the pages, the command line and snapshots call; `monthly` gives
the same records for each month of a window (the trend charts). Both ask metrics.periods for the
facts of their periods — the window whole, or its months — and turn each period's facts into
metrics with the families' code (FAMILY_COMPUTE), so each metric has one formula and is shown as
the record it returns, never recomputed elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

import duckdb

from metrics import adoption, cost, quality, risk, seats, support, value
from metrics.coverage import Gap, gaps
from metrics.facts import WindowFacts
from metrics.model import MetricContext, MetricValue, Window
from metrics.periods import Periods, Scans, Training, month_key, months, period_facts
from metrics.query import fetch_column, window_params
from metrics.registry import FAMILIES, METRICS, REGISTRY, Family, Span

__all__ = ["BreakdownRow", "By", "breakdown", "compute", "compute_family", "departments", "family_breakdown",
           "groups", "monthly", "months", "use_cases"]

By = Literal["month", "department", "use_case"]
FamilyCompute = Callable[[MetricContext, Window, WindowFacts], dict[str, MetricValue]]

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


def compute(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
            chosen: Family | str | Iterable[str] | None = None, *,
            training: Training | None = None, scans: Scans | None = None, seats_from: Scans | None = None
            ) -> dict[str, MetricValue]:
    """The chosen metrics (a family, metric ids, or None for all) for `window`, in registry order:
    {metric id: MetricValue}. The families share one aggregate per dataset (one scan of usage).
    `training`, a metrics.periods.Training the caller keeps while the data does not change, saves the
    scan of the training table when it asks about many windows; `scans` (metrics.periods.kept_scans or
    shared_scans) serve the window when it is a run of their whole months; `seats_from`, kept shared scans of the
    data's months, the seats of any window inside them (metrics.periods.scans_for)."""
    return _measure(con, ctx, Periods(window, by_month=False), chosen, scans, training, seats_from)[0][1]


def compute_family(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
                   family: Family) -> dict[str, MetricValue]:
    """The metrics of one family for `window`, in registry order."""
    return compute(con, ctx, window, family)


def _measure(con: duckdb.DuckDBPyConnection, ctx: MetricContext, periods: Periods,
             chosen: Family | str | Iterable[str] | None, scans: Scans | None, training: Training | None,
             seats_from: Scans | None = None) -> list[tuple[Window, dict[str, MetricValue]]]:
    """(period's window, the chosen metrics of it) for every period, in order."""
    ids = metric_ids(chosen)
    families = [f for f in FAMILIES if any(REGISTRY[i].family == f for i in ids)]
    facts = period_facts(con, ctx, periods, scans, training, seats_from)
    missing = _gaps(con, [w for w, _ in facts], ids)
    out = []
    for (w, f), uncovered in zip(facts, missing, strict=True):
        found: dict[str, MetricValue] = {}
        for family in families:
            found.update(FAMILY_COMPUTE[family](ctx, w, f))
        nobody = f.usage.interactions > 0 and f.usage.people_interactions == 0
        out.append((w, {i: _covered(found[i], uncovered[REGISTRY[i].span], nobody) for i in ids}))
    return out


def _gaps(con: duckdb.DuckDBPyConnection, windows: list[Window], ids: list[str]) -> list[dict[Span, dict[str, Gap]]]:
    """For each window, in order, and each span the metrics `ids` look at (the window, or days before its end
    date: metrics.seats.span): {dataset: its Gap} for the datasets they need that do not cover those days. One
    query for them all."""
    kinds = list(dict.fromkeys(REGISTRY[i].span for i in ids))
    found = gaps(con, [seats.span(k, w) for w in windows for k in kinds], {d for i in ids for d in REGISTRY[i].needs})
    return [dict(zip(kinds, found[j * len(kinds):(j + 1) * len(kinds)], strict=True)) for j in range(len(windows))]


NO_PEOPLE = "this export has no per-user rows"


def _covered(mv: MetricValue, uncovered: dict[str, Gap], nobody: bool) -> MetricValue:
    """`mv`, or null with the reasons when a dataset its metric needs does not cover the days it looks at (its
    window, or its span before the end date) — a count of rows that were never loaded is not 0 (DESIGN.md §3
    "What a metric needs", §12) — or when it counts people and
    the window's usage names nobody (an organisation's totals: §3 "Per-user rows")."""
    defn = REGISTRY[mv.id]
    reasons = [uncovered[d].reason for d in defn.needs if d in uncovered]
    if nobody and defn.per_user:
        reasons.append(NO_PEOPLE)
    return MetricValue(mv.id, None, missing="; ".join(reasons), partial=mv.value) if reasons else mv


def metric_ids(chosen: Family | str | Iterable[str] | None) -> list[str]:
    """The metric ids `chosen` names, in registry order: a family, one metric id, several ids, or
    None for all. KeyError names an unknown family or metric."""
    if chosen is None:
        return [m.id for m in METRICS]
    if isinstance(chosen, str):
        if chosen in FAMILIES:
            return [m.id for m in METRICS if m.family == chosen]
        if chosen not in REGISTRY:
            raise KeyError(f"unknown family or metric {chosen!r}; families are {', '.join(FAMILIES)}")
        return [chosen]
    wanted = set(chosen)
    unknown = sorted(wanted - set(REGISTRY))
    if unknown:
        raise KeyError(f"unknown metric {unknown[0]!r}")
    return [m.id for m in METRICS if m.id in wanted]


def monthly(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
            chosen: Family | str | Iterable[str] | None = None, *,
            scans: Scans | None = None, training: Training | None = None) -> dict[str, dict[str, MetricValue]]:
    """The chosen metrics (a family, metric ids, or None for all) for every calendar month `window`
    touches: {'YYYY-MM': {metric id: MetricValue}}, months in order, metrics in registry order.

    Each month equals `compute` on that month's window — the month cut to `window` (March 10 –
    April 9 gives March 10–31 and April 1–9), with its filters. `scans`, a metrics.periods.shared_scans
    of the same window that the caller keeps while the data does not change, holds the scans that do
    not depend on the filters, so another department or use case of the same window is quick; `training` as
    for `compute`."""
    return {month_key(w): found
            for w, found in _measure(con, ctx, Periods(window, by_month=True), chosen, scans, training)}


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
        return [(month_key(w), w) for w in months(window)]
    if by == "department":
        return [(d, replace(window, department=d)) for d in departments(con, window)]
    if by == "use_case":
        return [(u, replace(window, use_case=u)) for u in use_cases(con, ctx, window)]
    raise ValueError(f"unknown breakdown {by!r}; use month, department or use_case")


def family_breakdown(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window, family: Family,
                     by: By) -> list[BreakdownRow]:
    """Every metric of `family` for every group of `by`: grain group × metric, groups in chart
    order and metrics in registry order. Each group is computed exactly as `compute` would on
    that group's window, so a bar always equals the number shown for that filter (months all
    together, through `monthly`)."""
    if by == "month":
        found = monthly(con, ctx, window, family)
        return [BreakdownRow(metric_id, by, key, w, mv)
                for key, w in groups(con, ctx, window, by) for metric_id, mv in found[key].items()]
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
