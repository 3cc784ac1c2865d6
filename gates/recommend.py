"""The recommendation of DESIGN.md §4: the most severe outcome any piece of evidence calls for.

proceed < continue < limit < redesign < pause. A fired trigger calls for its action's outcome, a
failed gate for its on_fail, a warning or thin evidence, a stage younger than its minimum
duration or an unmet readiness item for continue. Every reason is kept, most severe first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from core.words import STATUS_WORDS
from gates.criteria import CriterionResult
from gates.plan import Outcome
from gates.readiness import ReadinessItem
from gates.triggers import TriggerResult
from metrics.format import day_label

SEVERITY: tuple[Outcome, ...] = ("proceed", "continue", "limit", "redesign", "pause")
RANK: dict[str, int] = {o: i for i, o in enumerate(SEVERITY)}

Kind = Literal["trigger", "fail", "warn", "insufficient", "duration", "readiness", "clear"]
# What a criterion status calls for; "fail" calls for the gate's own on_fail.
STATUS_OUTCOME: dict[str, Outcome | None] = {"pass": None, "warn": "continue", "insufficient": "continue",
                                             "fail": None}
PREFIX: dict[Kind, str] = {
    "trigger": "Pause trigger fired",
    "fail": "Gate failed",
    "warn": "Gate warns",
    "insufficient": STATUS_WORDS["insufficient"],
    "duration": "Too early",
    "readiness": "Readiness not met",
    "clear": "All clear",
}


class Reason(BaseModel):
    """One piece of evidence behind the recommendation and the outcome it calls for."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    kind: Kind
    detail: str

    @property
    def text(self) -> str:
        return f"{PREFIX[self.kind]} → {self.outcome}: {self.detail}"


class Recommendation(BaseModel):
    """The outcome and every reason for it, most severe first."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    reasons: tuple[Reason, ...]

    def as_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "reasons": [r.text for r in self.reasons]}


def days_run(starts_on: date, end: date) -> int:
    """Days the stage has run by `end`: end − starts_on + 1, at least 0."""
    return max(0, (end - starts_on).days + 1)


def _criterion_outcome(c: CriterionResult) -> Outcome | None:
    if c.status == "fail":
        return c.on_fail
    return STATUS_OUTCOME[c.status]


def recommend(criteria: Iterable[CriterionResult], triggers: Iterable[TriggerResult],
              readiness: Iterable[ReadinessItem], stage_id: str, starts_on: date, min_duration_days: int,
              end: date) -> Recommendation:
    """The most severe outcome called for by the evidence, with every reason, most severe first. Pure."""
    triggers = tuple(triggers)
    reasons: list[Reason] = [Reason(outcome=t.outcome, kind="trigger", detail=t.explanation)
                             for t in triggers if t.fired]
    reasons += [Reason(outcome="continue", kind="insufficient", detail=t.explanation)
                for t in triggers if t.status == "insufficient"]
    for c in criteria:
        outcome = _criterion_outcome(c)
        if outcome is not None:
            reasons.append(Reason(outcome=outcome, kind=c.status, detail=c.explanation))  # type: ignore[arg-type]  # never "pass" here
    run = days_run(starts_on, end)
    if run < min_duration_days:
        reasons.append(Reason(outcome="continue", kind="duration",
                              detail=f"stage '{stage_id}' has run {run} of its minimum {min_duration_days} days "
                                     f"(since {day_label(starts_on)})."))
    reasons += [Reason(outcome="continue", kind="readiness", detail=f"{r.item} — {r.reason}")
                for r in readiness if not r.met]
    if not reasons:
        reasons.append(Reason(outcome="proceed", kind="clear",
                              detail=f"every gate passed, no pause trigger fired, stage '{stage_id}' has run "
                                     f"{run} days (minimum {min_duration_days}) and every readiness item is met."))
    reasons.sort(key=lambda r: -RANK[r.outcome])
    return Recommendation(outcome=max((r.outcome for r in reasons), key=RANK.__getitem__), reasons=tuple(reasons))
