"""A gate review: one stage of the plan judged on one window (DESIGN.md §4).

The stage is judged on its review period P (gates.period): the months of the window in which it was
in force throughout, else the part of the window in which it was; triggers look back from P's last
day. When P is two or more whole months, a criterion on an accumulating metric is judged on the
mean of its monthly values.

`review` is pure: given P's metric values (and its months' when judged per month), each trigger's
value over its own window and the training completion for the stage, it returns an Evaluation —
every criterion, trigger and readiness item, and the recommendation. `evaluate` finds P, gathers
those values and calls `review`: by default with metrics.compute on a connection; a caller that
keeps metric values (the pages cache them per window) passes its own `values(ctx, window)` instead.
Pages, the command line and snapshots all review through `evaluate` and render the Evaluation
record; none recompute it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict

import metrics
from core.calendar import month_key
from gates.criteria import CriterionResult, Method, judge
from gates.period import ReviewPeriod, months_text, review_period
from gates.plan import Gate, Plan, Stage
from gates.readiness import ReadinessInput, ReadinessItem, readiness
from gates.recommend import Recommendation, days_run, recommend
from gates.triggers import TriggerResult, check_trigger, trigger_window
from metrics.model import MetricContext, MetricValue, Window
from metrics.periods import Training, kept_scans
from metrics.registry import REGISTRY

TRAINING_METRIC = "adoption.training_completion_rate"

Values = Callable[[MetricContext, Window], Mapping[str, MetricValue]]
"""Every metric of a window under a context: metrics.compute on a connection, or a cache in front of it."""


class Evaluation(BaseModel):
    """One gate review. Grain: one plan stage × one window (with its filters)."""

    model_config = ConfigDict(frozen=True)

    stage: str
    stage_name: str
    start: date                # the window asked for
    end: date
    period_start: date         # the review period judged (gates.period)
    period_end: date
    period_note: str | None    # why the period differs from the window, when it does
    judged_months: tuple[str, ...] = ()  # 'YYYY-MM' of the months whose mean judges accumulating metrics
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
    method: Method = "fixed"  # the plan's evidence method: whose interval judged the criteria

    @property
    def window(self) -> Window:
        return Window(self.start, self.end, self.department, self.use_case)

    @property
    def period(self) -> Window:
        return Window(self.period_start, self.period_end, self.department, self.use_case)

    @property
    def fired(self) -> tuple[TriggerResult, ...]:
        return tuple(t for t in self.triggers if t.fired)

    def as_json(self) -> dict[str, Any]:
        """The review as `cli.py evaluate --json` prints it: the keys of DESIGN.md §6, then stage name,
        days run and the plan's identity."""
        window: dict[str, Any] = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        window |= {k: v for k, v in (("department", self.department), ("use_case", self.use_case)) if v}
        period: dict[str, Any] = {"from": self.period_start.isoformat(), "to": self.period_end.isoformat(),
                                  "note": self.period_note, "months": list(self.judged_months)}
        return {
            "stage": self.stage,
            "window": window,
            "period": period,
            "criteria": [c.as_json() for c in self.criteria],
            "triggers": [t.as_json() for t in self.triggers],
            "readiness": [r.as_json() for r in self.readiness],
            "recommendation": self.recommendation.as_json(),
            "stage_name": self.stage_name,
            "days_run": self.days_run,
            "plan": {"name": self.plan_name, "sha256": self.plan_sha256},
            "evidence_method": self.method,
        }


def review(plan: Plan, stage_id: str, window: Window, values: Mapping[str, MetricValue],
           trigger_values: Sequence[MetricValue], *, period: ReviewPeriod | None = None,
           months: Mapping[str, Mapping[str, MetricValue]] | None = None) -> Evaluation:
    """Judge stage `stage_id` of `plan`, asked on `window`, on its review period. Pure.

    values: every metric over the period; trigger_values: for each pause trigger of the plan, in order,
    its metric over its own window; period: the review period (default: the window whole); months:
    {'YYYY-MM': every metric of that month} for the period's months, when it is judged per month. The
    stage is in force on the period's last day, so the period's training completion is measured
    against the stage's own modules.
    """
    stage = plan.stage(stage_id)
    period = period or ReviewPeriod(window, (), None)
    p = period.window
    per_month = period.by_month and months is not None
    criteria = _criteria(stage, values, months, period, plan.currency, plan.evidence.method)
    triggers = tuple(check_trigger(t, mv, p.end, plan.fallback.options, plan.currency)
                     for t, mv in zip(plan.pause_triggers, trigger_values, strict=True))
    ready = readiness(ReadinessInput(plan, stage, values[TRAINING_METRIC], p.end))
    outcome = recommend(criteria, triggers, ready, stage.id, stage.starts_on, stage.min_duration_days, p.end)
    return Evaluation(
        stage=stage.id, stage_name=stage.name, start=window.start, end=window.end, period_start=p.start,
        period_end=p.end, period_note=period.note,
        judged_months=tuple(month_key(m.start) for m in period.months) if per_month else (),
        department=window.department, use_case=window.use_case, days_run=days_run(stage.starts_on, p.end),
        criteria=criteria, triggers=triggers, readiness=ready, recommendation=outcome, plan_name=plan.name,
        plan_sha256=plan.sha256, currency=plan.currency, metrics=dict(values), method=plan.evidence.method,
    )


