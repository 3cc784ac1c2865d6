"""ui.plan_form: the plan in the units pages show, edited and written back, and what changes shown first."""

from __future__ import annotations

from datetime import date

import polars as pl
from pages_fixture import PLAN, plan

from gates.plan_io import check_text
from ui import plan_form


def test_gates_read_in_the_units_pages_show() -> None:
    table = plan_form.gates_table(plan(), 0)
    error = table.row(0, named=True)
    assert error == {"Metric": "Error rate", "Direction": "at most (≤)", "Limit": 10.0, "Warn level": 7.0,
                     "Unit": "%", "Minimum sample": 50, "If it fails": "limit the rollout"}
    units = dict(zip(plan_form.gates_table(plan(), 1)["Metric"], plan_form.gates_table(plan(), 1)["Unit"], strict=True))
    assert units["Error rate"] == "%" and units["Net hours per active user"] == "hours"
    assert set(units.values()) <= {"%", "EUR", "hours", "minutes", "×", "count", "score"}
    triggers = plan_form.triggers_table(plan())
    assert triggers.row(0, named=True)["Over the last (days)"] == 30


def test_an_edit_in_percent_is_written_as_a_fraction_and_shown_as_a_difference_first() -> None:
    p = plan()
    stages = [{"starts_on": s.starts_on, "min_duration_days": s.min_duration_days} for s in p.stages]
    stages[1]["min_duration_days"] = 75
    gates = [plan_form.gates_table(p, i) for i in range(len(p.stages))]
    gates[0] = gates[0].with_columns(pl.when(pl.col("Metric") == "Error rate").then(12.0).otherwise(pl.col("Limit"))
                                     .alias("Limit"))
    triggers = plan_form.triggers_table(p).with_columns(pl.lit(45).alias("Over the last (days)"))
    text = plan_form.edited_text(p, stages, gates, triggers, ["Return to manual drafting", "  ", "Second reviewer"])
    checked = check_text(text)
    assert checked.plan is not None, checked.problems
    assert checked.plan.stages[0].gates[0].threshold == 0.12
    assert checked.plan.stages[0].gates[0].warn == 0.07
    assert checked.plan.stages[1].min_duration_days == 75
    assert {t.window_days for t in checked.plan.pause_triggers} == {45}
    assert checked.plan.fallback.options == ("Return to manual drafting", "Second reviewer")
    # everything else as it was
    assert checked.plan.stages[2].gates == p.stages[2].gates and checked.plan.use_cases == p.use_cases
    change = plan_form.difference(p.content, text)
    assert change.startswith("--- plan as saved\n+++ plan as edited\n")
    assert "+    threshold = 0.12" in change.splitlines() or any(
        line.startswith("+") and "threshold = 0.12" in line for line in change.splitlines())


def test_unchanged_forms_give_the_same_plan() -> None:
    p = plan()
    stages = [{"starts_on": s.starts_on, "min_duration_days": s.min_duration_days} for s in p.stages]
    text = plan_form.edited_text(p, stages, [plan_form.gates_table(p, i) for i in range(len(p.stages))],
                                 plan_form.triggers_table(p))
    again = check_text(text).plan
    assert again is not None
    assert (again.stages, again.pause_triggers, again.fallback) == (p.stages, p.pause_triggers, p.fallback)
    assert again.stages[0].starts_on == date(2026, 1, 5)


def test_a_syntax_error_is_shown_with_numbered_lines_around_it() -> None:
    text = PLAN.read_text().replace('owner = "Head of Legal Operations"', 'owner = "Head of Legal Operations', 1)
    problem = check_text(text).problems[0]
    shown = plan_form.syntax_context(text, problem.message)
    assert shown is not None
    marked = [line for line in shown.splitlines() if line.startswith("▶")]
    assert len(marked) == 1 and 'owner = "Head of Legal Operations' in marked[0]
    assert marked[0].split("│")[0].strip().lstrip("▶").strip() == str(text.splitlines().index(
        'owner = "Head of Legal Operations') + 1)
