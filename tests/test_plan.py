"""The rollout plan: loading, normalising, every validation problem by its exact message, round-trip."""

from __future__ import annotations

import copy
import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.errors import InputError
from gates.plan_check import Problem, check_plan, reference_warnings
from gates.plan_io import DEFAULT_PLAN, check_text, dumps_plan, load_plan, parse_plan, plan_path, save_plan
from metrics.model import StageScope

BASE: dict[str, Any] = {
    "name": "Assistant",
    "owner": "Ops lead",
    "support_contact": "help@example.org",
    "currency": "EUR",
    "hourly_rate": 50.0,
    "data_rules": ["No personal data"],
    "use_cases": [
        {"id": "drafting", "description": "Drafts", "default_minutes_saved": 10},
        {"id": "summarise", "description": "Summaries"},
    ],
    "stages": [
        {"id": "pilot", "name": "Pilot", "starts_on": date(2026, 1, 5), "departments": ["legal"],
         "approved_use_cases": ["drafting"], "mode": "approval_first", "required_training": ["purpose"],
         "min_duration_days": 30, "monthly_budget": 3000.0,
         "gates": [
             {"metric": "quality.error_rate", "op": "<=", "threshold": 0.1, "warn": 0.07, "min_sample": 50,
              "on_fail": "limit"},
             {"metric": "support.satisfaction", "op": ">=", "threshold": 3.5, "warn": 3.8, "on_fail": "redesign"},
             {"metric": "risk.incidents", "op": "<=", "threshold": 0, "on_fail": "pause"},
         ]},
        {"id": "dept", "name": "Department", "starts_on": date(2026, 3, 2), "departments": ["legal", "finance"],
         "approved_use_cases": ["drafting", "summarise"], "mode": "standard",
         "gates": [{"metric": "quality.error_rate", "op": "<=", "threshold": 0.2, "on_fail": "limit"}]},
    ],
    "pause_triggers": [
        {"name": "Data exposure", "metric": "risk.data_exposure_incidents", "op": ">=", "value": 1,
         "window_days": 30, "action": "pause"},
    ],
    "fallback": {"options": ["Return to manual work"]},
}


def with_changes(*changes: tuple[tuple[str | int, ...], Any]) -> dict[str, Any]:
    """BASE with each (path, value) set; the value DELETE removes the key."""
    data = copy.deepcopy(BASE)
    for path, value in changes:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return data


DELETE = object()


def problems(data: dict[str, Any]) -> list[str]:
    checked = check_plan(data)
    assert (checked.plan is None) == bool(checked.problems)
    return [str(p) for p in checked.problems]


def test_the_base_plan_is_valid() -> None:
    assert problems(BASE) == []


