"""A gate review, an expansion forecast and a plan check as plain text for the terminal. Renders records;
computes nothing."""

from __future__ import annotations

from pathlib import Path

from gates.forecast import PEOPLE_WORDS, Forecast, central_text, range_text, unit_text
from gates.plan_check import PlanCheck, Problem
from gates.review import Evaluation
from metrics.format import day_label, month_label

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


def forecast_text(fc: Forecast) -> str:
    """The forecast as the terminal shows it: what is forecast for whom, a table of the measures (central value,
    80% range, unit, the current rate or why there is none), then the assumptions."""
    lines = [f"Expansion forecast of stage '{fc.stage.id}' ({fc.stage.name}) for {month_label(fc.month)}, its first "
             f"full month: {fc.people.count:,} people with access ({PEOPLE_WORDS[fc.people.source]}), damping "
             f"{fc.damping:g}.",
             f"Learned from stage '{fc.from_stage.id}' ({fc.from_stage.name}), {day_label(fc.period.from_)} to "
             f"{day_label(fc.period.to)}.", ""]
    rows = [("Measure", "Central", f"{fc.method.coverage:.0%} range", "Unit", "Current rate")]
    rows += [(m.label, central_text(m), range_text(m), unit_text(m, fc.currency),
              f"({m.missing})" if m.missing else m.rate_text) for m in fc.measures]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for label, central, span, unit, rate in rows:
        lines.append(f"  {label:<{widths[0]}}  {central:>{widths[1]}}  {span:<{widths[2]}}  {unit:<{widths[3]}}  "
                     f"{rate}".rstrip())
    lines += ["", "Assumptions:"] + [f"  - {a}" for a in fc.assumptions]
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
