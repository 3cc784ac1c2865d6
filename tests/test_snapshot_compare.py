"""Comparing two snapshots: rule changes are said first and marked, then evidence and decision changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from snapshot_fixture import PLAN_TEXT, demo_database, plan, pure_review, pure_snapshot

from gates.review import evaluate
from loaders import store as db
from metrics.window import month_window
from snapshots.build import record_review
from snapshots.compare import change_text, compare, comparison_text
from snapshots.record import Decision

ERROR_GATE = '''metric = "quality.error_rate"
  op = "<="
  threshold = 0.10'''


def _stricter_error_gate() -> str:
    return PLAN_TEXT.replace(ERROR_GATE, ERROR_GATE.replace("0.10", "0.12"))


def test_when_the_plans_differ_it_is_said_first_and_each_changed_rule_is_marked() -> None:
    values = {"quality.error_rate": 0.11}
    a_plan, b_plan = plan(), plan(_stricter_error_gate())
    a = pure_snapshot(pure_review(a_plan, values=values), p=a_plan, snapshot_id=1)
    b = pure_snapshot(pure_review(b_plan, values=values), p=b_plan, snapshot_id=2)
    result = compare(a, b)
    assert not result.same_plan and result.same_stage
    assert result.notes[0].startswith(f"The plans differ: #1 was judged against plan 'Contract drafting assistant' "
                                      f"(sha256 {a_plan.sha256[:12]}…), #2 against ")
    assert [(c.metric, c.rule_changes) for c in result.rule_changed] == [("quality.error_rate",
                                                                           ("threshold 10% → 12%",))]
    error = result.rule_changed[0]
    assert (error.status_a, error.status_b, error.value_a, error.value_b) == ("fail", "warn", 0.11, 0.11)
    assert [c.metric for c in result.status_changed] == ["quality.error_rate"]  # same evidence, new rule
    assert all(m.change in (None, 0.0) for m in result.metrics)

    lines = comparison_text(result).splitlines()
    assert lines[3].startswith("! The plans differ:")
    assert lines[5:7] == ["Rules that changed:", "  RULE CHANGED  Error rate (quality.error_rate): threshold 10% → 12%"]
    assert "  Error rate: fail → warn  (11.0% → 11.0%)  [RULE CHANGED: threshold 10% → 12%]" in lines
    assert lines.index("Rules that changed:") < lines.index("Decision:") < lines.index("Criteria whose status changed:")


def test_same_plan_and_stage_says_every_difference_is_evidence_or_decision() -> None:
    a = pure_snapshot(pure_review(values={"quality.error_rate": 0.05}), snapshot_id=1)
    b = pure_snapshot(pure_review(values={"quality.error_rate": 0.12}), snapshot_id=2,
                      decision=Decision(outcome="limit", decided_by="Chair"))
    result = compare(a, b)
    assert result.same_plan and result.notes == () and result.rule_changed == ()
    error = next(c for c in result.criteria if c.metric == "quality.error_rate")
    assert (error.status_a, error.status_b, error.rule_changed) == ("pass", "fail", False)
    metric = next(m for m in result.metrics if m.metric == "quality.error_rate")
    assert (metric.text_a, metric.text_b, metric.change_text) == ("5.0%", "12.0%", "+7.0 pts")
    assert ("decision", "continue", "limit") in result.decision_changes
    assert ("decided_by", "Steering group", "Chair") in result.decision_changes
    text = comparison_text(result)
    assert "Same plan (sha256" in text and "RULE CHANGED" not in text


def test_a_different_stage_marks_the_gates_whose_rule_differs() -> None:
    p = plan()
    a = pure_snapshot(pure_review(p, stage="pilot"), snapshot_id=1)
    b = pure_snapshot(pure_review(p, stage="department"), snapshot_id=2)
    result = compare(a, b)
    assert result.same_plan and not result.same_stage
    assert result.notes == ("The stages differ: #1 reviewed 'pilot', #2 reviewed 'department', so their gates may "
                            "differ (marked RULE CHANGED).",)
    changed = {c.metric: c.rule_changes for c in result.rule_changed}
    assert changed["quality.severe_error_rate"] == ("warn 2% → 3%",)
    assert changed["value.net_hours_per_active_user"] == ("threshold 2 h → 1.5 h", "warn 3 h → 2 h",
                                                          "min sample 5 → 10")
    assert "quality.error_rate" not in changed


def test_a_gate_only_one_side_has_is_marked() -> None:
    p = plan()
    a = pure_snapshot(pure_review(p, stage="department"), snapshot_id=1)
    b = pure_snapshot(pure_review(p, stage="extra-review"), snapshot_id=2)
    changed = {c.metric: c.rule_changes for c in compare(a, b).rule_changed}
    assert changed["risk.high_severity_incidents"] == ("gate removed",)
    assert changed["risk.open_high_severity"] == ("gate added",)


@pytest.mark.parametrize(("metric", "delta", "expected"), [
    ("quality.error_rate", 0.0123, "+1.2 pts"), ("quality.error_rate", -0.2, "−20.0 pts"),
    ("value.net_hours_saved", -3.04, "−3.0 h"), ("cost.cash_cost", 120.0, "+EUR 120.00"),
    ("risk.incidents", 4.0, "+4"), ("support.satisfaction", 0.25, "+0.25"), ("cost.value_to_cost_ratio", 0.5, "+0.50×"),
    ("risk.incidents", 0.0, "no change"), ("risk.incidents", None, "—"),
])
def test_change_text(metric: str, delta: float | None, expected: str) -> None:
    assert change_text(metric, delta, "EUR") == expected


def test_june_pause_against_the_july_review_of_the_demo(tmp_path: Path) -> None:
    """The demo's story: June under the department stage is paused; July is reviewed under extra review."""
    p = plan()
    with db.connect(demo_database(tmp_path)) as con:
        june = record_review(con, p, evaluate(con, p, "department", month_window("2026-06")),
                             Decision(outcome="pause", decided_by="Head of Legal Operations",
                                      rationale="Data exposure incident."))
        july = record_review(con, p, evaluate(con, p, "extra-review", month_window("2026-07")),
                             Decision(outcome="continue", decided_by="Head of Legal Operations",
                                      rationale="Extra review works; keep watching."))
    result = compare(june, july)
    assert result.notes[0].startswith("The stages differ: #1 reviewed 'department', #2 reviewed 'extra-review'")
    assert ("decision", "pause", "continue") in result.decision_changes
    fired = {t.name: (t.before, t.after) for t in result.triggers}
    assert fired["Unexpected data exposure"] == (True, False)
    severe = next(c for c in result.criteria if c.metric == "quality.severe_error_rate")
    assert severe.rule_changes == ("threshold 5% → 4%", "warn 3% → 2%", "min sample 50 → 100")
