"""Text for people, in one module: metric values, limits and rules, a measurement's evidence (its
sample and interval), months, days and windows, changes, the command line's table, and escaping for
Streamlit markdown. Pages, explanations, reports and the command line all spell numbers here, so a
number reads the same everywhere.

A metric's unit decides how its numbers read: a ratio is a share shown as a percentage, except the
ratios that are multiples (value to cost), which read as "1.45×"; currency uses the plan's currency
code; null is "no data". `value_text("quality.error_rate", 0.1234)` -> "12.3%".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from core.words import sign
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
            detail = f"({mv.missing})" if mv.missing else format_interval(defn, mv)
            rows.append((f"  {defn.label}", format_value(defn, mv.value, currency), n, detail))
    width = max(len(r[0]) for r in rows if r[1])
    value_width = max(len(r[1]) for r in rows)
    n_width = max(len(r[2]) for r in rows)
    for label, text, n, interval in rows:
        if not text:
            lines.append(label)
            continue
        lines.append(f"{label:<{width}}  {text:>{value_width}}  {n:<{n_width}}  {interval}".rstrip())
    return "\n".join(lines)


# -- a measurement's evidence -------------------------------------------------------------------

def _singular(noun: str) -> str:
    words = noun.split(" ")
    for i, w in enumerate(words):
        if w.endswith("s"):
            words[i] = w[:-1]
            break
    return " ".join(words)


def count_text(mv: MetricValue) -> str:
    """The sample size in words, '258 reviews', '1 active user'; '' when the metric has no n."""
    noun = REGISTRY[mv.id].n
    if noun is None or mv.n is None:
        return ""
    return f"{mv.n:,} {noun if mv.n != 1 else _singular(noun)}"


def sample_text(mv: MetricValue) -> str:
    """'31 of 258 reviews' for a proportion, '12 active users' for another metric with an n, else ''."""
    count = count_text(mv)
    if count and REGISTRY[mv.id].interval and mv.value is not None and mv.n is not None:
        return f"{round(mv.value * mv.n):,} of {count}"
    return count


def interval_text(mv: MetricValue) -> str:
    """'95% CI 8.6–16.6%' when the value carries a Wilson interval, else ''."""
    if mv.low is None or mv.high is None:
        return ""
    return f"95% CI {mv.low * 100:.1f}–{mv.high * 100:.1f}%"


def measured(mv: MetricValue, currency: str = "EUR") -> str:
    """The label, value and its evidence: 'Error rate 12.0% (31 of 258 reviews, 95% CI 8.6–16.6%)'."""
    label = REGISTRY[mv.id].label
    evidence = ", ".join(t for t in (sample_text(mv), interval_text(mv)) if t)
    text = f"{label} {value_text(mv.id, mv.value, currency)}"
    return f"{text} ({evidence})" if evidence else text


# -- days, months, windows, rules, changes; markdown -------------------------------------------------

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Everything CommonMark lets a backslash escape, plus what Streamlit's markdown adds
# (':' for icons, colours and emoji shortcodes; '$' for LaTeX; '~' for strikethrough).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|:$~&=\"'])")


def escape_md(text: object) -> str:
    """`text` as literal characters inside st.markdown / captions / labels (no formatting, no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def month_label(key: str) -> str:
    """'Sep 2026' for '2026-09'."""
    return f"{MONTH_NAMES[int(key[5:7]) - 1]} {key[:4]}"


def day_label(day: date) -> str:
    """'5 Jan 2026'."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def months_label(first: str, last: str) -> str:
    """'Sep 2026' for one month, 'Jun – Sep 2026' or 'Nov 2025 – Feb 2026' for a range."""
    if first == last:
        return month_label(first)
    if first[:4] == last[:4]:
        return f"{MONTH_NAMES[int(first[5:7]) - 1]} – {month_label(last)}"
    return f"{month_label(first)} – {month_label(last)}"


def window_text(window: Window) -> str:
    """'1 Sep 2026 – 30 Sep 2026, department legal, use case drafting'."""
    return window_label(window, day_label)


def rule_text(metric_id: str, op: str, limit: float | None, currency: str) -> str:
    """'≤ 10%' — a gate's limit with its direction; '' when there is no limit."""
    if limit is None:
        return ""
    return f"{sign(op)} {limit_text(metric_id, limit, currency)}"


def delta_text(metric_id: str, current: float | None, previous: float | None, currency: str) -> str | None:
    """The change from `previous` to `current` with its sign first ('+1.2 pp', '-3.0 h', '+EUR 120.00'),
    as st.metric reads a delta; None when either side has no data. Shares change in percentage points."""
    if current is None or previous is None:
        return None
    diff = current - previous
    before = "-" if diff < 0 else "+"
    if display_unit(metric_id) == "share":
        return f"{before}{abs(diff) * 100:.1f} pp"
    return f"{before}{value_text(metric_id, abs(diff), currency)}"


NO_CHANGE = "no change"


def change_text(metric_id: str, current: float | None, previous: float | None, currency: str) -> str | None:
    """delta_text, or NO_CHANGE when the two values read the same (a change too small to show is none)."""
    if current is None or previous is None:
        return None
    if value_text(metric_id, current, currency) == value_text(metric_id, previous, currency):
        return NO_CHANGE
    return delta_text(metric_id, current, previous, currency)
