"""A metric's evidence in words for explanations: its sample, its interval, and the whole measurement.

Values and limits are spelled by metrics.format, in the same words as the command line's table; they
are passed on from here so that gates, pages and reports take every word of a measurement from one module.
"""

from __future__ import annotations

from metrics.format import display_unit as display_unit
from metrics.format import limit_text as limit_text
from metrics.format import value_text as value_text
from metrics.model import MetricValue
from metrics.registry import REGISTRY


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