def test_the_default_plan_is_valid_and_fits_the_story() -> None:
    plan = load_plan(DEFAULT_PLAN)
    assert plan.stage_ids == ("pilot", "department", "extra-review")
    families = {"quality", "value", "cost", "risk", "adoption", "support"}
    for stage in plan.stages:
        assert {g.metric.split(".")[0] for g in stage.gates} == families, stage.id
    assert len(plan.pause_triggers) >= 3
    assert "risk.data_exposure_incidents" in {t.metric for t in plan.pause_triggers}
    assert plan.fallback.options


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param([(("stages", 1, "gates", 0, "metric"), "quality.eror_rate")],
                 ["stages[1].gates[0].metric: unknown metric 'quality.eror_rate' — did you mean "
                  "'quality.error_rate'?"], id="unknown-metric-near"),
    pytest.param([(("pause_triggers", 0, "metric"), "velocity")],
                 ["pause_triggers[0].metric: unknown metric 'velocity'; a metric id is family.name, such as "
                  "'quality.error_rate'"], id="unknown-metric-far"),
    pytest.param([(("stages", 0, "gates", 0, "op"), "<")],
                 ["stages[0].gates[0].op: unknown operator '<' — did you mean '<='?"], id="bad-operator"),
    pytest.param([(("pause_triggers", 0, "op"), "==")],
                 ["pause_triggers[0].op: unknown operator '=='; use one of <=, >="], id="bad-trigger-operator"),
    pytest.param([(("stages", 1, "starts_on"), date(2026, 1, 5))],
                 ["stages[1].starts_on: 2026-01-05 is not after 2026-01-05, when stages[0] ('pilot') starts; "
                  "list the stages in date order, each starting later than the one before"], id="same-day"),
    pytest.param([(("stages", 1, "starts_on"), date(2025, 12, 1))],
                 ["stages[1].starts_on: 2025-12-01 is not after 2026-01-05, when stages[0] ('pilot') starts; "
                  "list the stages in date order, each starting later than the one before"], id="out-of-order"),
    pytest.param([(("stages", 1, "id"), "pilot")],
                 ["stages[1].id: duplicate stage id 'pilot' (also stages[0])"], id="duplicate-stage"),
    pytest.param([(("use_cases", 1, "id"), " Drafting ")],
                 ["use_cases[1].id: duplicate use case 'drafting' (also use_cases[0])",
                  "stages[1].approved_use_cases[1]: use case 'summarise' is not declared under [[use_cases]]"],
                 id="duplicate-use-case"),
    pytest.param([(("pause_triggers",), BASE["pause_triggers"] * 2)],
                 ["pause_triggers[1].name: duplicate pause trigger name 'Data exposure' (also pause_triggers[0])"],
                 id="duplicate-trigger"),
    pytest.param([(("stages", 0, "gates", 0, "warn"), 0.12)],
                 ["stages[0].gates[0].warn: 0.12 is above the threshold 0.1; with '<=' the warn level must not be "
                  "above the threshold (it warns before the gate fails)"], id="warn-above-limit"),
    pytest.param([(("stages", 0, "gates", 1, "warn"), 3.0)],
                 ["stages[0].gates[1].warn: 3 is below the threshold 3.5; with '>=' the warn level must not be "
                  "below the threshold (it warns before the gate fails)"], id="warn-below-minimum"),
    pytest.param([(("pause_triggers", 0, "action"), "stop")],
                 ["pause_triggers[0].action: unknown action 'stop'; use one of pause, restrict, extra_review, "
                  "return_to_manual"], id="unknown-action"),
    pytest.param([(("pause_triggers", 0, "action"), "extra-review")],
                 ["pause_triggers[0].action: unknown action 'extra-review' — did you mean 'extra_review'?"],
                 id="misspelt-action"),
    pytest.param([(("stages", 0, "gates", 0, "on_fail"), "stop")],
                 ["stages[0].gates[0].on_fail: unknown outcome 'stop'; use one of limit, redesign, pause"],
                 id="unknown-on-fail"),
    pytest.param([(("stages", 1, "approved_use_cases"), ["drafting", "sumarise"])],
                 ["stages[1].approved_use_cases[1]: use case 'sumarise' is not declared under [[use_cases]] — did "
                  "you mean 'summarise'?"], id="undeclared-use-case"),
    pytest.param([(("stages", 0, "gates", 2, "min_sample"), 10)],
                 ["stages[0].gates[2].min_sample: 'risk.incidents' has no sample size, so min_sample cannot apply "
                  "to it; remove min_sample from this gate"], id="min-sample-without-n"),
    pytest.param([(("stages", 0, "gates", 0, "tresh"), 1)],
                 ["stages[0].gates[0].tresh: unknown key — did you mean 'threshold'?"], id="unknown-key"),
    pytest.param([(("colour",), "blue")],
                 ["colour: unknown key; the keys here are name, owner, support_contact, currency, hourly_rate, "
                  "privacy_min_group, seat_price, evidence, data_rules, use_cases, stages, pause_triggers, fallback, "
                  "mappings"],
                 id="unknown-top-key"),
    pytest.param([(("stages", 0, "mode"), "approval")],
                 ["stages[0].mode: unknown mode 'approval' — did you mean 'approval_first'?"], id="bad-mode"),
    pytest.param([(("stages", 0, "starts_on"), "5 Jan")],
                 ["stages[0].starts_on: should be a date written YYYY-MM-DD, not '5 Jan'"], id="bad-date"),
    pytest.param([(("hourly_rate",), -1)], ["hourly_rate: should be at least 0, not -1"], id="negative-rate"),
    pytest.param([(("owner",), DELETE)], ["owner: is required"], id="missing-owner"),
    pytest.param([(("pause_triggers", 0, "window_days"), 0)],
                 ["pause_triggers[0].window_days: should be at least 1, not 0"], id="empty-trigger-window"),
    pytest.param([(("stages",), [])], ["stages: the plan needs at least one stage"], id="no-stage"),
])
def test_each_mistake_is_reported_by_path_in_plain_words(changes: list[tuple[tuple[str | int, ...], Any]],
                                                          expected: list[str]) -> None:
    assert problems(with_changes(*changes)) == expected


def test_every_problem_is_reported_at_once_in_plan_order() -> None:
    data = with_changes(
        (("pause_triggers", 0, "action"), "stop"),
        (("stages", 1, "gates", 0, "metric"), "quality.eror_rate"),
        (("stages", 0, "gates", 0, "op"), "=<"),
        (("stages", 1, "starts_on"), date(2026, 1, 1)),
        (("stages", 0, "approved_use_cases"), ["translation"]),
    )
    assert problems(data) == [
        "stages[0].approved_use_cases[0]: use case 'translation' is not declared under [[use_cases]]",
        "stages[0].gates[0].op: unknown operator '=<'; use one of <=, >=",
        "stages[1].starts_on: 2026-01-01 is not after 2026-01-05, when stages[0] ('pilot') starts; list the "
        "stages in date order, each starting later than the one before",
        "stages[1].gates[0].metric: unknown metric 'quality.eror_rate' — did you mean 'quality.error_rate'?",
        "pause_triggers[0].action: unknown action 'stop'; use one of pause, restrict, extra_review, "
        "return_to_manual",
    ]


