"""The sequential evidence method (DESIGN.md §4 "Evidence method"): the confidence sequence's ends and the
evidence needed worked out by hand, the judging of a gate under each method, and the reason it exists — a
seeded simulation in which looking at a gate every few observations passes it by chance far more often with
the Wilson interval than with the confidence sequence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from core.access import local
from gates.criteria import evidence_needed, judge
from gates.plan import Gate
from gates.plan_io import load_plan
from gates.review import evaluate
from loaders import store
from metrics import sequential
from metrics.model import MetricValue, wilson
from metrics.window import month_window
from snapshots.build import record_review
from snapshots.exports import write_all
from snapshots.html import report
from snapshots.record import Decision
from snapshots.verify import verify

ACCEPTANCE = "quality.acceptance_rate"


def test_no_success_in_ten_has_a_closed_form_sequence() -> None:
    # S = 0, n = 10: ln B(1, 11) = -ln 11, so p is inside while -ln 11 - 10·ln(1 - p) < ln 20, i.e. up to
    # p = 1 - 220^(-1/10); mirrored for 10 in 10.
    edge = 1 - 220 ** -0.1
    assert sequential.confidence_sequence(0, 10) == pytest.approx((0.0, edge), abs=1e-12)
    assert sequential.confidence_sequence(10, 10) == pytest.approx((1 - edge, 1.0), abs=1e-12)
    assert edge == pytest.approx(0.416880, abs=1e-6)


def test_the_sequence_is_wider_than_the_wilson_interval() -> None:
    low, high = sequential.confidence_sequence(40, 100)
    w_low, w_high = wilson(40, 100)
    assert w_low is not None and w_high is not None
    assert low < w_low < 0.4 < w_high < high
    # Its ends are where the mixture reaches ln 20.
    for end in (low, high):
        assert sequential.log_mixture(40, 100, end) == pytest.approx(math.log(20), abs=1e-9)


def test_evidence_needed_searches_n_upward_with_the_rate_held() -> None:
    # p̂ = 0 against a limit of 0.5: -ln(n + 1) + n·ln 2 >= ln 20 first at n = 8 (n = 7 gives 2.77 < 3.00).
    assert sequential.n_required(0.0, 0.5) == 8
    assert -math.log(8) + 7 * math.log(2) < math.log(20) <= -math.log(9) + 8 * math.log(2)
    gate = Gate(metric="quality.error_rate", op="<=", threshold=0.5, on_fail="limit")
    seen = MetricValue("quality.error_rate", 0.0, 3, 0.0, 0.56)
    assert evidence_needed(gate, seen, method="sequential") == 5
    assert evidence_needed(gate.model_copy(update={"min_sample": 20}), seen, method="sequential") == 17
    # Far from a few thousand: the doubling search finds the same first n as a one-by-one scan would.
    n = sequential.n_required(0.49, 0.5)
    assert n > 4_096
    assert not sequential._settled(0.49, 0.5, n - 1) and sequential._settled(0.49, 0.5, n)


def test_a_gate_the_wilson_interval_passes_is_a_warning_under_the_sequential_method() -> None:
    gate = Gate(metric=ACCEPTANCE, op=">=", threshold=0.8, on_fail="limit")
    low, high = wilson(90, 100)
    seen = MetricValue(ACCEPTANCE, 0.9, 100, low, high)
    fixed, seq = judge(gate, seen), judge(gate, seen, method="sequential")
    assert (fixed.status, fixed.evidence_needed) == ("pass", 0)
    s_low, s_high = sequential.confidence_sequence(90, 100)
    assert (seq.status, seq.low, seq.high) == ("warn", s_low, s_high)
    assert s_low < 0.8
    assert seq.explanation == ("Acceptance rate 90.0% (90 of 100 interactions with an action, 95% CI 77.2–97.1%) "
                               "meets the 80% minimum, but its 95% confidence sequence (valid however often it is "
                               "looked at) reaches down to 77.2%, so the pass is not yet convincing.")
    assert seq.evidence_needed == sequential.n_required(0.9, 0.8) - 100 > 0


LOOKS = np.arange(5, 801, 5)  # a look after every 5 observations, up to 800
GATE = Gate(metric=ACCEPTANCE, op=">=", threshold=0.8, on_fail="limit")


def _runs(count: int, seed: int) -> np.ndarray:
    """Successes at each look of `count` runs whose true acceptance is exactly the gate's 0.80."""
    rng = np.random.default_rng(seed)
    return rng.binomial(1, 0.8, size=(count, 800)).cumsum(axis=1)[:, LOOKS - 1]


