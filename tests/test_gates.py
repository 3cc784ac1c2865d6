"""Criteria, pause triggers, readiness and the recommendation, as pure functions of metric values."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from gates.criteria import judge
from gates.plan import Gate, PauseTrigger, Plan
from gates.plan_check import check_plan
from gates.readiness import ReadinessInput, readiness
from gates.recommend import SEVERITY, recommend
from gates.review import review
from gates.triggers import ACTION_OUTCOME, check_trigger, trigger_window
from metrics.model import MetricValue, Window, wilson
from metrics.registry import METRICS

MARCH = Window(date(2026, 3, 1), date(2026, 3, 31))

PLAN: dict[str, Any] = {
    "name": "Assistant", "owner": "Ops lead", "support_contact": "help@example.org", "currency": "EUR",
    "hourly_rate": 50.0, "data_rules": ["No personal data"],
    "use_cases": [{"id": "drafting", "default_minutes_saved": 10}],
    "stages": [
        {"id": "pilot", "name": "Pilot", "starts_on": date(2026, 1, 5), "departments": ["legal"],
         "approved_use_cases": ["drafting"], "mode": "approval_first", "required_training": ["purpose"],
         "min_duration_days": 30,
         "gates": [
             {"metric": "quality.error_rate", "op": "<=", "threshold": 0.10, "min_sample": 50, "on_fail": "limit"},
             {"metric": "value.net_hours_saved", "op": ">=", "threshold": 10, "on_fail": "redesign"},
             {"metric": "cost.budget_utilisation", "op": "<=", "threshold": 1.0, "on_fail": "limit"},
             {"metric": "risk.high_severity_incidents", "op": "<=", "threshold": 0, "on_fail": "pause"},
             {"metric": "adoption.activation_rate", "op": ">=", "threshold": 0.5, "on_fail": "redesign"},
             {"metric": "support.satisfaction", "op": ">=", "threshold": 3.5, "on_fail": "redesign"},
         ]},
        {"id": "dept", "name": "Department", "starts_on": date(2026, 4, 1), "departments": ["legal", "finance"],
         "approved_use_cases": ["drafting"], "mode": "standard",
         "gates": [{"metric": "quality.error_rate", "op": "<=", "threshold": 0.2, "on_fail": "limit"}]},
    ],
    "pause_triggers": [
        {"name": "Data exposure", "metric": "risk.data_exposure_incidents", "op": ">=", "value": 1,
         "window_days": 30, "action": "pause"},
        {"name": "Scope drift", "metric": "adoption.scope_drift_share", "op": ">=", "value": 0.3,
         "window_days": 14, "action": "restrict"},
    ],
    "fallback": {"options": ["Return to manual work", "Second reviewer"]},
}


def make_plan(**changes: Any) -> Plan:
    data = copy.deepcopy(PLAN) | changes
    checked = check_plan(data)
    assert checked.plan is not None, checked.problems
    return checked.plan


def gate(metric: str, op: str, threshold: float, warn: float | None = None, min_sample: int | None = None) -> Gate:
    return Gate.model_validate({"metric": metric, "op": op, "threshold": threshold, "warn": warn,
                                "min_sample": min_sample, "on_fail": "limit"})


def share(metric: str, k: int, n: int) -> MetricValue:
    low, high = wilson(k, n)
    return MetricValue(metric, k / n if n else None, n, low, high)


# -- criteria ----------------------------------------------------------------------------------------

SAT = "support.satisfaction"  # has an n, no interval
INC = "risk.incidents"         # no n
ERR = "quality.error_rate"     # a proportion with a Wilson interval
ACT = "adoption.activation_rate"


@pytest.mark.parametrize(("g", "mv", "status"), [
    pytest.param(gate(SAT, ">=", 3.5), MetricValue(SAT, 3.5, 40), "pass", id="exactly-at-minimum-passes"),
    pytest.param(gate(SAT, ">=", 3.5), MetricValue(SAT, 3.49, 40), "fail", id="just-below-minimum-fails"),
    pytest.param(gate(INC, "<=", 0), MetricValue(INC, 0), "pass", id="exactly-at-limit-passes"),
    pytest.param(gate(INC, "<=", 0), MetricValue(INC, 1), "fail", id="just-above-limit-fails"),
    pytest.param(gate(INC, "<=", 2, warn=1), MetricValue(INC, 2), "warn", id="between-warn-and-limit-warns"),
    pytest.param(gate(INC, "<=", 2, warn=1), MetricValue(INC, 1), "pass", id="exactly-at-warn-passes"),
    pytest.param(gate(SAT, ">=", 3.5, warn=3.8), MetricValue(SAT, 3.6, 40), "warn", id="below-warn-level-warns"),
    pytest.param(gate(SAT, ">=", 3.5, warn=3.8), MetricValue(SAT, 3.8, 40), "pass", id="at-warn-level-passes"),
    pytest.param(gate(SAT, ">=", 3.5, warn=3.8), MetricValue(SAT, 3.4, 40), "fail", id="fail-beats-warn"),
    pytest.param(gate(ERR, "<=", 0.10), share(ERR, 4, 60), "warn", id="interval-crosses-limit-warns"),
    pytest.param(gate(ERR, "<=", 0.10), share(ERR, 4, 400), "pass", id="interval-clear-of-limit-passes"),
    pytest.param(gate(ACT, ">=", 0.5), share(ACT, 12, 20), "warn", id="interval-crosses-minimum-warns"),
    pytest.param(gate(ACT, ">=", 0.5), share(ACT, 90, 100), "pass", id="interval-clear-of-minimum-passes"),
    pytest.param(gate(ERR, "<=", 0.10, min_sample=50), share(ERR, 0, 49), "insufficient", id="n-below-min-sample"),
    pytest.param(gate(ERR, "<=", 0.10, min_sample=50), share(ERR, 25, 50), "fail", id="n-at-min-sample-judged"),
    pytest.param(gate(ERR, "<=", 0.10), MetricValue(ERR, None, 0), "insufficient", id="null-is-insufficient"),
    pytest.param(gate(INC, "<=", 0), MetricValue(INC, None), "insufficient", id="null-without-n-insufficient"),
    pytest.param(gate("cost.budget_utilisation", "<=", 0.3), MetricValue("cost.budget_utilisation", 0.1 + 0.2),
                 "pass", id="float-noise-at-limit-passes"),
])
def test_status_at_and_around_each_boundary(g: Gate, mv: MetricValue, status: str) -> None:
    assert judge(g, mv).status == status


@pytest.mark.parametrize(("g", "mv", "sentence"), [
    (gate(ERR, "<=", 0.10), share(ERR, 31, 258),
     "Error rate 12.0% (31 of 258 reviews, 95% CI 8.6–16.6%) is above the 10% limit."),
    (gate(ERR, "<=", 0.10, warn=0.07), share(ERR, 20, 258),
     "Error rate 7.8% (20 of 258 reviews, 95% CI 5.1–11.7%) is within the 10% limit but is above the 7% warn "
     "level."),
    (gate(ERR, "<=", 0.10), share(ERR, 4, 60),
     "Error rate 6.7% (4 of 60 reviews, 95% CI 2.6–15.9%) is within the 10% limit, but its 95% interval reaches "
     "up to 15.9%, so the pass is not yet convincing."),
    (gate(ERR, "<=", 0.10, min_sample=50), share(ERR, 2, 40),
     "Error rate 5.0% (2 of 40 reviews, 95% CI 1.4–16.5%): only 40 reviews, fewer than the 50 this gate needs to "
     "judge it."),
    (gate(ERR, "<=", 0.10), MetricValue(ERR, None, 0),
     "Error rate: no data in this window, so this gate cannot be judged yet."),
    (gate(SAT, ">=", 3.5), MetricValue(SAT, 4.125, 8), "Satisfaction 4.12 (8 responses) meets the 3.5 minimum."),
    (gate("value.net_hours_per_active_user", ">=", 2), MetricValue("value.net_hours_per_active_user", 1.25, 1),
     "Net hours per active user 1.2 h (1 active user) is below the 2 h minimum."),
    (gate("cost.cash_cost", "<=", 4000), MetricValue("cost.cash_cost", 4123.456),
     "Cash cost EUR 4,123.46 is above the EUR 4,000 limit."),
    (gate("cost.value_to_cost_ratio", ">=", 1.2, warn=1.5), MetricValue("cost.value_to_cost_ratio", 1.3),
     "Value to cost 1.30× meets the 1.2× minimum but is below the 1.5× warn level."),
    (gate("quality.rework_minutes_per_review", "<=", 5), MetricValue("quality.rework_minutes_per_review", 6.25, 12),
     "Rework per review 6.2 min (12 reviews) is above the 5 min limit."),
])
def test_each_result_explains_itself_in_one_sentence(g: Gate, mv: MetricValue, sentence: str) -> None:
    assert judge(g, mv).explanation == sentence


def test_a_result_carries_its_evidence_and_limits() -> None:
    result = judge(Gate(metric=ERR, op="<=", threshold=0.1, warn=0.07, min_sample=50, on_fail="redesign"),
                   share(ERR, 31, 258))
    low, high = wilson(31, 258)
    assert result.as_json() == {
        "metric": ERR, "status": "fail", "value": 31 / 258, "n": 258, "low": low, "high": high, "threshold": 0.1,
        "warn": 0.07, "min_sample": 50, "on_fail": "redesign",
        "explanation": "Error rate 12.0% (31 of 258 reviews, 95% CI 8.6–16.6%) is above the 10% limit.",
        "evidence_needed": None, "basis": None, "missing": None, "label": "Error rate", "family": "quality",
        "op": "<="}


@pytest.mark.parametrize(("successes", "n", "min_sample", "needed"), [
    # 6% of 100 against ≤ 10%: n·0.04² ≥ 1.959964²·0.1·0.9 = 0.345731 from n = 217 (216.08 rounded up)
    (6, 100, None, 117),
    (6, 100, 300, 200),       # min_sample asks for more than the interval does
    (60, 1000, None, 0),      # already settled
    (10, 100, None, None),    # at the threshold: no sample makes it pass
    (12, 100, None, None),    # on the failing side
])
def test_evidence_needed_is_what_would_settle_a_proportion_at_the_observed_rate(
        successes: int, n: int, min_sample: int | None, needed: int | None) -> None:
    gate = Gate(metric=ERR, op="<=", threshold=0.1, min_sample=min_sample, on_fail="limit")
    assert judge(gate, share(ERR, successes, n)).evidence_needed == needed
    assert judge(Gate(metric="quality.reviewed_outputs", op=">=", threshold=50, on_fail="limit"),
                 MetricValue("quality.reviewed_outputs", 10)).evidence_needed is None


def test_a_metric_an_export_does_not_cover_is_insufficient_with_the_reason() -> None:
    gate = Gate(metric="support.tickets_per_100_users", op="<=", threshold=40, on_fail="limit")
    result = judge(gate, MetricValue("support.tickets_per_100_users", None,
                                     missing="no support export covers March 2026"))
    assert (result.status, result.missing) == ("insufficient", "no support export covers March 2026")
    assert result.explanation == ("Tickets per 100 users: no support export covers March 2026, so this gate cannot "
                                  "be judged yet.")


# -- pause triggers ----------------------------------------------------------------------------------

def trigger(action: str, op: str = ">=", value: float = 1, days: int = 30) -> PauseTrigger:
    return PauseTrigger.model_validate({"name": "T", "metric": "risk.data_exposure_incidents", "op": op,
                                        "value": value, "window_days": days, "action": action})


@pytest.mark.parametrize(("action", "outcome"), [
    ("pause", "pause"), ("return_to_manual", "pause"), ("restrict", "limit"), ("extra_review", "redesign")])
def test_every_trigger_action_maps_to_its_outcome(action: str, outcome: str) -> None:
    fired = check_trigger(trigger(action), MetricValue("risk.data_exposure_incidents", 1), MARCH.end, ("Manual",))
    assert (fired.fired, fired.outcome) == (True, outcome)
    assert recommend([], [fired], [], "pilot", date(2026, 1, 5), 30, MARCH.end).outcome == outcome


def test_every_action_has_an_outcome() -> None:
    assert set(ACTION_OUTCOME) == {"pause", "return_to_manual", "restrict", "extra_review"}
    assert set(ACTION_OUTCOME.values()) <= set(SEVERITY)


@pytest.mark.parametrize(("op", "value", "seen", "fired"), [
    (">=", 1, 1, True), (">=", 1, 0, False), (">=", 2, 3, True), ("<=", 0.5, 0.5, True), ("<=", 0.5, 0.6, False),
    (">=", 1, None, False),
])
def test_a_trigger_fires_when_its_condition_holds_and_never_on_no_data(op: str, value: float, seen: float | None,
                                                                        fired: bool) -> None:
    result = check_trigger(trigger("pause", op, value), MetricValue("risk.data_exposure_incidents", seen),
                           MARCH.end, ("Manual",))
    assert result.fired is fired
    assert result.fallback == (("Manual",) if fired else ())


def test_a_trigger_looks_back_over_its_own_window_with_the_same_filters() -> None:
    window = Window(date(2026, 3, 1), date(2026, 3, 31), department="Legal", use_case="drafting")
    assert trigger_window(trigger("pause", days=30), window) == Window(date(2026, 3, 2), date(2026, 3, 31), "legal",
                                                                        "drafting")
    assert trigger_window(trigger("pause", days=1), window).start == date(2026, 3, 31)
    assert trigger_window(trigger("pause", days=90), window).start == date(2026, 1, 1)


def test_a_fired_trigger_explains_itself_and_lists_the_fallback() -> None:
    result = check_trigger(trigger("return_to_manual"), MetricValue("risk.data_exposure_incidents", 2), MARCH.end,
                           ("Return to manual work", "Second reviewer"))
    assert result.as_json() == {
        "name": "T", "metric": "risk.data_exposure_incidents", "value": 2, "fired": True, "status": "fired",
        "action": "return_to_manual", "outcome": "pause", "op": ">=", "threshold": 1, "min_sample": None,
        "window": {"from": "2026-03-02", "to": "2026-03-31"},
        "n": None, "fallback": ["Return to manual work", "Second reviewer"],
        "explanation": "'T' fired: Data exposure incidents was 2 in the 30 days to 31 Mar 2026, at or above 1; "
                       "action: return to manual work (pause)."}
    quiet = check_trigger(trigger("pause"), MetricValue("risk.data_exposure_incidents", 0), MARCH.end, ("x",))
    assert quiet.explanation == ("'T' did not fire: Data exposure incidents was 0 in the 30 days to 31 Mar 2026; it "
                                 "fires at or above 1.")
    assert quiet.status == "quiet"


def test_below_its_min_sample_a_trigger_is_insufficient_saying_whether_it_would_fire() -> None:
    rule = PauseTrigger.model_validate({"name": "Repeated poor outputs", "metric": ERR, "op": ">=", "value": 0.2,
                                        "window_days": 30, "action": "extra_review", "min_sample": 30})
    small = check_trigger(rule, share(ERR, 2, 9), MARCH.end, ())
    assert (small.status, small.fired) == ("insufficient", False)
    assert small.explanation == ("'Repeated poor outputs' would fire, but only 9 reviews in the 30 days to "
                                 "31 Mar 2026; it needs 30 to judge.")
    assert check_trigger(rule, share(ERR, 1, 9), MARCH.end, ()).explanation.startswith(
        "'Repeated poor outputs' would not fire, but only 9 reviews")
    assert check_trigger(rule, share(ERR, 7, 30), MARCH.end, ()).status == "fired"
    assert check_trigger(rule, share(ERR, 5, 30), MARCH.end, ()).status == "quiet"


def test_a_known_incident_is_never_silenced_by_a_missing_month() -> None:
    gap = "no incidents export covers 1 Mar 2026–15 Mar 2026"
    seen = MetricValue("risk.data_exposure_incidents", None, missing=gap, partial=1)
    fired = check_trigger(trigger("pause"), seen, MARCH.end, ("Manual",))
    assert (fired.status, fired.value, fired.fallback) == ("fired", 1, ("Manual",))
    assert fired.explanation == (f"'T' fired: Data exposure incidents was at least 1 ({gap}) in the 30 days to "
                                 "31 Mar 2026, at or above 1; action: pause the rollout (pause).")
    # none seen: the missing days may hold one, so it cannot be checked
    unknown = check_trigger(trigger("pause"), MetricValue("risk.data_exposure_incidents", None, missing=gap, partial=0),
                            MARCH.end, ())
    assert (unknown.status, unknown.explanation) == (
        "insufficient", f"Data exposure incidents: {gap} in the 30 days to 31 Mar 2026, so 'T' cannot be checked.")
    # a rate is no floor: its missing rows may lower it
    rate = PauseTrigger.model_validate({"name": "R", "metric": ERR, "op": ">=", "value": 0.2, "window_days": 30,
                                        "action": "extra_review"})
    assert check_trigger(rate, MetricValue(ERR, None, missing="no reviews export covers March 2026", partial=0.5),
                         MARCH.end, ()).status == "insufficient"


# -- recommendation ----------------------------------------------------------------------------------

def outcome_of(results: list[tuple[str, str]], fired: tuple[str, ...] = (), run_from: date = date(2026, 1, 5),
               min_days: int = 30, unmet: int = 0) -> tuple[str, list[str]]:
    """The recommendation for criteria given as (status, on_fail) and fired trigger actions."""
    criteria = [judge(Gate.model_validate({"metric": INC, "op": "<=", "threshold": 1,
                                           "warn": 0 if status == "warn" else None, "on_fail": on_fail}),
                      MetricValue(INC, {"pass": 0, "warn": 1, "fail": 2, "insufficient": None}[status]))
                for status, on_fail in results]
    assert [c.status for c in criteria] == [s for s, _ in results]
    triggers = [check_trigger(trigger(a), MetricValue("risk.data_exposure_incidents", 1), MARCH.end, ())
                for a in fired]
    plan = make_plan(support_contact="" if unmet else "help@example.org")
    ready = readiness(ReadinessInput(plan, plan.stages[0], MetricValue(ACT, 1.0, 10), MARCH.end))
    rec = recommend(criteria, triggers, ready, "pilot", run_from, min_days, MARCH.end)
    return rec.outcome, [r.outcome for r in rec.reasons]


@pytest.mark.parametrize(("results", "fired", "expected"), [
    pytest.param([("pass", "limit")] * 3, [], "proceed", id="all-pass-proceeds"),
    pytest.param([("pass", "limit"), ("warn", "pause")], [], "continue", id="warn-continues"),
    pytest.param([("insufficient", "pause")], [], "continue", id="insufficient-continues"),
    pytest.param([("fail", "limit"), ("pass", "pause")], [], "limit", id="fail-gives-its-on-fail"),
    pytest.param([("fail", "limit"), ("fail", "redesign")], [], "redesign", id="redesign-beats-limit"),
    pytest.param([("fail", "redesign"), ("fail", "pause")], [], "pause", id="pause-beats-redesign"),
    pytest.param([("pass", "limit")], ["pause"], "pause", id="a-pause-trigger-pauses"),
    pytest.param([("fail", "redesign")], ["return_to_manual"], "pause", id="return-to-manual-pauses"),
    pytest.param([("warn", "limit")], ["restrict"], "limit", id="restrict-limits"),
    pytest.param([("fail", "limit")], ["extra_review"], "redesign", id="extra-review-redesigns"),
])
def test_the_most_severe_outcome_wins(results: list[tuple[str, str]], fired: list[str], expected: str) -> None:
    outcome, reasons = outcome_of(results, tuple(fired))
    assert outcome == expected
    assert reasons == sorted(reasons, key=SEVERITY.index, reverse=True)  # most severe first


def test_a_stage_younger_than_its_minimum_duration_continues_at_least() -> None:
    assert outcome_of([("pass", "limit")], run_from=date(2026, 3, 3), min_days=30)[0] == "continue"  # 29 days run
    assert outcome_of([("pass", "limit")], run_from=date(2026, 3, 2), min_days=30)[0] == "proceed"   # 30 days run
    assert outcome_of([("fail", "redesign")], run_from=date(2026, 3, 20), min_days=30)[0] == "redesign"
    assert outcome_of([("pass", "limit")], run_from=date(2026, 4, 20), min_days=1)[0] == "continue"  # not started


def test_an_unmet_readiness_item_continues() -> None:
    assert outcome_of([("pass", "limit")], unmet=1) == ("continue", ["continue"])


def test_reasons_are_plain_sentences_most_severe_first() -> None:
    criteria = [judge(gate(ERR, "<=", 0.10), share(ERR, 31, 258)),
                judge(Gate(metric=SAT, op=">=", threshold=3.5, on_fail="redesign"), MetricValue(SAT, 3.1, 20))]
    rec = recommend(criteria, [], [], "pilot", date(2026, 3, 10), 30, MARCH.end)
    assert rec.as_json() == {"outcome": "redesign", "reasons": [
        "Gate failed → redesign: Satisfaction 3.10 (20 responses) is below the 3.5 minimum.",
        "Gate failed → limit: Error rate 12.0% (31 of 258 reviews, 95% CI 8.6–16.6%) is above the 10% limit.",
        "Too early → continue: stage 'pilot' has run 22 of its minimum 30 days (since 10 Mar 2026).",
    ]}
    clear = recommend([], [], [], "pilot", date(2026, 1, 5), 30, MARCH.end)
    assert clear.as_json() == {"outcome": "proceed", "reasons": [
        "All clear → proceed: every gate passed, no pause trigger fired, stage 'pilot' has run 86 days (minimum "
        "30) and every readiness item is met."]}


# -- readiness ---------------------------------------------------------------------------------------

def items(plan: Plan, stage: int = 0, trained: MetricValue | None = None) -> dict[str, tuple[bool, str]]:
    mv = trained or MetricValue(ACT, 0.95, 40)
    return {r.item: (r.met, r.reason) for r in readiness(ReadinessInput(plan, plan.stages[stage], mv, MARCH.end))}


def test_every_readiness_item_is_met_by_a_complete_plan() -> None:
    assert items(make_plan()) == {
        "Scope defined": (True, "Stage 'pilot' covers legal for drafting; the plan states 1 data rule."),
        "Stages defined": (True, "2 stages in date order: pilot from 5 Jan 2026, dept from 1 Apr 2026."),
        "Every stage has gates": (True, "All 2 stages have gates."),
        "Gates cover all six families": (True, "Stage 'pilot' has gates on all six families."),
        "Users trained": (True, "95.0% of 40 users with access completed every required module (purpose) by "
                                "31 Mar 2026; 90% needed."),
        "Support assigned": (True, "Support contact: help@example.org."),
        "Pause rules exist": (True, "2 pause triggers and 2 fallback options."),
    }


def test_each_readiness_item_not_met_says_why() -> None:
    bare = copy.deepcopy(PLAN["stages"][1]) | {"departments": [], "approved_use_cases": [], "gates": []}
    plan = make_plan(data_rules=[], support_contact="  ", pause_triggers=[], fallback={"options": []},
                     stages=[copy.deepcopy(PLAN["stages"][0]) | {"gates": PLAN["stages"][0]["gates"][:2]}, bare])
    got = items(plan, stage=1, trained=MetricValue(ACT, 0.8, 40))
    assert {k: v for k, v in got.items() if not v[0]} == {
        "Scope defined": (False, "Scope is incomplete: stage 'dept' lists no departments; stage 'dept' approves no "
                                 "use cases; the plan states no data rules."),
        "Every stage has gates": (False, "These stages have no gates: dept."),
        "Gates cover all six families": (False, "Stage 'dept' has no gate on quality, value, cost, risk, adoption, "
                                                "support."),
        "Support assigned": (False, "The plan names no support_contact for users to turn to."),
        "Pause rules exist": (False, "The plan has no pause trigger and no fallback option."),
    }
    assert items(plan, stage=0)["Gates cover all six families"] == (
        False, "Stage 'pilot' has no gate on cost, risk, adoption, support.")
    one_stage = make_plan(stages=[PLAN["stages"][0]])
    assert items(one_stage)["Stages defined"] == (
        False, "The plan has only one stage (pilot from 5 Jan 2026); define at least two so there is a next step "
               "to gate.")


@pytest.mark.parametrize(("trained", "met", "reason"), [
    (MetricValue(ACT, 0.9, 40), True, "90.0% of 40 users with access completed every required module (purpose) by "
                                      "31 Mar 2026; 90% needed."),
    (MetricValue(ACT, 0.875, 40), False, "Only 87.5% of 40 users with access completed every required module "
                                         "(purpose) by 31 Mar 2026; 90% needed."),
    (MetricValue(ACT, None, 0), False, "No one had access in the window, so training cannot be confirmed."),
])
def test_users_trained_needs_ninety_percent(trained: MetricValue, met: bool, reason: str) -> None:
    assert items(make_plan(), trained=trained)["Users trained"] == (met, reason)


# -- a whole review, without a database ----------------------------------------------------------------

def values(**overrides: MetricValue) -> dict[str, MetricValue]:
    base = {m.id: MetricValue(m.id, 0.0, 100 if m.n else None) for m in METRICS}
    base |= {ERR: share(ERR, 2, 400), "value.net_hours_saved": MetricValue("value.net_hours_saved", 40.0),
             ACT: share(ACT, 38, 40), SAT: MetricValue(SAT, 4.2, 30),
             "adoption.training_completion_rate": MetricValue("adoption.training_completion_rate", 0.95, 40)}
    return base | overrides


def test_review_judges_every_gate_and_trigger_of_the_stage() -> None:
    plan = make_plan()
    quiet = [MetricValue("risk.data_exposure_incidents", 0), MetricValue("adoption.scope_drift_share", 0.01, 900)]
    evaluation = review(plan, "pilot", MARCH, values(), quiet)
    assert [c.status for c in evaluation.criteria] == ["pass"] * 6
    assert evaluation.recommendation.outcome == "proceed"
    assert evaluation.days_run == 86
    body = evaluation.as_json()
    assert list(body)[:7] == ["stage", "window", "period", "criteria", "triggers", "readiness", "recommendation"]
    assert body["window"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31", "note": None, "months": []}
    assert [t["fired"] for t in body["triggers"]] == [False, False]

    exposed = [MetricValue("risk.data_exposure_incidents", 1), quiet[1]]
    paused = review(plan, "pilot", MARCH, values(**{ERR: share(ERR, 60, 400)}), exposed)
    assert paused.recommendation.outcome == "pause"
    assert [r.kind for r in paused.recommendation.reasons] == ["trigger", "fail"]
    assert paused.fired[0].fallback == ("Return to manual work", "Second reviewer")
