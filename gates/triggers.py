"""Pause triggers (DESIGN.md §4): a rule that fires when `metric op value` holds over its own
rolling window — the `window_days` days ending on the review window's end, with the same filters.

A trigger's `op` states the firing condition (the opposite sense of a gate's). A null metric
never fires. A fired trigger names its action, the outcome that action forces, and the plan's
fallback options.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from gates.criteria import holds
from gates.plan import Action, Op, Outcome, PauseTrigger
from metrics.format import count_text, limit_text, value_text
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


class TriggerResult(BaseModel):
    """One pause trigger checked over its own window: the value seen, whether it fired, and what follows."""

    model_config = ConfigDict(frozen=True)

    name: str
    metric: str
    value: float | None
    n: int | None
    fired: bool
    action: Action
    outcome: Outcome
    op: Op
    threshold: float
    window_days: int
    window_from: date
    window_to: date
    fallback: tuple[str, ...]  # the plan's fallback options when fired, else ()
    explanation: str

    def as_json(self) -> dict[str, Any]:
        """The trigger as DESIGN.md §6 prints it (its keys first), plus what it was judged on."""
        return {"name": self.name, "metric": self.metric, "value": self.value, "fired": self.fired,
                "action": self.action, "outcome": self.outcome, "op": self.op, "threshold": self.threshold,
                "window": {"from": self.window_from.isoformat(), "to": self.window_to.isoformat()},
                "n": self.n, "fallback": list(self.fallback), "explanation": self.explanation}


def trigger_window(trigger: PauseTrigger, window: Window) -> Window:
    """[end − window_days + 1, end] with the review window's filters."""
    return Window(window.end - timedelta(days=trigger.window_days - 1), window.end, window.department,
                  window.use_case)


def check_trigger(trigger: PauseTrigger, mv: MetricValue, end: date, fallback: tuple[str, ...],
                  currency: str = "EUR") -> TriggerResult:
    """Check `trigger` on its metric `mv` computed over the trigger's window ending on `end`. Pure."""
    fired = mv.value is not None and holds(trigger.op, mv.value, trigger.value)
    label = REGISTRY[trigger.metric].label
    seen = f"{label} was {value_text(trigger.metric, mv.value, currency)}"
    if count := count_text(mv):
        seen += f" ({count})"
    period = f"in the {trigger.window_days} days to {end.isoformat()}"
    limit = f"{OP_WORDS[trigger.op]} {limit_text(trigger.metric, trigger.value, currency)}"
    outcome = ACTION_OUTCOME[trigger.action]
    if mv.value is None:
        text = f"{label}: no data {period}, so '{trigger.name}' cannot fire."
    elif fired:
        text = (f"'{trigger.name}' fired: {seen} {period}, {limit}; action: {ACTION_WORDS[trigger.action]} "
                f"({outcome}).")
    else:
        text = f"'{trigger.name}' did not fire: {seen} {period}; it fires {limit}."
    return TriggerResult(
        name=trigger.name, metric=trigger.metric, value=mv.value, n=mv.n, fired=fired, action=trigger.action,
        outcome=outcome, op=trigger.op, threshold=trigger.value, window_days=trigger.window_days,
        window_from=end - timedelta(days=trigger.window_days - 1), window_to=end,
        fallback=fallback if fired else (), explanation=text,
    )
