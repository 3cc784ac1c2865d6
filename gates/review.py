"""A gate review: one stage of the plan judged on one window (DESIGN.md §4).

`review` is pure: given the window's metric values, each trigger's value over its own window and
the training completion for the stage, it returns an Evaluation — every criterion, trigger and
readiness item, and the recommendation. `evaluate` gathers those values and calls `review`: by
default with metrics.compute on a connection; a caller that keeps metric values (the pages cache
them per window) passes its own `values(ctx, window)` instead. Pages, the command line and
snapshots all review through `evaluate` and render the Evaluation record; none recompute it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict

import metrics
from gates.criteria import CriterionResult, judge
from gates.plan import Plan, Stage
from gates.readiness import ReadinessInput, ReadinessItem, readiness
from gates.recommend import Recommendation, days_run, recommend
from gates.triggers import TriggerResult, check_trigger, trigger_window
from metrics.model import MetricContext, MetricValue, Window

TRAINING_METRIC = "adoption.training_completion_rate"

Values = Callable[[MetricContext, Window], Mapping[str, MetricValue]]
"""Every metric of a window under a context: metrics.compute on a connection, or a cache in front of it."""


class Evaluation(BaseModel):
    """One gate review. Grain: one plan stage × one window (with its filters)."""

    model_config = ConfigDict(frozen=True)

    stage: str
    stage_name: str
    start: date
    end: date
    department: str | None
    use_case: str | None
    days_run: int
    criteria: tuple[CriterionResult, ...]
    triggers: tuple[TriggerResult, ...]
    readiness: tuple[ReadinessItem, ...]
    recommendation: Recommendation
    plan_name: str
    plan_sha256: str
    currency: str
    metrics: dict[str, MetricValue]  # every metric of the window, as judged

    @property
    def window(self) -> Window:
        return Window(self.start, self.end, self.department, self.use_case)

    @property
    def fired(self) -> tuple[TriggerResult, ...]:
        return tuple(t for t in self.triggers if t.fired)

    def as_json(self) -> dict[str, Any]:
        """The review as `cli.py evaluate --json` prints it: the keys of DESIGN.md §6, then stage name,
        days run and the plan's identity."""
        window: dict[str, Any] = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        window |= {k: v for k, v in (("department", self.department), ("use_case", self.use_case)) if v}
        return {
            "stage": self.stage,
            "window": window,
            "criteria": [c.as_json() for c in self.criteria],
            "triggers": [t.as_json() for t in self.triggers],
            "readiness": [r.as_json() for r in self.readiness],
            "recommendation": self.recommendation.as_json(),
            "stage_name": self.stage_name,
            "days_run": self.days_run,
            "plan": {"name": self.plan_name, "sha256": self.plan_sha256},
        }


def review(plan: Plan, stage_id: str, window: Window, values: Mapping[str, MetricValue],
           trigger_values: Sequence[MetricValue], trained: MetricValue | None = None) -> Evaluation:
    """Judge stage `stage_id` of `plan` on `window`. Pure.

    values: every metric over the window; trigger_values: for each pause trigger of the plan, in order,
    its metric over its own window; trained: training completion with the stage's required modules
    (default: values' adoption.training_completion_rate, i.e. the stage in force on the window's end).
    """
    stage = plan.stage(stage_id)
    criteria = tuple(judge(g, values[g.metric], plan.currency) for g in stage.gates)
    triggers = tuple(check_trigger(t, mv, window.end, plan.fallback.options, plan.currency)
                     for t, mv in zip(plan.pause_triggers, trigger_values, strict=True))
    ready = readiness(ReadinessInput(plan, stage, trained or values[TRAINING_METRIC], window.end))
    outcome = recommend(criteria, triggers, ready, stage.id, stage.starts_on, stage.min_duration_days, window.end)
    return Evaluation(
        stage=stage.id, stage_name=stage.name, start=window.start, end=window.end, department=window.department,
        use_case=window.use_case, days_run=days_run(stage.starts_on, window.end), criteria=criteria,
        triggers=triggers, readiness=ready, recommendation=outcome, plan_name=plan.name,
        plan_sha256=plan.sha256, currency=plan.currency, metrics=dict(values),
    )


def training_context(ctx: MetricContext, stage: Stage, window: Window) -> MetricContext | None:
    """A context in which `stage` is in force on the window's end, or None when it already is (with
    the same modules), so training completion is measured against the evaluated stage's modules."""
    in_force = ctx.stage_on(window.end)
    if in_force is not None and set(in_force.required_training) == set(stage.required_training):
        return None
    return replace(ctx, stages=(replace(stage.scope(), starts_on=min(stage.starts_on, window.start)),))


def evaluate(con: duckdb.DuckDBPyConnection | None, plan: Plan, stage_id: str, window: Window, *,
             values: Values | None = None) -> Evaluation:
    """Get the metrics of `window` and of each trigger's window, and review stage `stage_id`.

    values: every metric of a window under a context (default: metrics.compute on `con`; `con` may be
    None when `values` is given). Each distinct window is asked once. InputError (listing the plan's
    stages) when the plan has no such stage.
    """
    stage = plan.stage(stage_id)
    if values is None:
        if con is None:
            raise TypeError("evaluate needs a connection or a way to get metric values")
        values = partial(metrics.compute, con)
    ctx = plan.metric_context()
    asked: dict[Window, Mapping[str, MetricValue]] = {window: values(ctx, window)}
    for t in plan.pause_triggers:
        tw = trigger_window(t, window)
        if tw not in asked:
            asked[tw] = values(ctx, tw)
    trigger_values = [asked[trigger_window(t, window)][t.metric] for t in plan.pause_triggers]
    training_ctx = training_context(ctx, stage, window)
    trained = values(training_ctx, window)[TRAINING_METRIC] if training_ctx else None
    return review(plan, stage.id, window, asked[window], trigger_values, trained)
