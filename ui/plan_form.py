"""The plan edited as forms: each stage's start, minimum duration and gates, and the pause triggers, in the units a
page shows them (a share as a percentage, money in the plan's currency, days as days), then a review of what
changed before the plan is replaced. The TOML text stays on its own tab for everything else.

A form's edits become plan data (gates.plan_toml writes it; comments in the file are not kept, which the page
says), checked as a whole like a typed plan; the page shows the difference and saves only on confirmation.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from gates.plan import MAX_DURATION_DAYS, Plan
from gates.plan_toml import dumps
from metrics.format import display_unit
from metrics.registry import REGISTRY

ON_FAIL_WORDS = {"limit": "limit the rollout", "redesign": "redesign", "pause": "pause"}
ACTION_WORDS_FORM = {"pause": "pause the rollout", "return_to_manual": "return to manual work",
                     "restrict": "restrict use", "extra_review": "add extra review"}
DIRECTION = {"<=": "at most (≤)", ">=": "at least (≥)"}


def unit_of(metric: str, currency: str) -> str:
    """The unit a limit of `metric` is typed in on the form."""
    unit = display_unit(metric)
    return {"share": "%", "currency": currency, "hours": "hours", "minutes": "minutes", "multiple": "×",
            "count": "count", "score": "score"}[unit]


def shown(metric: str, value: float | None) -> float | None:
    """A plan value as the form shows it (a share's fraction as a percentage)."""
    if value is None:
        return None
    return round(value * 100, 6) if display_unit(metric) == "share" else value


def stored(metric: str, value: float | None) -> float | None:
    """A value typed on the form as the plan keeps it (a percentage back to a fraction)."""
    if value is None:
        return None
    return round(value / 100, 9) if display_unit(metric) == "share" else value


def gates_table(plan: Plan, stage_index: int) -> pl.DataFrame:
    return pl.DataFrame([{
        "Metric": REGISTRY[g.metric].label, "Direction": DIRECTION[g.op], "Limit": shown(g.metric, g.threshold),
        "Warn level": shown(g.metric, g.warn), "Unit": unit_of(g.metric, plan.currency),
        "Minimum sample": g.min_sample, "If it fails": ON_FAIL_WORDS[g.on_fail],
    } for g in plan.stages[stage_index].gates], schema={
        "Metric": pl.String, "Direction": pl.String, "Limit": pl.Float64, "Warn level": pl.Float64, "Unit": pl.String,
        "Minimum sample": pl.Int64, "If it fails": pl.String})


def triggers_table(plan: Plan) -> pl.DataFrame:
    return pl.DataFrame([{
        "Trigger": t.name, "Metric": REGISTRY[t.metric].label, "Fires when": DIRECTION[t.op],
        "Level": shown(t.metric, t.value), "Unit": unit_of(t.metric, plan.currency), "Over the last (days)":
        t.window_days, "Action": ACTION_WORDS_FORM[t.action]} for t in plan.pause_triggers], schema={
        "Trigger": pl.String, "Metric": pl.String, "Fires when": pl.String, "Level": pl.Float64, "Unit": pl.String,
        "Over the last (days)": pl.Int64, "Action": pl.String})


def _back(words: dict[str, str], value: str) -> str:
    return next(k for k, v in words.items() if v == value)


def _number(value: Any) -> float | None:
    return None if value is None or value != value else float(value)  # NaN from an emptied cell is no value


def edited_text(plan: Plan, stages: list[dict[str, Any]], gates: list[pl.DataFrame], triggers: pl.DataFrame,
                fallback: list[str] | None = None) -> str:
    """The plan text with the forms' values: `stages` ({'starts_on', 'min_duration_days'} per stage), each stage's
    gates table and the triggers table as edited (rows in the plan's order; metrics are not changed here), and
    the fallback options (one per entry; None leaves them)."""
    data = tomllib.loads(plan.content)
    for i, (stage, fields, table) in enumerate(zip(data["stages"], stages, gates, strict=True)):
        stage["starts_on"] = fields["starts_on"]
        stage["min_duration_days"] = int(fields["min_duration_days"])
        for gate, row in zip(stage.get("gates", []), table.iter_rows(named=True), strict=True):
            metric = gate["metric"]
            gate["op"] = _back(DIRECTION, row["Direction"])
            gate["threshold"] = stored(metric, _number(row["Limit"]))
            warn = stored(metric, _number(row["Warn level"]))
            gate.pop("warn", None)
            if warn is not None:
                gate["warn"] = warn
            gate.pop("min_sample", None)
            if row["Minimum sample"] is not None and row["Minimum sample"] == row["Minimum sample"]:
                gate["min_sample"] = int(row["Minimum sample"])
            gate["on_fail"] = _back(ON_FAIL_WORDS, row["If it fails"])
        data["stages"][i] = stage
    for trigger, row in zip(data.get("pause_triggers", []), triggers.iter_rows(named=True), strict=True):
        trigger["name"] = row["Trigger"]
        trigger["op"] = _back(DIRECTION, row["Fires when"])
        trigger["value"] = stored(trigger["metric"], _number(row["Level"]))
        trigger["window_days"] = int(row["Over the last (days)"])
        trigger["action"] = _back(ACTION_WORDS_FORM, row["Action"])
    if fallback is not None:
        data.setdefault("fallback", {})["options"] = [o.strip() for o in fallback if o.strip()]
    return dumps(data)


def difference(before: str, after: str) -> str:
    """What changes, line by line, as a unified diff of the two plan texts ('' when nothing does)."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), "plan as saved", "plan as edited",
                                 lineterm="", n=1)
    return "\n".join(lines)


_WHERE = re.compile(r"line (\d+), column (\d+)")


def syntax_context(text: str, message: str, around: int = 2) -> str | None:
    """The lines around a TOML syntax error, numbered, the faulty line marked: a text box has no line numbers."""
    found = _WHERE.search(message)
    if found is None:
        return None
    line, column = int(found.group(1)), int(found.group(2))
    lines = text.splitlines()
    out = []
    for n in range(max(1, line - around), min(len(lines), line + around) + 1):
        out.append(f"{'▶' if n == line else ' '} {n:>4} │ {lines[n - 1]}")
        if n == line:
            out.append(f"  {'':>4} │ {' ' * (column - 1)}^")
    return "\n".join(out)


def stage_fields(plan: Plan, i: int, key: str) -> dict[str, Any]:
    """The stage's start date and minimum duration, as widgets; their values."""
    stage = plan.stages[i]
    left, right = st.columns(2)
    # The plan's own bounds, not the widget's defaults (ten years around today), so any valid plan shows.
    starts: date = left.date_input("Starts on", value=stage.starts_on, key=f"{key}_starts", format="DD/MM/YYYY",
                                   min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
    days = right.number_input("Runs at least (days)", min_value=0, max_value=MAX_DURATION_DAYS,
                              value=stage.min_duration_days, step=1, key=f"{key}_days")
    return {"starts_on": starts, "min_duration_days": days}
