"""Gate reviews end to end: the demo data's story, and `cli.py evaluate` / `cli.py plan check`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

import metrics
from gates.period import NotInForce
from gates.plan_io import DEFAULT_PLAN, load_plan
from gates.review import Evaluation, evaluate, stage_criteria
from gates.triggers import TriggerResult
from loaders import store
from loaders.demo import load_demo
from metrics.model import Window
from metrics.window import month_window

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the demo exports, shared by this module's tests (read only after loading)."""
    path = tmp_path_factory.mktemp("demo") / "rollgate.duckdb"
    with store.connect(path) as con:
        assert all(r.status == "stored" for r in load_demo(con))
    return path


@pytest.fixture
def demo(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with store.connect(demo_db) as con:
        yield con


def review(con: duckdb.DuckDBPyConnection, stage: str, month: str) -> Evaluation:
    return evaluate(con, load_plan(DEFAULT_PLAN), stage, month_window(month))


@pytest.mark.parametrize("month", ["2026-02", "2026-03"])
def test_the_pilot_passes_its_gate(demo: duckdb.DuckDBPyConnection, month: str) -> None:
    result = review(demo, "pilot", month)
    assert result.recommendation.outcome == "proceed"
    assert {c.status for c in result.criteria} == {"pass"}
    assert not result.fired
    assert all(r.met for r in result.readiness)


def test_the_department_stage_pauses_in_june_for_the_data_exposure(demo: duckdb.DuckDBPyConnection) -> None:
    result = review(demo, "department", "2026-06")
    assert result.recommendation.outcome == "pause"
    assert "Unexpected data exposure" in [t.name for t in result.fired]
    first = result.recommendation.reasons[0]
    assert (first.kind, first.outcome) == ("trigger", "pause")
    assert first.detail.startswith("'Unexpected data exposure' fired: Data exposure incidents was 1 in the 30 days "
                                   "to 30 Jun 2026")
    exposure = next(t for t in result.fired if t.name == "Unexpected data exposure")
    assert exposure.fallback == load_plan(DEFAULT_PLAN).fallback.options
    statuses = {c.metric: c.status for c in result.criteria}
    assert statuses["adoption.scope_drift_share"] == "fail"  # scope drift grew
    assert statuses["risk.data_exposure_incidents"] == "fail"


def test_scope_drift_limits_the_department_stage_before_the_incident(demo: duckdb.DuckDBPyConnection) -> None:
    result = review(demo, "department", "2026-05")
    assert result.recommendation.outcome == "limit"
    assert not result.fired


def test_the_rollout_recovers_after_extra_review(demo: duckdb.DuckDBPyConnection) -> None:
    assert review(demo, "extra-review", "2026-09").recommendation.outcome == "proceed"


def test_a_stage_is_judged_on_the_part_of_the_window_it_was_in_force(demo: duckdb.DuckDBPyConnection) -> None:
    """extra-review starts on 15 July: a July review judges 15–31 July, with that stage's own modules."""
    result = review(demo, "extra-review", "2026-07")
    assert (result.start, result.end, result.period_start, result.period_end) == (
        date(2026, 7, 1), date(2026, 7, 31), date(2026, 7, 15), date(2026, 7, 31))
    assert result.period_note == ("Judged on 15–31 Jul 2026, the part of your window in which stage extra-review "
                                  "was in force.")
    trained = next(r for r in result.readiness if r.item == "Users trained")
    assert (trained.met, trained.reason) == (
        True, "95.7% of 46 users with access completed every required module (purpose, limits, data_rules, "
              "review, escalation, issue_reporting, extra_review) by 31 Jul 2026; 90% needed.")
    assert result.days_run == 17
    assert "Too early" in [r.text.split(" →")[0] for r in result.recommendation.reasons]


def test_a_stage_not_in_force_in_the_window_has_no_verdict(demo: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NotInForce) as refused:
        review(demo, "extra-review", "2026-06")
    assert str(refused.value) == ("stage 'extra-review' was not in force between 1 Jun 2026 and 30 Jun 2026 (it runs "
                                  "from 15 Jul 2026); choose a window in which it was, or the stage in force then.")


def test_a_wide_window_is_judged_on_the_stages_whole_months_with_monthly_means(
        demo: duckdb.DuckDBPyConnection) -> None:
    """January–September for the department stage (in force 1 April – 14 July): April to June, and each
    accumulating metric on its monthly mean, never nine months against a monthly limit."""
    plan = load_plan(DEFAULT_PLAN)
    result = evaluate(demo, plan, "department", Window(date(2026, 1, 1), date(2026, 9, 30)))
    assert (result.period_start, result.period_end, result.judged_months) == (
        date(2026, 4, 1), date(2026, 6, 30), ("2026-04", "2026-05", "2026-06"))
    assert result.period_note == ("Judged on Apr – Jun 2026, the months of your window in which stage department "
                                  "was in force throughout.")
    months = metrics.monthly(demo, plan.metric_context(), result.period)
    tickets = next(c for c in result.criteria if c.metric == "support.tickets_per_100_users")
    mean = sum(m["support.tickets_per_100_users"].value or 0 for m in months.values()) / 3
    assert tickets.value == pytest.approx(mean)
    assert tickets.basis == "mean of Apr, May and Jun 2026"
    assert tickets.n == sum(m["support.tickets_per_100_users"].n or 0 for m in months.values()) // 3
    error = next(c for c in result.criteria if c.metric == "quality.error_rate")  # a rate: the period whole
    assert (error.value, error.basis) == (result.metrics["quality.error_rate"].value, None)


@pytest.mark.parametrize(("stage", "window"), [
    ("department", Window(date(2026, 1, 1), date(2026, 9, 30))),   # whole months, judged per month
    ("extra-review", Window(date(2026, 7, 1), date(2026, 7, 31))),  # the part of July in force
    ("department", Window(date(2026, 6, 1), date(2026, 6, 30), department="legal")),
])
def test_stage_criteria_are_the_reviews_criteria(demo: duckdb.DuckDBPyConnection, stage: str, window: Window) -> None:
    """What a family page shows (the gates without the triggers) is what the gate review judged."""
    plan = load_plan(DEFAULT_PLAN)
    full, judged = evaluate(demo, plan, stage, window), stage_criteria(demo, plan, stage, window)
    assert judged.criteria == full.criteria and dict(judged.metrics) == full.metrics
    assert (judged.period.window, judged.period.note) == (full.period, full.period_note)


def test_a_review_record_loads_back_from_json(demo: duckdb.DuckDBPyConnection) -> None:
    result = review(demo, "department", "2026-06")
    assert Evaluation.model_validate_json(result.model_dump_json()) == result


def test_triggers_look_back_over_their_own_window(demo: duckdb.DuckDBPyConnection) -> None:
    """The incident of 16 June fires the 30-day trigger on a review of 1-15 July, not on one of 16-31 July."""
    plan = load_plan(DEFAULT_PLAN)

    def exposure(start: date, end: date) -> TriggerResult:
        result = evaluate(demo, plan, "department", Window(start, end))
        return next(t for t in result.triggers if t.name == "Unexpected data exposure")

    early = exposure(date(2026, 7, 1), date(2026, 7, 14))
    assert (early.window_from, early.window_to, early.fired) == (date(2026, 6, 15), date(2026, 7, 14), True)
    # a window reaching past the stage's last day (14 July) looks back from that day
    assert exposure(date(2026, 7, 1), date(2026, 7, 31)).window_to == date(2026, 7, 14)
    later = evaluate(demo, plan, "extra-review", Window(date(2026, 7, 17), date(2026, 8, 15)))
    quiet = next(t for t in later.triggers if t.name == "Unexpected data exposure")
    assert (quiet.window_from, quiet.status) == (date(2026, 7, 17), "quiet")  # 17 July – 15 August


# -- the command line ----------------------------------------------------------------------------------

def cli(*args: str, db: Path, plan: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    env.pop("ROLLGATE_PLAN", None)
    if plan is not None:
        env["ROLLGATE_PLAN"] = str(plan)
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_evaluate_json_has_the_design_shape(demo_db: Path) -> None:
    result = cli("evaluate", "--stage", "department", "--month", "2026-06", "--json", db=demo_db)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert list(body)[:7] == ["stage", "window", "period", "criteria", "triggers", "readiness", "recommendation"]
    assert (body["stage"], body["window"]) == ("department", {"from": "2026-06-01", "to": "2026-06-30"})
    assert body["period"] == {"from": "2026-06-01", "to": "2026-06-30", "note": None, "months": []}
    assert list(body["criteria"][0])[:12] == ["metric", "status", "value", "n", "low", "high", "threshold", "warn",
                                              "min_sample", "on_fail", "explanation", "evidence_needed"]
    assert list(body["triggers"][0])[:6] == ["name", "metric", "value", "fired", "status", "action"]
    assert list(body["readiness"][0]) == ["item", "met", "reason"]
    assert body["recommendation"]["outcome"] == "pause"
    assert body["recommendation"]["reasons"][0].startswith("Pause trigger fired → pause: 'Unexpected data exposure'")
    assert body["plan"]["sha256"] == load_plan(DEFAULT_PLAN).sha256


def test_evaluate_prints_the_review_in_words(demo_db: Path) -> None:
    result = cli("evaluate", "--stage", "pilot", "--from", "2026-03-01", "--to", "2026-03-31", db=demo_db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Gate review of stage 'pilot' (Limited pilot users), 2026-03-01 to 2026-03-31; the stage has run 86 days.",
        "Recommendation: PROCEED",
        "  · All clear → proceed: every gate passed, no pause trigger fired, stage 'pilot' has run 86 days "
        "(minimum 30) and every readiness item is met."]


def test_an_unknown_stage_is_refused_with_the_plans_stages(tmp_path: Path) -> None:
    result = cli("evaluate", "--stage", "rollout", "--month", "2026-03", db=tmp_path / "r.duckdb")
    assert result.returncode == 1
    assert result.stderr == "error: unknown stage 'rollout'; this plan's stages are: pilot, department, extra-review.\n"
    assert not (tmp_path / "r.duckdb").exists()


def test_a_missing_window_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("evaluate", "--stage", "pilot", db=tmp_path / "r.duckdb")
    assert result.returncode == 2
    assert "give the window as --month YYYY-MM, or as --from DATE and --to DATE together" in result.stderr


def write_bad_plan(path: Path) -> Path:
    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    text = text.replace('metric = "quality.error_rate"', 'metric = "quality.eror_rate"', 1)
    text = text.replace('action = "restrict"', 'action = "throttle"', 1)
    text = text.replace("starts_on = 2026-07-15", "starts_on = 2026-03-15")
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_check_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    result = cli("plan", "check", str(write_bad_plan(tmp_path / "bad.toml")), db=tmp_path / "r.duckdb")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: bad.toml: the plan has 3 problems; fix them and try again:",
        "  stages[0].gates[0].metric: unknown metric 'quality.eror_rate' — did you mean 'quality.error_rate'?",
        "  stages[2].starts_on: 2026-03-15 is not after 2026-04-01, when stages[1] ('department') starts; list the "
        "stages in date order, each starting later than the one before",
        "  pause_triggers[3].action: unknown action 'throttle'; use one of pause, restrict, extra_review, "
        "return_to_manual",
    ]


def test_evaluate_refuses_an_invalid_plan(tmp_path: Path) -> None:
    bad = write_bad_plan(tmp_path / "bad.toml")
    result = cli("evaluate", "--stage", "pilot", "--month", "2026-03", "--plan", str(bad), db=tmp_path / "r.duckdb")
    assert result.returncode == 1
    assert result.stderr.startswith("error: bad.toml: the plan has 3 problems; fix them and try again:\n")


def test_plan_check_of_the_default_plan(tmp_path: Path) -> None:
    result = cli("plan", "check", db=tmp_path / "none.duckdb")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "plan.toml: valid — 3 stages, 39 gates, 6 pause triggers.",
        "No database yet, so departments were not checked against the roster."]
    assert not (tmp_path / "none.duckdb").exists()


def test_plan_check_warns_of_departments_no_roster_row_has(demo_db: Path, tmp_path: Path) -> None:
    plan = tmp_path / "typo.toml"
    plan.write_text(DEFAULT_PLAN.read_text(encoding="utf-8").replace('"legal-ops"]', '"legal-op"]', 1),
                    encoding="utf-8")
    result = cli("plan", "check", "--json", db=demo_db, plan=plan)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"path": str(plan), "valid": True, "problems": [], "warnings": [
        {"path": "stages[0].departments[0]", "message": "no roster row has department 'legal-op' — did you mean "
                                                        "'legal-ops'?", "level": "warning"}]}
