"""Freezing a gate review: an Evaluation, the person's decision and the evidence's provenance
become one Snapshot, appended to the store.

    snap = record_review(con, plan, evaluation, Decision(outcome="pause", decided_by="A. Chair",
                                                          rationale="..."))

`build_snapshot` is pure (every input given, the same inputs give the same content_sha256);
`record_review` gathers the monthly trends, provenance and the expansion forecast from the database,
checks the decision and appends the snapshot in one transaction (snapshots.store).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

import duckdb

import metrics
from core.access import Action, Actor, local, require
from core.calendar import add_months
from core.errors import InputError
from core.version import __version__
from gates.forecast import NEXT_STAGE, Ask, Forecast
from gates.forecast import forecast as expansion_forecast
from gates.plan import Outcome, Plan
from gates.recommend import SEVERITY
from gates.review import Evaluation, evaluate
from gates.triggers import trigger_window
from metrics.engine import months
from metrics.model import Window
from metrics.registry import REGISTRY
from snapshots import evidence, store
from snapshots import provenance as provenance_mod
from snapshots.record import (
    Decision,
    IncidentList,
    MetricRecord,
    Provenance,
    Snapshot,
    Source,
    TrendPoint,
    rounded,
    sealed,
    utc_stamp,
)

TREND_MONTHS = 12  # the report's charts show at most this many months, ending with the window's
MAX_NAME = 200
MAX_TEXT = 20_000


# -- the decision ---------------------------------------------------------------------------------

def check_decision(decision: Decision, evaluation: Evaluation) -> Decision:
    """The decision with its text trimmed, or InputError listing every problem: no decider, a
    decision other than the recommendation without a rationale, a next review before the window ends,
    text too long."""
    clean = decision.model_copy(update={"decided_by": decision.decided_by.strip(),
                                        "rationale": decision.rationale.strip(),
                                        "conditions": decision.conditions.strip()})
    problems = []
    if not clean.decided_by:
        problems.append("decided_by: say who decided (a name or role).")
    elif len(clean.decided_by) > MAX_NAME:
        problems.append(f"decided_by: at most {MAX_NAME} characters.")
    recommended = evaluation.recommendation.outcome
    if clean.outcome != recommended and not clean.rationale:
        problems.append(f"rationale: the decision '{clean.outcome}' differs from the recommendation "
                        f"'{recommended}'; write the rationale for deciding otherwise.")
    for field in ("rationale", "conditions"):
        if len(getattr(clean, field)) > MAX_TEXT:
            problems.append(f"{field}: at most {MAX_TEXT:,} characters.")
    if clean.next_review_on is not None and clean.next_review_on <= evaluation.end:
        problems.append(f"next_review_on: {clean.next_review_on} is not after the reviewed window, which ends "
                        f"{evaluation.end}; give a later date.")
    if problems:
        raise InputError("The decision was not recorded:\n  " + "\n  ".join(problems))
    return clean


def parse_outcome(text: str) -> Outcome:
    """An outcome word (any case, trimmed); InputError listing the outcomes otherwise."""
    word = text.strip().lower()
    if word not in SEVERITY:
        raise InputError(f"{text!r} is not a decision; choose one of {', '.join(SEVERITY)}.")
    return cast(Outcome, word)


# -- evidence beyond the evaluation ------------------------------------------------------------------

def trend_window(plan: Plan, window: Window, max_months: int = TREND_MONTHS) -> Window:
    """The months the report's trend charts cover: from the first stage's month (at most
    `max_months` months back from the window's end, never after the window's own first month) to the
    window's end, with the window's filters."""
    earliest = add_months(window.end, -(max_months - 1))
    first_stage = min((s.starts_on for s in plan.stages), default=window.start)
    start = max(earliest, first_stage.replace(day=1))
    return replace(window, start=min(start, window.start.replace(day=1)))


def monthly_trends(con: duckdb.DuckDBPyConnection, plan: Plan, span: Window) -> dict[str, tuple[TrendPoint, ...]]:
    """Every metric for every calendar month of `span` (each month cut to the span, same filters):
    {metric id: points in month order}."""
    found = metrics.monthly(con, plan.metric_context(), span)  # every month in one grouped pass
    points: dict[str, list[TrendPoint]] = {m.id: [] for m in metrics.METRICS}
    for w in months(span):
        for metric_id, mv in found[f"{w.start:%Y-%m}"].items():
            points[metric_id].append(TrendPoint(month=f"{w.start:%Y-%m}", from_=w.start, to=w.end, value=mv.value,
                                                n=mv.n))
    return {k: tuple(v) for k, v in points.items()}


def read_span(evaluation: Evaluation, plan: Plan, trend: Window) -> Window:
    """Every day the snapshot read: the review window, each trigger's window (looking back from the review
    period's end) and the trend months."""
    starts = [evaluation.start, trend.start] + [trigger_window(t, evaluation.period).start
                                                for t in plan.pause_triggers]
    return replace(evaluation.window, start=min(starts))


# -- the record -------------------------------------------------------------------------------------

