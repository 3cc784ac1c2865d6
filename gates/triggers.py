"""Pause triggers (DESIGN.md §4): a rule that fires when `metric op value` holds over its own
rolling window — the `window_days` days ending on the review period's last day, with the same filters.

A trigger's `op` states the firing condition (the opposite sense of a gate's). Its status is
`fired`, `quiet` or `insufficient`: below its `min_sample` it never fires; a null metric never
fires, except that a `>=` trigger on a count fires on the rows that are there when an export does
not cover its days and they already meet it (a count only grows with the missing rows: a known
incident is never silenced by a missing month). A fired trigger names its action, the outcome that
action forces, and the plan's fallback options.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from gates.criteria import holds
from gates.plan import Action, Op, Outcome, PauseTrigger
from metrics.format import count_text, day_label, limit_text, value_text
from metrics.model import MetricValue, Window
from metrics.registry import REGISTRY

# What each action forces the recommendation to (DESIGN.md §4).
ACTION_OUTCOME: dict[Action, Outcome] = {
    "pause": "pause",
    "return_to_manual": "pause",
    "restrict": "limit",
    "extra_review": "redesign",
}
ACTION_WORDS: dict[Action, str] = {
    "pause": "pause the rollout",
    "return_to_manual": "return to manual work",
    "restrict": "restrict use",
    "extra_review": "add extra review",
}
OP_WORDS: dict[str, str] = {">=": "at or above", "<=": "at or below"}
TriggerStatus = Literal["fired", "quiet", "insufficient"]
# Counts whose value the missing rows can only raise: a `>=` trigger on one fires on the rows that are there.
FLOOR_COUNTS = frozenset({
    "risk.incidents", "risk.high_severity_incidents", "risk.data_exposure_incidents", "risk.complaints",
    "risk.open_high_severity", "support.tickets", "support.open_tickets", "support.repeated_topics",
    "quality.reviewed_outputs", "adoption.users_with_access", "adoption.active_users", "adoption.interactions",
    "adoption.untrained_active_users",
})


class TriggerResult(BaseModel):
    """One pause trigger checked over its own window: the value seen, whether it fired, and what follows."""

    model_config = ConfigDict(frozen=True)

    name: str
    metric: str
    value: float | None
    n: int | None
    fired: bool
    status: TriggerStatus
    action: Action
    outcome: Outcome
    op: Op
    threshold: float
    min_sample: int | None
    window_days: int
    window_from: date
    window_to: date
    fallback: tuple[str, ...]  # the plan's fallback options when fired, else ()
    explanation: str

    def as_json(self) -> dict[str, Any]:
        """The trigger as DESIGN.md §6 prints it (its keys first), plus what it was judged on."""
        return {"name": self.name, "metric": self.metric, "value": self.value, "fired": self.fired,
                "status": self.status, "action": self.action, "outcome": self.outcome, "op": self.op,
                "threshold": self.threshold, "min_sample": self.min_sample,
                "window": {"from": self.window_from.isoformat(), "to": self.window_to.isoformat()},
                "n": self.n, "fallback": list(self.fallback), "explanation": self.explanation}


def trigger_window(trigger: PauseTrigger, window: Window) -> Window:
    """[end − window_days + 1, end] with the filters of `window` (the review period), `end` its last day."""
    return Window(window.end - timedelta(days=trigger.window_days - 1), window.end, window.department,
                  window.use_case)


def check_trigger(trigger: PauseTrigger, mv: MetricValue, end: date, fallback: tuple[str, ...],
                  currency: str = "EUR") -> TriggerResult:
    """Check `trigger` on its metric `mv` computed over the trigger's window ending on `end`. Pure."""
    label = REGISTRY[trigger.metric].label
    period = f"in the {trigger.window_days} days to {day_label(end)}"
    limit = f"{OP_WORDS[trigger.op]} {limit_text(trigger.metric, trigger.value, currency)}"
    outcome = ACTION_OUTCOME[trigger.action]
    value, status = mv.value, _status(trigger, mv)
    if value is None and status == "fired":  # the rows that are there already meet it
        value = mv.partial
        assert value is not None
        seen = f"{label} was at least {value_text(trigger.metric, value, currency)} ({mv.missing})"
    else:
        seen = f"{label} was {value_text(trigger.metric, value, currency)}"
        if count := count_text(mv):
            seen += f" ({count})"
    if status == "fired":
        text = (f"'{trigger.name}' fired: {seen} {period}, {limit}; action: {ACTION_WORDS[trigger.action]} "
                f"({outcome}).")
    elif mv.value is None:
        why = mv.missing or "no data"
        text = f"{label}: {why} {period}, so '{trigger.name}' cannot be checked."
    elif status == "insufficient":
        would = "would fire" if holds(trigger.op, mv.value, trigger.value) else "would not fire"
        text = (f"'{trigger.name}' {would}, but only {count_text(mv)} {period}; it needs "
                f"{trigger.min_sample:,} to judge.")
    else:
        text = f"'{trigger.name}' did not fire: {seen} {period}; it fires {limit}."
    return TriggerResult(
        name=trigger.name, metric=trigger.metric, value=value, n=mv.n, fired=status == "fired", status=status,
        action=trigger.action, outcome=outcome, op=trigger.op, threshold=trigger.value,
        min_sample=trigger.min_sample, window_days=trigger.window_days,
        window_from=end - timedelta(days=trigger.window_days - 1), window_to=end,
        fallback=fallback if status == "fired" else (), explanation=text,
    )


def _status(trigger: PauseTrigger, mv: MetricValue) -> TriggerStatus:
    if mv.value is None:
        floor = (mv.missing is not None and mv.partial is not None and trigger.op == ">="
                 and trigger.metric in FLOOR_COUNTS and holds(">=", mv.partial, trigger.value))
        return "fired" if floor else "insufficient"
    if trigger.min_sample is not None and mv.n is not None and mv.n < trigger.min_sample:
        return "insufficient"
    return "fired" if holds(trigger.op, mv.value, trigger.value) else "quiet"