def _passing(successes: np.ndarray, method: str) -> np.ndarray:
    """Which looks pass the gate: above 0.80 and the interval's low end at or above it (vectorised over every
    look of every run; _judged checks it against the Gate review's own judging)."""
    n = np.broadcast_to(LOOKS, successes.shape).astype(float)
    s = successes.astype(float)
    above = s * 5 > n * 4
    if method == "fixed":  # the Wilson interval's low end
        z = 1.959963984540054
        p = s / n
        low = (p + z * z / (2 * n) - z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)
        return above & (low >= 0.8)
    lgamma = np.vectorize(math.lgamma)
    log_m = lgamma(s + 1) + lgamma(n - s + 1) - lgamma(n + 2) - (s * math.log(0.8) + (n - s) * math.log(0.2))
    return above & (log_m >= math.log(20))  # 0.80 lies outside the confidence sequence


def _judged(successes: int, n: int, method: str) -> str:
    low, high = wilson(successes, n)
    return judge(GATE, MetricValue(ACCEPTANCE, successes / n, n, low, high), method=method).status  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["fixed", "sequential"])
def test_the_simulations_rule_is_the_gate_reviews(method: str) -> None:
    successes = _runs(40, seed=3)
    passing = _passing(successes, method)
    for row, passes in zip(successes.tolist(), passing.tolist(), strict=True):
        for n, s, p in list(zip(LOOKS.tolist(), row, passes, strict=True))[::7]:
            assert (_judged(s, n, method) == "pass") == p, (method, s, n)


def test_repeated_looks_pass_a_gate_by_chance_far_more_often_with_the_fixed_method() -> None:
    successes = _runs(4_000, seed=7)
    fixed = float(_passing(successes, "fixed").any(axis=1).mean())
    once = float(_passing(successes, "fixed")[:, -1].mean())  # the last look alone
    sequential_share = float(_passing(successes, "sequential").any(axis=1).mean())
    # One look, at the end, passes by chance about 2.5% of the time; 160 looks pass in about one run in five with
    # the Wilson interval, and in well under one in twenty with the confidence sequence, over all the looks.
    assert once <= 0.04
    assert fixed >= 0.15
    assert sequential_share <= 0.05
    assert fixed >= 4 * sequential_share



def test_a_snapshot_names_its_method_and_reports_the_intervals_it_was_judged_with(demo_db: Path,
                                                                                   tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.toml"  # the demo's plan, judged with the sequential method
    plan_file.write_text(plan_file.read_text().replace("[[use_cases]]", '[evidence]\nmethod = "sequential"\n\n'
                                                       "[[use_cases]]", 1))
    plan = load_plan(plan_file)
    with store.connect(demo_db) as con:
        ev = evaluate(con, plan, "department", month_window("2026-06"))
        snap = record_review(con, plan, ev, Decision(outcome="pause", decided_by="Chair"),
                             by=local("Chair"))
    assert ev.method == snap.evidence_method == "sequential"
    error = next(c for c in snap.criteria if c.metric == "quality.error_rate")
    assert error.value is not None and error.n
    # as a snapshot keeps numbers: to 10 significant digits
    assert (error.low, error.high) == pytest.approx(sequential.confidence_sequence(error.value * error.n, error.n),
                                                    rel=1e-9)
    assert (error.low, error.high) != (snap.metrics[error.metric].low, snap.metrics[error.metric].high)  # Wilson
    page = report(snap)
    assert "Intervals are 95% confidence sequences (the plan&#x27;s evidence method: sequential)" in page
    written = write_all(snap, tmp_path / "out")
    checked = verify(written["json"].read_bytes(), written["json"].name)
    assert checked.intact