def test_toml_that_does_not_parse_is_one_problem() -> None:
    checked = check_text('name = "x"\nowner = \n')
    assert checked.plan is None
    assert [str(p) for p in checked.problems] == ["not valid TOML: Invalid value (at line 2, column 9)"]


def test_parse_plan_refuses_with_every_problem_listed() -> None:
    text = dumps_plan(parse_plan(dumps_toml(BASE))).replace('op = "<="', 'op = "<"', 1).replace(
        'action = "pause"', 'action = "halt"')
    with pytest.raises(InputError) as refused:
        parse_plan(text, "my-plan.toml")
    assert str(refused.value) == (
        "my-plan.toml: the plan has 2 problems; fix them and try again:\n"
        "  stages[0].gates[0].op: unknown operator '<' — did you mean '<='?\n"
        "  pause_triggers[0].action: unknown action 'halt'; use one of pause, restrict, extra_review, "
        "return_to_manual")


def dumps_toml(data: dict[str, Any]) -> str:
    plan = check_plan(data).plan
    assert plan is not None
    return dumps_plan(plan)


def test_departments_use_cases_and_modules_are_normalised() -> None:
    data = with_changes((("stages", 0, "departments"), [" Legal-Ops "]),
                        (("stages", 0, "approved_use_cases"), ["DRAFTING "]),
                        (("stages", 0, "required_training"), [" Data_Rules"]),
                        (("use_cases", 0, "id"), " Drafting"))
    plan = check_plan(data).plan
    assert plan is not None
    assert plan.stages[0].departments == ("legal-ops",)
    assert plan.stages[0].approved_use_cases == ("drafting",)
    assert plan.stages[0].required_training == ("data_rules",)
    assert plan.use_cases[0].id == "drafting"


def test_metric_context_carries_rates_defaults_and_stages() -> None:
    plan = check_plan(BASE).plan
    assert plan is not None
    ctx = plan.metric_context()
    assert (ctx.hourly_rate, dict(ctx.default_minutes), ctx.currency) == (50.0, {"drafting": 10.0}, "EUR")
    assert ctx.stages[1] == StageScope(id="dept", name="Department", starts_on=date(2026, 3, 2),
                                       departments=("legal", "finance"), approved_use_cases=("drafting", "summarise"),
                                       required_training=(), monthly_budget=None)
    assert ctx.stage_on(date(2026, 3, 1)) == ctx.stages[0]


def test_a_plan_round_trips_through_toml(tmp_path: Path) -> None:
    plan = load_plan(DEFAULT_PLAN)
    saved = save_plan(plan, tmp_path / "copy.toml")
    again = load_plan(saved)
    assert again.model_dump() == plan.model_dump()
    assert dumps_plan(again) == saved.read_text(encoding="utf-8")


def test_awkward_text_round_trips() -> None:
    data = with_changes((("name",), 'Say "hi"\\ to\tthe\nteam — ünïcode\x7f'),
                        (("fallback", "options"), ["a = b", "[not a table]", "#not a comment"]))
    plan = check_plan(data).plan
    assert plan is not None
    again = parse_plan(dumps_plan(plan))
    assert again.model_dump() == plan.model_dump()


def test_sha256_is_of_the_file_content(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_bytes(DEFAULT_PLAN.read_bytes())
    assert load_plan(path).sha256 == hashlib.sha256(DEFAULT_PLAN.read_bytes()).hexdigest()


def test_plan_path_prefers_explicit_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLLGATE_PLAN", raising=False)
    assert plan_path() == DEFAULT_PLAN
    monkeypatch.setenv("ROLLGATE_PLAN", "elsewhere/plan.toml")
    assert plan_path() == Path("elsewhere/plan.toml")
    assert plan_path("mine.toml") == Path("mine.toml")


def test_a_missing_plan_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no-plan\.toml: no such plan file; give --plan PATH or set ROLLGATE_PLAN"):
        load_plan(tmp_path / "no-plan.toml")


def test_unknown_stage_lists_the_plans_stages() -> None:
    plan = check_plan(BASE).plan
    assert plan is not None
    with pytest.raises(InputError) as refused:
        plan.stage("rollout")
    assert str(refused.value) == "unknown stage 'rollout'; this plan's stages are: pilot, dept."


def test_a_department_no_roster_row_has_is_only_a_warning() -> None:
    plan = check_plan(with_changes((("stages", 1, "departments"), ["legal", "finanse", "*"]))).plan
    assert plan is not None
    assert reference_warnings(plan, {"legal", "finance"}, {"purpose"}) == [
        Problem("stages[1].departments[1]", "no roster row has department 'finanse' — did you mean 'finance'?",
                "warning")]
    assert reference_warnings(plan, set(), set()) == []  # nothing loaded yet: nothing to say
    assert [str(w) for w in reference_warnings(plan, {"legal", "finance"}, {"limits"})] == [
        "stages[0].required_training[0]: no training row has module 'purpose'",
        "stages[1].departments[1]: no roster row has department 'finanse' — did you mean 'finance'?"]
