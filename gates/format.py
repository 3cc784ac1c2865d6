"""Numbers in words for explanations: a metric's value, a limit, a sample, an interval, per its unit.

A ratio is a share shown as a percentage, except the ratios that are multiples (value to cost),
which read as "1.45×". Currency uses the plan's currency code.
"""

from __future__ import annotations

from collections.abc import Callable

from metrics.model import MetricValue
from metrics.registry import REGISTRY

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
        return "no data"
    return FORMATS[display_unit(metric_id)][0](value, currency)


def limit_text(metric_id: str, value: float, currency: str = "EUR") -> str:
    """A threshold or warn level, e.g. '10%', '2 h', 'EUR 4,000'."""
    return FORMATS[display_unit(metric_id)][1](value, currency)


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
