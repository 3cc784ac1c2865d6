"""Plan bounds (DESIGN.md §4): numbers finite and in range, a share's limits between 0 and 1, lists and
texts of sensible length, files of sensible size and depth — each refused by its path, the same way by
`plan check`, the Plan page and every loader of a plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_plan import BASE, DELETE, dumps_toml, problems, with_changes

from core.errors import InputError
from gates.plan import Plan
from gates.plan_check import check_plan
from gates.plan_io import MAX_PLAN_BYTES, check_text, load_plan, read_plan_file
from metrics.registry import METRICS

ROOT = Path(__file__).resolve().parent.parent
SHARE = "is not between 0 and 1, and 'quality.error_rate' is a share: write its limits as a fraction (10% is 0.1)"
GATE = ("stages", 0, "gates", 0)
TRIGGER = ("pause_triggers", 0)


def test_the_shares_are_the_parts_of_a_whole() -> None:
    assert [m.id for m in METRICS if m.share] == [
        "quality.error_rate", "quality.severe_error_rate", "quality.rejection_rate", "quality.acceptance_rate",
        "risk.unauthorised_use_share", "adoption.activation_rate", "adoption.heavy_user_share",
        "adoption.scope_drift_share", "adoption.training_completion_rate", "support.confusion_share"]


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param([((*GATE, "threshold"), 1.5)], [f"stages[0].gates[0].threshold: 1.5 {SHARE}"], id="share-above-1"),
    pytest.param([((*GATE, "threshold"), 10)], [f"stages[0].gates[0].threshold: 10 {SHARE}"], id="share-as-percent"),
    pytest.param([((*GATE, "warn"), -0.05)], [f"stages[0].gates[0].warn: -0.05 {SHARE}"], id="share-warn-below-0"),
    pytest.param([((*TRIGGER, "metric"), "adoption.scope_drift_share"), ((*TRIGGER, "value"), 30)],
                 ["pause_triggers[0].value: 30 is not between 0 and 1, and 'adoption.scope_drift_share' is a share: "
                  "write its limits as a fraction (10% is 0.1)"], id="share-trigger"),
    pytest.param([((*GATE, "threshold"), float("nan"))],
                 ["stages[0].gates[0].threshold: should be a finite number, not nan"], id="nan-threshold"),
    pytest.param([((*GATE, "warn"), float("inf"))],
                 ["stages[0].gates[0].warn: should be a finite number, not inf"], id="infinite-warn"),
    pytest.param([((*TRIGGER, "value"), float("-inf"))],
                 ["pause_triggers[0].value: should be a finite number, not -inf"], id="infinite-trigger"),
    pytest.param([((*GATE, "threshold"), 10**400)],
                 ["stages[0].gates[0].threshold: should be a number, not "
                  "10000000000000000000000000000000000000000000000000000000000…"], id="number-beyond-floats"),
    pytest.param([((*GATE, "min_sample"), 0)], ["stages[0].gates[0].min_sample: should be at least 1, not 0"],
                 id="min-sample-0"),
    pytest.param([((*GATE, "min_sample"), 1_000_001)],
                 ["stages[0].gates[0].min_sample: should be at most 1,000,000, not 1000001"], id="min-sample-huge"),
    pytest.param([((*TRIGGER, "window_days"), 999_999_999)],
                 ["pause_triggers[0].window_days: should be at most 366, not 999999999"], id="window-days-huge"),
    pytest.param([((*TRIGGER, "window_days"), 367)],
                 ["pause_triggers[0].window_days: should be at most 366, not 367"], id="window-days-367"),
    pytest.param([(("stages", 0, "gates", 2, "threshold"), 1.7e308)],
                 ["stages[0].gates[2].threshold: should be between -1,000,000,000,000 and 1,000,000,000,000, not "
                  "1.7e+308"], id="limit-beyond-any-data"),
    pytest.param([((*TRIGGER, "value"), 1e12 + 1)],
                 ["pause_triggers[0].value: should be between -1,000,000,000,000 and 1,000,000,000,000, not "
                  "1,000,000,000,001"], id="trigger-beyond-any-data"),
    pytest.param([(("stages", 0, "min_duration_days"), -1)],
                 ["stages[0].min_duration_days: should be at least 0, not -1"], id="duration-negative"),
    pytest.param([(("stages", 0, "min_duration_days"), 3_661)],
                 ["stages[0].min_duration_days: should be at most 3,660, not 3661"], id="duration-huge"),
    pytest.param([(("hourly_rate",), 10_000.5)], ["hourly_rate: should be at most 10,000, not 10000.5"],
                 id="rate-huge"),
    pytest.param([(("stages", 0, "monthly_budget"), -0.5)],
                 ["stages[0].monthly_budget: should be at least 0, not -0.5"],
                 id="budget-negative"),
    pytest.param([(("stages", 0, "monthly_budget"), 1_000_000_001)],
                 ["stages[0].monthly_budget: should be at most 1,000,000,000, not 1000000001"], id="budget-huge"),
    pytest.param([(("use_cases", 0, "default_minutes_saved"), 1_441)],
                 ["use_cases[0].default_minutes_saved: should be at most 1,440, not 1441"], id="minutes-huge"),
    pytest.param([(("owner",), "x" * 1_001)], ["owner: is 1,001 characters long; keep it to 1,000 characters or fewer"],
                 id="long-owner"),
    pytest.param([(("data_rules",), ["ok", "r" * 5_000])],
                 ["data_rules[1]: is 5,000 characters long; keep it to 1,000 characters or fewer"], id="long-rule"),
    pytest.param([(("use_cases", 1, "description"), "d" * 1_001)],
                 ["use_cases[1].description: is 1,001 characters long; keep it to 1,000 characters or fewer"],
                 id="long-description"),
    pytest.param([(("stages", 1, "departments"), ["legal", "f" * 1_001])],
                 ["stages[1].departments[1]: is 1,001 characters long; keep it to 1,000 characters or fewer"],
                 id="long-department"),
    pytest.param([((*GATE, "metric"), "q" * 2_000)],
                 ["stages[0].gates[0].metric: is 2,000 characters long; keep it to 1,000 characters or fewer"],
                 id="long-metric-not-quoted"),
    pytest.param([((*GATE, "op"), "<" * 3_000)],
                 ["stages[0].gates[0].op: unknown operator '" + "<" * 58 + "…; use one of <=, >="], id="long-op"),
    pytest.param([(("mappings",), {"jira_category": {"k" * 1_001: "bug", "Bug": "b" * 1_001}})],
                 ['mappings.jira_category."' + "k" * 59 + '…": the export value is 1,001 characters long; keep it '
                  "to 1,000 characters or fewer",
                  "mappings.jira_category.Bug: is 1,001 characters long; keep it to 1,000 characters or fewer"],
                 id="long-mapping"),
])
def test_each_bound_is_refused_by_path(changes: list[tuple[tuple[str | int, ...], Any]], expected: list[str]) -> None:
    assert problems(with_changes(*changes)) == expected


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param([((*GATE, "threshold"), 0), ((*GATE, "warn"), DELETE), ((*GATE, "min_sample"), 1_000_000)],
                 [], id="share-at-0"),
    pytest.param([((*GATE, "threshold"), 1), ((*GATE, "op"), ">="), ((*GATE, "warn"), 1)], [], id="share-at-1"),
    pytest.param([((*TRIGGER, "window_days"), 366), ((*TRIGGER, "metric"), "cost.budget_utilisation"),
                  ((*TRIGGER, "value"), 1.25)], [], id="budget-use-may-pass-1"),
    pytest.param([((*GATE, "metric"), "cost.value_to_cost_ratio"), ((*GATE, "op"), ">="), ((*GATE, "threshold"), 1.2),
                  ((*GATE, "warn"), 1.5), ((*GATE, "min_sample"), DELETE)], [], id="value-to-cost-may-pass-1"),
    pytest.param([(("stages", 0, "gates", 2, "threshold"), -1e12), ((*TRIGGER, "value"), 1e12)], [],
                 id="limits-at-10-to-the-12"),
    pytest.param([(("hourly_rate",), 10_000), (("stages", 0, "monthly_budget"), 1_000_000_000),
                  (("stages", 0, "min_duration_days"), 3_660), (("use_cases", 0, "default_minutes_saved"), 1_440),
                  (("owner",), "o" * 1_000)], [], id="every-upper-bound"),
])
def test_values_at_the_bounds_are_accepted(changes: list[tuple[tuple[str | int, ...], Any]],
                                           expected: list[str]) -> None:
    assert problems(with_changes(*changes)) == expected


def test_a_warn_level_is_checked_only_against_a_valid_threshold() -> None:
    # A threshold refused for its own reason says so once; its warn level is not judged against it.
    assert problems(with_changes(((*GATE, "threshold"), 2.0), ((*GATE, "warn"), 0.5))) == [
        f"stages[0].gates[0].threshold: 2 {SHARE}"]


def _stages(count: int) -> list[dict[str, Any]]:
    return [{"id": f"s{i}", "name": f"Stage {i}", "starts_on": date(2026, 1, 1) + timedelta(days=i),
             "mode": "standard"} for i in range(count)]


def test_too_many_stages_gates_or_triggers() -> None:
    gate = BASE["stages"][0]["gates"][2]
    trigger = BASE["pause_triggers"][0]
    assert problems(with_changes((("stages",), _stages(51)))) == [
        "stages: a plan may have at most 50 stages; this one has 51"]
    assert problems(with_changes((("stages", 1, "gates"), [gate] * 201))) == [
        "stages[1].gates: a stage may have at most 200 gates; this one has 201"]
    assert problems(with_changes((("pause_triggers",), [dict(trigger, name=f"t{i}") for i in range(101)]))) == [
        "pause_triggers: a plan may have at most 100 pause triggers; this one has 101"]
    assert problems(with_changes((("stages",), _stages(50)), (("stages", 0, "gates"), [gate] * 200),
                                 (("pause_triggers",), [dict(trigger, name=f"t{i}") for i in range(100)]))) == []


def test_data_nested_deeper_than_a_plan_can_be_is_refused_where_it_gets_too_deep() -> None:
    deep: dict[str, Any] = {}
    level = deep
    for key in "abcdefghij":
        level[key] = {}
        level = level[key]
    assert problems(with_changes((("mappings",), deep))) == [
        "mappings.a.b.c.d.e.f.g.h.i.j: tables and lists are nested more than 10 levels deep here; a rollout plan "
        "needs at most 4 (stages, their gates): check that this is a plan"]
    nine: dict[str, Any] = {}
    level = nine
    for key in "abcdefghi":
        level[key] = {}
        level = level[key]
    assert problems(with_changes((("mappings",), nine))) == ["mappings.a: unknown mapping table; the mapping tables "
                                                            "are copilot_use_case, m365_use_case, chatgpt_use_case, "
                                                            "jira_category, servicenow_severity, servicenow_status, "
                                                            "servicenow_category, moodle_module"]


NESTED = ("line 3: lists and tables are nested more than 10 levels deep; a rollout plan needs at most 4 (stages, "
          "their gates): check that this is a plan")


@pytest.mark.parametrize("depth", [11, 100_000])
def test_toml_nested_too_deep_is_refused_before_it_is_parsed(depth: int) -> None:
    text = 'name = "x"\nowner = "y"\nlimits = ' + "[" * depth + "1" + "]" * depth + "\n"
    assert [str(p) for p in check_text(text).problems] == [NESTED]


def test_brackets_inside_strings_and_comments_do_not_count_as_nesting() -> None:
    brackets = "[" * 20 + "{" * 20
    top, rest = dumps_toml(BASE).split("\n\n", 1)
    kept = [line for line in top.splitlines() if not line.startswith(("name =", "owner =", "support_contact =",
                                                                      "currency ="))]
    text = (f'# {brackets}\nname = "{brackets}"\nowner = \'{brackets}\'\nsupport_contact = """\n{brackets}\\""" '
            f'"""\ncurrency = \'\'\'{brackets}\'\'\'\'\n'
            + "\n".join(kept) + "\n\n" + rest)
    checked = check_text(text)
    assert [str(p) for p in checked.problems] == []
    assert checked.plan is not None
    assert (checked.plan.name, checked.plan.owner) == (brackets, brackets)
    assert checked.plan.currency == brackets.upper() + "'"
    assert checked.plan.support_contact == f'{brackets}""" '