def _criteria(stage: Stage, values: Mapping[str, MetricValue], months: Mapping[str, Mapping[str, MetricValue]] | None,
              period: ReviewPeriod, currency: str, method: Method) -> tuple[CriterionResult, ...]:
    """Every gate of `stage`, judged on the period (per month when `months` are given and it has two or more)
    with the plan's evidence method."""
    per_month = months if period.by_month and months is not None else None
    return tuple(_criterion(g, values, per_month, period, currency, method) for g in stage.gates)


def _criterion(gate: Gate, values: Mapping[str, MetricValue], months: Mapping[str, Mapping[str, MetricValue]] | None,
               period: ReviewPeriod, currency: str, method: Method) -> CriterionResult:
    """A gate judged on the period whole, or, for an accumulating metric over two or more whole months, on
    the mean of its monthly values (a count over three months is not three times a monthly limit)."""
    if months is None or not REGISTRY[gate.metric].accumulates:
        return judge(gate, values[gate.metric], currency, method=method)
    monthly = [months[month_key(m.start)][gate.metric] for m in period.months]
    return judge(gate, monthly_mean(gate.metric, monthly), currency, basis=f"mean of {months_text(period.months)}",
                 method=method)


def monthly_mean(metric_id: str, monthly: Sequence[MetricValue]) -> MetricValue:
    """DESIGN.md §4 "Per-month criteria": the mean of a metric's monthly values, n the mean of their n
    rounded down. A month an export does not cover makes it unknown (its reasons); a month null only
    for an empty denominator is left out; all null gives null."""
    missing = list(dict.fromkeys(m.missing for m in monthly if m.missing))
    if missing:
        return MetricValue(metric_id, None, missing="; ".join(missing))
    known = [m for m in monthly if m.value is not None]
    if not known:
        return MetricValue(metric_id, None)
    ns = [m.n for m in known]
    n = None if any(x is None for x in ns) else sum(x for x in ns if x is not None) // len(ns)
    return MetricValue(metric_id, sum(m.value for m in known if m.value is not None) / len(known), n)


@dataclass(frozen=True)
class StageCriteria:
    """A stage's gates judged on its review period, as `evaluate` judges them, without the pause triggers,
    readiness and recommendation: what a family page shows beside each metric, for the cost of the period's
    numbers only (a trigger looks at its own days, often another window)."""

    period: ReviewPeriod
    criteria: tuple[CriterionResult, ...]
    metrics: Mapping[str, MetricValue]  # every metric of the period


def _sources(con: duckdb.DuckDBPyConnection | None, plan: Plan, stage: Stage, window: Window,
             values: Values | None) -> tuple[ReviewPeriod, Values, dict[str, Mapping[str, MetricValue]] | None]:
    """The review period of `stage` in `window`, how to get a window's metrics (`values`, or metrics.compute on
    `con` reading the training table once), and the period's months when its gates are judged per month."""
    period = review_period(plan, stage, window)
    ctx = plan.metric_context()
    months: dict[str, Mapping[str, MetricValue]] | None = None
    per_month = period.by_month and any(REGISTRY[g.metric].accumulates for g in stage.gates)
    if values is None:
        if con is None:
            raise TypeError("evaluate needs a connection or a way to get metric values")
        training = Training(ctx)  # one scan of the training table for every window asked
        if per_month:  # every month in one grouped pass, kept: the period whole is the sum of its months
            kept = kept_scans(ctx, period.window, training)
            months = dict(metrics.monthly(con, ctx, period.window, scans=kept))
            values = partial(metrics.compute, con, training=training, scans=kept)
        else:
            values = partial(metrics.compute, con, training=training)
    elif per_month:
        months = {month_key(m.start): values(ctx, m) for m in period.months}
    return period, values, months


def stage_criteria(con: duckdb.DuckDBPyConnection | None, plan: Plan, stage_id: str, window: Window, *,
                   values: Values | None = None) -> StageCriteria:
    """The gates of stage `stage_id` judged on its review period in `window`, exactly as `evaluate` judges
    them. Arguments and errors as for `evaluate`."""
    stage = plan.stage(stage_id)
    period, get, months = _sources(con, plan, stage, window, values)
    found = get(plan.metric_context(), period.window)
    return StageCriteria(period, _criteria(stage, found, months, period, plan.currency, plan.evidence.method),
                         found)


def evaluate(con: duckdb.DuckDBPyConnection | None, plan: Plan, stage_id: str, window: Window, *,
             values: Values | None = None) -> Evaluation:
    """Get the metrics of `window` and of each trigger's window, and review stage `stage_id`.

    values: every metric of a window under a context (default: metrics.compute on `con`; `con` may be
    None when `values` is given). Each distinct window is asked once. InputError (listing the plan's
    stages) when the plan has no such stage; gates.period.NotInForce when the stage was not in force
    on any day of the window.
    """
    stage = plan.stage(stage_id)
    period, get, months = _sources(con, plan, stage, window, values)
    p = period.window
    ctx = plan.metric_context()
    asked: dict[Window, Mapping[str, MetricValue]] = {p: get(ctx, p)}
    for t in plan.pause_triggers:
        tw = trigger_window(t, p)
        if tw not in asked:
            asked[tw] = get(ctx, tw)
    trigger_values = [asked[trigger_window(t, p)][t.metric] for t in plan.pause_triggers]
    return review(plan, stage.id, window, asked[p], trigger_values, period=period, months=months)
