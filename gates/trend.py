"""Gate verdicts on one metric beyond the review window: each month of a trend, judged by the gate of the
stage in force on the month's last day, and each group of a breakdown (a department, a use case), judged
by one stage's gate. Also which stage is in force when, and each stage's period on a time axis.

The charts draw these verdicts as they come (ui.charts); every status is gates.criteria.judge's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from core.calendar import month_of_key
from core.words import Status
from gates.criteria import judge
from gates.plan import Gate, Plan, Stage
from metrics.model import MetricValue


@dataclass(frozen=True)
class Verdict:
    """One value of a metric and the gate's status on it; None where no gate applies. `key` is a month
    ('YYYY-MM') of a trend or a group of a breakdown."""

    key: str
    value: MetricValue
    status: Status | None


@dataclass(frozen=True)
class StagePeriod:
    """The days [start, end] (inclusive) on which `stage` is in force, within some span."""

    stage: Stage
    start: date
    end: date


def stage_on(plan: Plan, day: date) -> Stage | None:
    """The plan stage in force on `day`; None before the first stage."""
    scope = plan.metric_context().stage_on(day)
    return plan.stage(scope.id) if scope is not None else None


def gate_on(stage: Stage | None, metric_id: str) -> Gate | None:
    """The stage's gate on a metric (the first, if a stage lists two), or None."""
    if stage is None:
        return None
    return next((g for g in stage.gates if g.metric == metric_id), None)


def stage_periods(plan: Plan, first: date, last: date) -> tuple[StagePeriod, ...]:
    """Each stage's period clipped to [first, last]; stages in force on none of those days are left out."""
    out = []
    for i, stage in enumerate(plan.stages):
        following = plan.stages[i + 1].starts_on if i + 1 < len(plan.stages) else last + timedelta(days=1)
        start, end = max(stage.starts_on, first), min(following - timedelta(days=1), last)
        if start <= end:
            out.append(StagePeriod(stage, start, end))
    return tuple(out)


def _verdict(key: str, gate: Gate | None, mv: MetricValue, plan: Plan) -> Verdict:
    """`mv` judged by `gate` (none: no status) as a review would judge it: the plan's currency and evidence method."""
    return Verdict(key, mv, judge(gate, mv, plan.currency, method=plan.evidence.method).status
                   if gate is not None else None)


def judge_months(plan: Plan, metric_id: str, monthly: Mapping[str, Mapping[str, MetricValue]]) -> tuple[Verdict, ...]:
    """The metric in each month of `monthly` ({'YYYY-MM': {metric id: MetricValue}}, in its order), each
    judged by the gate of the stage in force on the month's last day."""
    return tuple(_verdict(key, gate_on(stage_on(plan, month_of_key(key)[1]), metric_id), found[metric_id],
                          plan) for key, found in monthly.items())


def judge_groups(plan: Plan, stage: Stage | None, metric_id: str,
                 groups: Iterable[tuple[str, MetricValue]]) -> tuple[Verdict, ...]:
    """The metric for each (group, value), each judged by `stage`'s gate on it (none without a stage)."""
    gate = gate_on(stage, metric_id)
    return tuple(_verdict(key, gate, mv, plan) for key, mv in groups)