def test_toml_values_that_are_not_finite_are_refused() -> None:
    text = dumps_toml(BASE).replace("threshold = 0.1\n", "threshold = nan\n", 1).replace("value = 1\n", "value = inf\n")
    assert [str(p) for p in check_text(text).problems] == [
        "stages[0].gates[0].threshold: should be a finite number, not nan",
        "pause_triggers[0].value: should be a finite number, not inf"]


SIZE = ("the plan is larger than 1 MiB (1,048,576 bytes); a rollout plan is a short text file: check that this is "
        "the right file")


def test_a_plan_of_up_to_1_mib_is_read_and_a_larger_one_is_refused(tmp_path: Path) -> None:
    text = dumps_toml(BASE)
    padded = text + "#" * (MAX_PLAN_BYTES - len(text.encode()) - 1) + "\n"
    assert len(padded.encode()) == MAX_PLAN_BYTES
    assert check_text(padded).ok
    assert [str(p) for p in check_text(padded + " ").problems] == [SIZE]
    assert [str(p) for p in check_text((padded + " ").encode()).problems] == [SIZE]
    big = tmp_path / "big.toml"
    with big.open("wb") as f:  # 5 GB of nothing on disk: read only as far as the limit
        f.truncate(5 * 1024**3)
    assert len(read_plan_file(big)) == MAX_PLAN_BYTES + 1
    with pytest.raises(InputError) as refused:
        load_plan(big)
    assert str(refused.value) == f"big.toml: the plan has 1 problem; fix it and try again:\n  {SIZE}"