def build_snapshot(*, evaluation: Evaluation, plan: Plan, decision: Decision,
                   trends: Mapping[str, tuple[TrendPoint, ...]], incidents: IncidentList,
                   sources: tuple[Source, ...], span: Window,
                   snapshot_id: int, created_at: datetime, previous_sha256: str | None = None,
                   supersedes: int | None = None, app_version: str = __version__,
                   forecast: Forecast | None = None) -> Snapshot:
    """The snapshot of `evaluation` judged against `plan`, with the decision (already checked with
    check_decision), trends, incidents, provenance and the expansion forecast shown beside the review (None: the
    record has none). Pure: the same inputs give the same content_sha256."""
    if plan.sha256 != evaluation.plan_sha256:
        raise InputError("The review was evaluated on another version of the plan (its sha256 differs); "
                         "evaluate again with this plan before recording the decision.")
    stage = plan.stage(evaluation.stage)
    data: dict[str, Any] = {
        "id": snapshot_id,
        "created_at": utc_stamp(created_at),
        "app_version": app_version,
        "supersedes": supersedes,
        "previous_sha256": previous_sha256,
        "plan": {"name": plan.name, "owner": plan.owner, "sha256": plan.sha256, "content": plan.content,
                 "stages": [{"id": s.id, "name": s.name, "starts_on": s.starts_on} for s in plan.stages]},
        "stage": {"id": stage.id, "name": stage.name, "starts_on": stage.starts_on, "mode": stage.mode,
                  "departments": stage.departments, "approved_use_cases": stage.approved_use_cases,
                  "min_duration_days": stage.min_duration_days, "days_run": evaluation.days_run},
        "window": {"from": evaluation.start, "to": evaluation.end, "department": evaluation.department,
                   "use_case": evaluation.use_case},
        "period": {"from": evaluation.period_start, "to": evaluation.period_end, "note": evaluation.period_note,
                   "months": evaluation.judged_months},
        "currency": evaluation.currency,
        "recommendation": evaluation.recommendation.model_dump(mode="json"),
        "decision": decision.model_dump(mode="json"),
        "criteria": [c.model_dump(mode="json") for c in evaluation.criteria],
        "triggers": [t.model_dump(mode="json") for t in evaluation.triggers],
        "readiness": [r.model_dump(mode="json") for r in evaluation.readiness],
        "forecast": forecast.as_json() if forecast is not None else None,
        "evidence_method": evaluation.method,
        "metrics": {k: MetricRecord(family=REGISTRY[k].family, label=REGISTRY[k].label, unit=REGISTRY[k].unit,
                                    value=mv.value, n=mv.n, low=mv.low, high=mv.high).model_dump(mode="json")
                    for k, mv in evaluation.metrics.items()},
        "trends": {k: [p.model_dump(mode="json", by_alias=True) for p in v] for k, v in trends.items()},
        "incidents": incidents.model_dump(mode="json"),
        "provenance": Provenance(from_=span.start, to=span.end, sources=sources).model_dump(mode="json",
                                                                                            by_alias=True),
    }
    return sealed(data)


def _evidence(evaluation: Evaluation) -> Any:
    """What a person saw of a review, at the precision a snapshot keeps."""
    return rounded({"review": evaluation.as_json(),
                    "metrics": {k: [v.value, v.n, v.low, v.high] for k, v in evaluation.metrics.items()}})


def review_forecast(con: duckdb.DuckDBPyConnection, plan: Plan, evaluation: Evaluation, ask: Ask | None
                    ) -> Forecast | None:
    """The expansion forecast a snapshot keeps beside its review: `ask` of the reviewed stage's months. None when
    nothing is asked, or nothing can be forecast (the last stage with no stage asked, no people to scale to): a
    decision is never refused for want of a forecast."""
    if ask is None:
        return None
    try:
        return expansion_forecast(con, plan, evaluation.stage, evaluation.window, ask)
    except InputError:
        return None


def record_review(con: duckdb.DuckDBPyConnection, plan: Plan, evaluation: Evaluation, decision: Decision, *,
                  supersedes: int | None = None, now: datetime | None = None, by: Actor | None = None,
                  forecast_ask: Ask | None = NEXT_STAGE) -> Snapshot:
    """Check the decision, gather trends, provenance and the forecast, and append the snapshot to the store.

    `evaluation` is the review the person decided on; it is computed again from the database first,
    so a decision is never recorded against evidence that changed after it was shown (an import or
    an undo in between). `forecast_ask` is the expansion forecast shown beside it (default: the next stage, its
    expected people, damping 1; None: no forecast). InputError (nothing stored) for a refused decision, a plan
    other than the evaluated one, evidence that changed, or a `supersedes` that names no stored snapshot."""
    # Who decides (DESIGN.md §11): signed in, the record names them, whatever the decision says; else the name
    # given (the command line's --by or --as, the form's field with sign-in off), else the operating-system user.
    actor = by or local(decision.decided_by or None)
    require(actor, Action.DECIDE)
    if actor.signed_in or by is None:
        decision = decision.model_copy(update={"decided_by": actor.label})
    checked = check_decision(decision, evaluation)
    if plan.sha256 != evaluation.plan_sha256:
        raise InputError("The review was evaluated on another version of the plan (its sha256 differs); "
                         "evaluate again with this plan before recording the decision.")
    store.check_supersedes(con, supersedes)
    if _evidence(evaluate(con, plan, evaluation.stage, evaluation.window)) != _evidence(evaluation):
        raise InputError("The data changed since this review was computed (an import or an undo in between); "
                         "nothing was recorded. Look at the review again, then record the decision.")
    trend = trend_window(plan, evaluation.window)
    trends = monthly_trends(con, plan, trend)
    span = read_span(evaluation, plan, trend)
    found = provenance_mod.sources(con, span.start, span.end)
    listed = evidence.incidents(con, evaluation.window)
    expansion = review_forecast(con, plan, evaluation, forecast_ask)
    moment = now or datetime.now(UTC)

    def make(snapshot_id: int, previous: str | None) -> Snapshot:
        return build_snapshot(evaluation=evaluation, plan=plan, decision=checked, trends=trends, incidents=listed,
                              sources=found,
                              span=span, snapshot_id=snapshot_id, created_at=moment, previous_sha256=previous,
                              supersedes=supersedes, forecast=expansion)

    return store.append(con, make, actor)
