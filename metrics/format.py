"""Metric values as text for people: pages, explanations, reports and the command line's table.

A metric's unit decides how its numbers read: a ratio is a share shown as a percentage, except the
ratios that are multiples (value to cost), which read as "1.45×"; currency uses the plan's currency
code; null is "no data". `value_text("quality.error_rate", 0.1234)` -> "12.3%". Every place that
shows a metric as text uses these, so a number reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from metrics.model import MetricValue, Window
from metrics.registry import FAMILIES, FAMILY_QUESTIONS, REGISTRY, MetricDef, by_family

NO_DATA = "no data"
# Ratios that are not shares of a whole: a percentage would mislead.
MULTIPLES: frozenset[str] = frozenset({"cost.value_to_cost_ratio"})

Formatter = Callable[[float, str], str]


def _plain(x: float) -> str:
    """A limit as written by a person: 10, 7.5, 0.25 — no float noise, no needless zeros."""
    return f"{round(x, 6):,.6f}".rstrip("0").rstrip(".")


def _count(x: float, _: str) -> str:
    return f"{round(x):,}" if float(x).is_integer() else f"{x:,.1f}"


# unit -> (format of a measured value, format of a limit). The str argument is the currency.
FORMATS: dict[str, tuple[Formatter, Formatter]] = {
    "share": (lambda x, _: f"{x * 100:.1f}%", lambda x, _: f"{_plain(x * 100)}%"),
    "multiple": (lambda x, _: f"{x:,.2f}×", lambda x, _: f"{_plain(x)}×"),
    "hours": (lambda x, _: f"{x:,.1f} h", lambda x, _: f"{_plain(x)} h"),
    "minutes": (lambda x, _: f"{x:,.1f} min", lambda x, _: f"{_plain(x)} min"),
    "currency": (lambda x, c: f"{c} {x:,.2f}", lambda x, c: f"{c} {_plain(x)}"),
    "count": (_count, lambda x, _: _plain(x)),
    "score": (lambda x, _: f"{x:.2f}", lambda x, _: _plain(x)),
}


def display_unit(metric_id: str) -> str:
    """How a metric's numbers are shown: share, multiple, hours, minutes, currency, count or score."""
    unit = REGISTRY[metric_id].unit
    if unit == "ratio":
        return "multiple" if metric_id in MULTIPLES else "share"
    return unit


def value_text(metric_id: str, value: float | None, currency: str = "EUR") -> str:
    """A measured value, e.g. '12.0%', '3.4 h', 'EUR 1,234.50'; 'no data' for None."""
    if value is None:
        return NO_DATA
    return FORMATS[display_unit(metric_id)][0](value, currency)


def limit_text(metric_id: str, value: float, currency: str = "EUR") -> str:
    """A threshold or warn level, e.g. '10%', '2 h', 'EUR 4,000'."""
    return FORMATS[display_unit(metric_id)][1](value, currency)


def format_value(defn: MetricDef, value: float | None, currency: str = "EUR") -> str:
    """`value` in `defn`'s unit, as value_text spells it."""
    return value_text(defn.id, value, currency)


def format_interval(defn: MetricDef, mv: MetricValue) -> str:
    """"8.0%–17.0%" for a proportion with an interval; "" otherwise."""
    if not defn.interval or mv.low is None or mv.high is None:
        return ""
    return f"{mv.low:.1%}–{mv.high:.1%}"


def window_label(window: Window, day: Callable[[date], str] = date.isoformat) -> str:
    """"2026-03-01 – 2026-03-31, department legal, use case drafting", each day written by `day`."""
    parts = [f"{day(window.start)} – {day(window.end)}"]
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