def test_a_plan_built_in_code_is_held_to_the_same_bounds() -> None:
    with pytest.raises(ValueError, match="window_days\n  Input should be less than or equal to 366"):
        Plan.model_validate(with_changes(((*TRIGGER, "window_days"), 999_999_999)))
    with pytest.raises(ValueError, match=r"threshold\n  Value error, 1.5 is not between 0 and 1"):
        Plan.model_validate(with_changes(((*GATE, "threshold"), 1.5)))


def _cli(*args: str, plan: Path, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(db), "ROLLGATE_PLAN": str(plan)}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_plan_check_and_evaluate_refuse_a_plan_out_of_bounds(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(dumps_toml(BASE).replace("window_days = 30", "window_days = 999999999")
                    .replace("threshold = 0.1\n", "threshold = 1.5\n", 1))
    expected = ("error: plan.toml: the plan has 2 problems; fix them and try again:\n"
                f"  stages[0].gates[0].threshold: 1.5 {SHARE}\n"
                "  pause_triggers[0].window_days: should be at most 366, not 999999999\n")
    checked = _cli("plan", "check", str(plan), plan=plan, db=tmp_path / "r.duckdb")
    assert (checked.returncode, checked.stdout, checked.stderr) == (1, "", expected)
    evaluated = _cli("evaluate", "--stage", "pilot", "--month", "2026-03", plan=plan, db=tmp_path / "r.duckdb")
    assert (evaluated.returncode, evaluated.stdout, evaluated.stderr) == (1, "", expected)
    assert not (tmp_path / "r.duckdb").exists()  # refused before the database was opened


def test_the_default_plan_holds_to_every_bound() -> None:
    plan = load_plan(ROOT / "data" / "plan.toml")
    assert check_plan(plan.as_data()).ok


def test_the_plan_page_refuses_a_plan_out_of_bounds_and_keeps_the_saved_one(demo_db: Path, tmp_path: Path) -> None:
    from pages_fixture import PLAN, app, run, texts

    saved = (tmp_path / "plan.toml").read_text()
    at = app("pages/plan.py")
    at.text_area(key="plan_editor").set_value(PLAN.read_text().replace("window_days = 30", "window_days = 999999999",
                                                                       1))
    at.button(key="plan_save").click()
    run(at)
    assert texts(at.error) == ("Not saved: the plan has 1 problem; fix it and try again.\n\n"
                               "- Pause trigger 'Unexpected data exposure', the days it looks back: should be at most "
                               "366, not 999999999")
    assert (tmp_path / "plan.toml").read_text() == saved


def _plan_at_the_bounds() -> str:
    """The default plan pushed to every bound: the first stage starting in year 1 and the last in 9999, the
    longest minimum duration, the largest rate and default minutes, the smallest budgets, trigger windows of
    a year, and every limit that is not a share at ±10^12."""
    import tomllib

    from gates.plan_io import dumps_plan
    from metrics.registry import REGISTRY

    data = tomllib.loads((ROOT / "data" / "plan.toml").read_text())
    data["hourly_rate"] = 10_000
    for use_case in data["use_cases"]:
        use_case["default_minutes_saved"] = 1_440
    data["stages"][0]["starts_on"], data["stages"][-1]["starts_on"] = date(1, 1, 1), date(9999, 12, 31)
    for stage in data["stages"]:
        stage["min_duration_days"], stage["monthly_budget"] = 3_660, 1e-300
        for gate in stage["gates"]:
            if not REGISTRY[gate["metric"]].share:
                gate["threshold"] = -1e12 if gate["op"] == ">=" else 1e12
                gate.pop("warn", None)
    for trigger in data["pause_triggers"]:
        trigger["window_days"] = 366
        if not REGISTRY[trigger["metric"]].share:
            trigger["value"] = 1e12
    checked = check_plan(data)
    assert checked.plan is not None, checked.problems
    return dumps_plan(checked.plan)


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def test_a_plan_at_every_bound_can_be_evaluated_and_recorded(tmp_path: Path) -> None:
    from snapshot_fixture import demo_database

    db = demo_database(tmp_path)
    plan = tmp_path / "plan.toml"
    plan.write_text(_plan_at_the_bounds())
    outcomes = []
    for stage, month in (("pilot", "2026-03"), ("department", "2026-06")):
        result = _cli("evaluate", "--stage", stage, "--month", month, "--json", plan=plan, db=db)
        assert result.returncode == 0, result.stderr
        outcomes.append(json.loads(result.stdout, parse_constant=_not_json)["recommendation"]["outcome"])
    assert outcomes == ["limit", "redesign"]  # the error rates of March and June; no trigger reaches 10^12
    # the last stage starts on 31 December 9999: no window holds a day of it
    never = _cli("evaluate", "--stage", "extra-review", "--month", "2026-06", "--json", plan=plan, db=db)
    assert (never.returncode, never.stdout) == (1, "")
    assert never.stderr == ("error: stage 'extra-review' was not in force between 1 Jun 2026 and 30 Jun 2026 (it runs "
                            "from 31 Dec 9999); choose a window in which it was, or the stage in force then.\n")
    recorded = _cli("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "redesign", "--by",
                    "Chair", "--out", str(tmp_path / "out"), "--json", plan=plan, db=db)
    assert recorded.returncode == 0, recorded.stderr
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".csv", ".html", ".json"]


def test_the_pages_show_a_plan_at_every_bound(demo_db: Path, tmp_path: Path) -> None:
    from pages_fixture import PAGES, app

    (tmp_path / "plan.toml").write_text(_plan_at_the_bounds())
    at = app()
    for page in PAGES:
        at.switch_page(page).run()
        assert [e.value for e in at.exception] == [], page


def test_the_pages_refuse_a_saved_plan_out_of_bounds_without_failing(demo_db: Path, tmp_path: Path) -> None:
    from pages_fixture import PAGES, app, texts

    plan = tmp_path / "plan.toml"
    plan.write_text(plan.read_text().replace("window_days = 30", "window_days = 999999999", 1))
    at = app()
    for page in PAGES:
        at.switch_page(page).run()
        assert [e.value for e in at.exception] == [], page
        shown = "\n".join((texts(at.error), texts(at.warning), texts(at.markdown)))
        if page == "pages/plan.py":
            assert ("Pause trigger 'Unexpected data exposure', the days it looks back: should be at most 366, not "
                    "999999999") in shown
        elif page not in ("pages/snapshots.py", "pages/upload.py"):  # the record and the import need no plan
            assert "The rollout plan (plan.toml) has 1 problem(s), so nothing can be judged against it." in shown, page
