"""The readiness checklist of DESIGN.md §4, for one stage and window: each item met or not, and why.

Readiness asks whether the rollout is governed, not whether the numbers are good: scope, stages,
gates, training, support and pause rules. Every item is a small function of the plan, the
evaluated stage and the training completion for that stage's modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from pydantic import BaseModel, ConfigDict

from gates.plan import Plan, Stage
from metrics.format import day_label
from metrics.model import MetricValue
from metrics.registry import FAMILIES, REGISTRY

# Share of users with access who must have completed the stage's training.
TRAINED_SHARE = 0.9
TRAINED_ITEM = "Users trained"  # the item that measures what the training gate measures


class ReadinessItem(BaseModel):
    """One checklist item: met or not, with the reason in plain words."""

    model_config = ConfigDict(frozen=True)

    item: str
    met: bool
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"item": self.item, "met": self.met, "reason": self.reason}


@dataclass(frozen=True)
class ReadinessInput:
    """What the checklist looks at. `trained` is adoption.training_completion_rate computed with the
    evaluated stage's required modules, over the review window ending on `end`."""

    plan: Plan
    stage: Stage
    trained: MetricValue
    end: date


Check = Callable[[ReadinessInput], tuple[bool, str]]


def _listing(items: Iterable[str]) -> str:
    return ", ".join(items)


def _many(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _scope(r: ReadinessInput) -> tuple[bool, str]:
    gaps = [text for missing, text in (
        (not r.plan.use_cases, "the plan declares no use cases"),
        (not r.stage.departments, f"stage '{r.stage.id}' lists no departments"),
        (not r.stage.approved_use_cases, f"stage '{r.stage.id}' approves no use cases"),
        (not r.plan.data_rules, "the plan states no data rules"),
    ) if missing]
    if gaps:
        return False, f"Scope is incomplete: {'; '.join(gaps)}."
    departments = "every department" if r.stage.departments == ("*",) else _listing(r.stage.departments)
    return True, (f"Stage '{r.stage.id}' covers {departments} for {_listing(r.stage.approved_use_cases)}; "
                  f"the plan states {_many(len(r.plan.data_rules), 'data rule')}.")


def _stages(r: ReadinessInput) -> tuple[bool, str]:
    stages = r.plan.stages
    listed = _listing([f"{s.id} from {day_label(s.starts_on)}" for s in stages])
    in_order = all(a.starts_on < b.starts_on for a, b in pairwise(stages))
    if len(stages) < 2:
        return False, f"The plan has only one stage ({listed}); define at least two so there is a next step to gate."
    if not in_order:
        return False, f"The stages are not in date order: {listed}."
    return True, f"{len(stages)} stages in date order: {listed}."


def _every_stage_gated(r: ReadinessInput) -> tuple[bool, str]:
    bare = [s.id for s in r.plan.stages if not s.gates]
    if bare:
        return False, f"These stages have no gates: {_listing(bare)}."
    return True, f"All {len(r.plan.stages)} stages have gates."


def _families(r: ReadinessInput) -> tuple[bool, str]:
    covered = {REGISTRY[g.metric].family for g in r.stage.gates}
    missing = [f for f in FAMILIES if f not in covered]
    if missing:
        return False, f"Stage '{r.stage.id}' has no gate on {_listing(missing)}."
    return True, f"Stage '{r.stage.id}' has gates on all six families."


def _trained(r: ReadinessInput) -> tuple[bool, str]:
    if not r.stage.required_training:
        return True, f"Stage '{r.stage.id}' requires no training."
    modules = _listing(r.stage.required_training)
    value, n = r.trained.value, r.trained.n
    if value is None or not n:
        return False, "No one had access in the window, so training cannot be confirmed."
    share = f"{value * 100:.1f}% of {n:,} users with access"
    needed = f"{TRAINED_SHARE * 100:g}% needed"
    if value >= TRAINED_SHARE:
        return True, f"{share} completed every required module ({modules}) by {day_label(r.end)}; {needed}."
    return False, f"Only {share} completed every required module ({modules}) by {day_label(r.end)}; {needed}."


def _support(r: ReadinessInput) -> tuple[bool, str]:
    contact = r.plan.support_contact.strip()
    if contact:
        return True, f"Support contact: {contact}."
    return False, "The plan names no support_contact for users to turn to."


def _pause_rules(r: ReadinessInput) -> tuple[bool, str]:
    triggers, options = len(r.plan.pause_triggers), len(r.plan.fallback.options)
    if triggers and options:
        return True, f"{_many(triggers, 'pause trigger')} and {_many(options, 'fallback option')}."
    gaps = [t for missing, t in ((not triggers, "no pause trigger"), (not options, "no fallback option")) if missing]
    return False, f"The plan has {' and '.join(gaps)}."


CHECKLIST: tuple[tuple[str, Check], ...] = (
    ("Scope defined", _scope),
    ("Stages defined", _stages),
    ("Every stage has gates", _every_stage_gated),
    ("Gates cover all six families", _families),
    (TRAINED_ITEM, _trained),
    ("Support assigned", _support),
    ("Pause rules exist", _pause_rules),
)


def readiness(r: ReadinessInput) -> tuple[ReadinessItem, ...]:
    """Every checklist item for the evaluated stage, in the order of DESIGN.md §4. Pure."""
    return tuple(ReadinessItem(item=name, met=met, reason=reason)
                 for name, check in CHECKLIST for met, reason in [check(r)])
