"""A gate review and a plan check as plain text for the terminal. Renders records; computes nothing."""

from __future__ import annotations

from pathlib import Path

from gates.plan_check import PlanCheck, Problem
from gates.review import Evaluation

STATUS_MARKS: dict[str, str] = {"pass": "pass ", "warn": "WARN ", "fail": "FAIL ", "insufficient": "n/a  "}


def evaluation_text(ev: Evaluation) -> str:
    """The review as the terminal shows it: recommendation and reasons, then criteria, triggers, readiness."""
    filters = "".join(f", {k} {v}" for k, v in (("department", ev.department), ("use case", ev.use_case)) if v)
    lines = [f"Gate review of stage '{ev.stage}' ({ev.stage_name}), {ev.start} to {ev.end}{filters}; "
             f"the stage has run {ev.days_run} days.",
             f"Recommendation: {ev.recommendation.outcome.upper()}"]
    lines += [f"  · {r.text}" for r in ev.recommendation.reasons]
    lines += ["", "Criteria:"]
    lines += [f"  {STATUS_MARKS[c.status]} {c.explanation}" for c in ev.criteria] or ["  (this stage has no gates)"]
    lines += ["", "Pause triggers:"]
    lines += [f"  {'FIRED' if t.fired else 'quiet'} {t.explanation}" for t in ev.triggers] or ["  (none)"]
    fallback = next((t.fallback for t in ev.triggers if t.fired), ())
    if fallback:
        lines += ["", "Fallback options:"] + [f"  - {option}" for option in fallback]
    lines += ["", "Readiness:"]
    lines += [f"  {'met    ' if r.met else 'NOT MET'} {r.item}: {r.reason}" for r in ev.readiness]
    return "\n".join(lines)


def plan_check_text(path: Path, checked: PlanCheck, warnings: list[Problem], note: str = "") -> str:
    """A valid plan's summary and its warnings (an invalid plan's problems come from PlanInvalid)."""
    plan = checked.plan
    if plan is None:
        return "\n".join(f"  {p}" for p in checked.problems)
    gates = sum(len(s.gates) for s in plan.stages)
    lines = [f"{path.name}: valid — {len(plan.stages)} stages, {gates} gates, "
             f"{len(plan.pause_triggers)} pause triggers."]
    lines += [f"warning: {w}" for w in warnings]
    if note:
        lines.append(note)
    return "\n".join(lines)
