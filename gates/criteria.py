"""Judging one gate of a stage against its metric (DESIGN.md §4): pass, warn, fail or insufficient.

The rules are tried in order and the first that holds gives the status and the sentence that
explains it. A value exactly at the threshold (or the warn level) is on the passing side; values
that differ only by floating-point noise count as exactly at it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from core.words import Status
from gates.plan import Gate, OnFail, Op
from metrics import sequential
from metrics.format import count_text, limit_text, measured, value_text
from metrics.model import Z95, MetricValue
from metrics.registry import REGISTRY, Family

OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}
# The end of a Wilson interval that could still cross the threshold.
INTERVAL_END: dict[str, str] = {"<=": "high", ">=": "low"}
# Words for each operator, for sentences.
WORDS: dict[str, dict[str, str]] = {
    "<=": {"bound": "limit", "within": "is within", "beyond": "is above", "side": "above", "reach": "up to"},
    ">=": {"bound": "minimum", "within": "meets", "beyond": "is below", "side": "below", "reach": "down to"},
}


def holds(op: Op, value: float, limit: float) -> bool:
    """`value op limit`, with a value equal to the limit up to float noise counting as equal."""
    return OPS[op](value, limit) or math.isclose(value, limit, rel_tol=1e-9, abs_tol=1e-12)


class CriterionResult(BaseModel):
    """One gate judged on one window: the evidence, the limits, the status and why."""

    model_config = ConfigDict(frozen=True)

    metric: str
    status: Status
    value: float | None
    n: int | None
    low: float | None
    high: float | None
    threshold: float
    warn: float | None
    min_sample: int | None
    on_fail: OnFail
    explanation: str
    op: Op
    label: str
    family: Family
    rule: str  # which rule decided the status (see RULES)
    # How many more observations (the metric's n) would settle it if the observed rate held: 0 when the
    # evidence already does; None for a metric without an interval, or a rate not on the passing side.
    evidence_needed: int | None = None
    basis: str | None = None  # what the value is, when not the period whole: "mean of Aug and Sep 2026"
    missing: str | None = None  # why there is no value, when an export does not cover the period

    def as_json(self) -> dict[str, Any]:
        """The criterion as DESIGN.md §6 prints it (its keys first), plus label, family and op."""
        keys = ("metric", "status", "value", "n", "low", "high", "threshold", "warn", "min_sample", "on_fail",
                "explanation", "evidence_needed", "basis", "missing", "label", "family", "op")
        return {k: getattr(self, k) for k in keys}


def _interval_end(gate: Gate, mv: MetricValue) -> float | None:
    return getattr(mv, INTERVAL_END[gate.op]) if REGISTRY[gate.metric].interval else None


def _small_sample(gate: Gate, mv: MetricValue) -> bool:
    return gate.min_sample is not None and mv.n is not None and mv.n < gate.min_sample


def _past_warn(gate: Gate, mv: MetricValue) -> bool:
    return gate.warn is not None and not holds(gate.op, _v(mv), gate.warn)


def _interval_crosses(gate: Gate, mv: MetricValue) -> bool:
    end = _interval_end(gate, mv)
    return end is not None and not holds(gate.op, end, gate.threshold)


def _v(mv: MetricValue) -> float:
    assert mv.value is not None  # the no-data rule comes first
    return mv.value


# (status, rule, test) — tried in order, the first test that holds decides.
RULES: tuple[tuple[Status, str, Callable[[Gate, MetricValue], bool]], ...] = (
    ("insufficient", "no_data", lambda g, mv: mv.value is None),
    ("insufficient", "small_sample", _small_sample),
    ("fail", "beyond_threshold", lambda g, mv: not holds(g.op, _v(mv), g.threshold)),
    ("warn", "beyond_warn", _past_warn),
    ("warn", "interval_crosses", _interval_crosses),
    ("pass", "within", lambda g, mv: True),
)

SENTENCES: dict[str, str] = {
    "no_data": "{label}: no data in this window, so this gate cannot be judged yet.",
    "not_covered": "{label}: {missing}, so this gate cannot be judged yet.",
    "small_sample": "{subject}: only {count}, fewer than the {min_sample} this gate needs to judge it.",
    "beyond_threshold": "{subject} {beyond} the {threshold} {bound}.",
    "beyond_warn": "{subject} {within} the {threshold} {bound} but is {side} the {warn} warn level.",
    "interval_crosses": "{subject} {within} the {threshold} {bound}, but its {interval} reaches {reach} "
                        "{interval_end}, so the pass is not yet convincing.",
    "within": "{subject} {within} the {threshold} {bound}.",
}


Method = Literal["fixed", "sequential"]
# How each evidence method's interval is named in an explanation.
INTERVAL_WORDS: dict[str, str] = {"fixed": "95% interval",
                                  "sequential": "95% confidence sequence (valid however often it is looked at)"}

# Which evidence method judged a review (DESIGN.md §4 "Evidence method"), for the Gate review and the report.
METHOD_SENTENCES: dict[str, str] = {
    "fixed": "Intervals are 95% Wilson intervals, right for one look at the evidence (the plan's evidence method: "
             "fixed).",
    "sequential": "Intervals are 95% confidence sequences (the plan's evidence method: sequential): they stay "
                  "right however often the gate is looked at, so a monthly look at a growing sample passes by chance "
                  "no more than 5% of the time — at the price of wider intervals and more evidence needed.",
}


def with_method(gate: Gate, mv: MetricValue, method: Method) -> MetricValue:
    """`mv` with the interval of the evidence method: the Wilson interval it has, or, for the sequential
    method, the confidence sequence of the same successes in n (metrics.sequential)."""
    if method != "sequential" or not REGISTRY[gate.metric].interval or mv.value is None or not mv.n:
        return mv
    low, high = sequential.confidence_sequence(mv.value * mv.n, mv.n)
    return replace(mv, low=low, high=high)


def evidence_needed(gate: Gate, mv: MetricValue, z: float = Z95, method: Method = "fixed") -> int | None:
    """DESIGN.md §4 "Evidence needed": with the observed rate p̂ on the passing side of the threshold p0,
    the interval stops crossing p0 once n·(p̂ − p0)² ≥ z²·p0·(1 − p0); n_req is the smallest such n (and
    at least min_sample), and what is needed is n_req − n, at least 0. None for a metric without an
    interval, no value, or a rate equal to or on the failing side of p0 (no sample makes it pass)."""
    if not REGISTRY[gate.metric].interval or mv.value is None or mv.n is None:
        return None
    p, p0 = mv.value, gate.threshold
    if not (p < p0 if gate.op == "<=" else p > p0) or math.isclose(p, p0, rel_tol=1e-9, abs_tol=1e-12):
        return None
    if method == "sequential":  # searched upward with S = p̂·n (DESIGN.md §4 "Evidence method")
        return max(0, max(sequential.n_required(p, p0), gate.min_sample or 0) - mv.n)
    need = z * z * p0 * (1 - p0)
    n_req = max(0, math.ceil(need / (p - p0) ** 2))
    while n_req > 0 and (n_req - 1) * (p - p0) ** 2 >= need:  # the float division may round up one too far
        n_req -= 1
    while n_req * (p - p0) ** 2 < need:
        n_req += 1
    return max(0, max(n_req, gate.min_sample or 0) - mv.n)


def judge(gate: Gate, mv: MetricValue, currency: str = "EUR", basis: str | None = None,
          method: Method = "fixed") -> CriterionResult:
    """Judge `gate` on its metric's value `mv` (same metric id). Pure: no database. `basis` says what the
    value is when it is not the period's whole ("mean of Aug and Sep 2026"); `method` is the plan's evidence
    method, whose interval judges the warn rule and is reported as low/high."""
    mv = with_method(gate, mv, method)
    status, rule = next((s, r) for s, r, test in RULES if test(gate, mv))
    if rule == "no_data" and mv.missing:
        rule = "not_covered"
    end = _interval_end(gate, mv)
    subject = measured(mv, currency) + (f", the {basis}," if basis else "")
    words = {
        **WORDS[gate.op],
        "label": REGISTRY[gate.metric].label,
        "missing": mv.missing or "",
        "subject": subject,
        "count": count_text(mv),
        "min_sample": f"{gate.min_sample:,}" if gate.min_sample is not None else "",
        "threshold": limit_text(gate.metric, gate.threshold, currency),
        "warn": limit_text(gate.metric, gate.warn, currency) if gate.warn is not None else "",
        "interval_end": value_text(gate.metric, end, currency) if end is not None else "",
        "interval": INTERVAL_WORDS[method],
    }
    return CriterionResult(
        metric=gate.metric, status=status, value=mv.value, n=mv.n, low=mv.low, high=mv.high,
        threshold=gate.threshold, warn=gate.warn, min_sample=gate.min_sample, on_fail=gate.on_fail,
        explanation=SENTENCES[rule].format(**words), op=gate.op, label=REGISTRY[gate.metric].label,
        family=REGISTRY[gate.metric].family, rule=rule, evidence_needed=evidence_needed(gate, mv, method=method),
        basis=basis,
        missing=mv.missing,
    )
