"""Metric values as text for people: the command line's table, page captions, reports.

`format_value(defn, 0.1234)` -> "12.3%"; null is "no data". Every place that shows a metric as
text uses these, so a number reads the same everywhere.
"""

from __future__ import annotations

from metrics.model import MetricValue, Window
from metrics.registry import FAMILIES, FAMILY_QUESTIONS, MetricDef, by_family

NO_DATA = "no data"
# A ratio of two amounts reads as a multiple ("1.35×"); every other ratio is a share ("12.3%").
AS_MULTIPLE = frozenset({"cost.value_to_cost_ratio"})


def format_value(defn: MetricDef, value: float | None, currency: str = "EUR") -> str:
    """`value` in `defn`'s unit: ratio as a percentage (or a multiple), hours "h", minutes "min", money with the
    currency, counts whole where they are whole, score "of 5"."""
    if value is None:
        return NO_DATA
    if defn.unit == "ratio":
        return f"{value:,.2f}×" if defn.id in AS_MULTIPLE else f"{value:.1%}"
    if defn.unit == "hours":
        return f"{value:,.1f} h"
    if defn.unit == "minutes":
        return f"{value:,.1f} min"
    if defn.unit == "currency":
        return f"{value:,.2f} {currency}"
    if defn.unit == "score":
        return f"{value:.2f} of 5"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def format_interval(defn: MetricDef, mv: MetricValue) -> str:
    """"8.0%–17.0%" for a proportion with an interval; "" otherwise."""
    if not defn.interval or mv.low is None or mv.high is None:
        return ""
    return f"{mv.low:.1%}–{mv.high:.1%}"


def window_label(window: Window) -> str:
    """"2026-03-01 – 2026-03-31, department legal, use case drafting"."""
    parts = [f"{window.start} – {window.end}"]
    if window.department:
        parts.append(f"department {window.department}")
    if window.use_case:
        parts.append(f"use case {window.use_case}")
    return ", ".join(parts)


def metrics_table(values: dict[str, MetricValue], window: Window, currency: str = "EUR") -> str:
    """A plain-text table of every metric, grouped by family: label, value, n, 95% interval."""
    lines = [f"Metrics for {window_label(window)}"]
    rows: list[tuple[str, str, str, str]] = []
    for family in FAMILIES:
        rows.append(("", "", "", ""))
        rows.append((f"{family.upper()} — {FAMILY_QUESTIONS[family]}", "", "", ""))
        for defn in by_family(family):
            mv = values[defn.id]
            n = "" if mv.n is None else f"n={mv.n:,}"
            rows.append((f"  {defn.label}", format_value(defn, mv.value, currency), n, format_interval(defn, mv)))
    width = max(len(r[0]) for r in rows if r[1])
    value_width = max(len(r[1]) for r in rows)
    n_width = max(len(r[2]) for r in rows)
    for label, text, n, interval in rows:
        if not text:
            lines.append(label)
            continue
        lines.append(f"{label:<{width}}  {text:>{value_width}}  {n:<{n_width}}  {interval}".rstrip())
    return "\n".join(lines)
