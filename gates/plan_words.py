"""A plan problem said in the plan's own words: where it is by stage, gate and trigger name (not a path such as
`stages[2].gates[0].min_sample`), and what the field means.

The paths are pydantic's and the plan checks' (gates.plan_cross.Problem); the names come from the plan's text
as written (read with tomllib: a plan with problems still has its stages' and gates' names). The command line
keeps the paths, which a person editing the TOML file by hand can follow.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from gates.plan_cross import Problem
from metrics.registry import REGISTRY

# A field of the plan, as a manager calls it.
FIELDS: dict[str, str] = {
    "threshold": "the limit", "warn": "the warn level", "min_sample": "the minimum sample",
    "on_fail": "what happens if it fails", "metric": "the metric", "op": "the direction (<= or >=)",
    "starts_on": "the start date", "departments": "the departments", "approved_use_cases": "the approved use cases",
    "required_training": "the required training", "min_duration_days": "the minimum duration in days",
    "mode": "the mode", "name": "the name", "id": "the id", "window_days": "the days it looks back",
    "value": "the level that fires it", "action": "the action", "gates": "the gates", "stages": "the stages",
    "pause_triggers": "the pause triggers", "use_cases": "the use cases", "default_minutes_saved":
    "the minutes saved by default", "description": "the description", "currency": "the currency",
    "hourly_rate": "the hourly rate", "owner": "the owner", "support_contact": "the support contact",
    "data_rules": "the data rules", "fallback": "the fallback options", "options": "the fallback options",
    "mappings": "the value mappings", "evidence": "the evidence method",
    "privacy_min_group": "the smallest group shown (privacy floor)", "seat_price": "the price of a seat per month",
    "expected_users": "the people expected in the stage", "method": "the evidence method",
}
_STEP = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def _named(item: Any, index: int, noun: str) -> str:
    if isinstance(item, dict):
        name = item.get("name") or item.get("id")
        if isinstance(name, str) and name.strip():
            return f"{noun} '{name.strip()}'"
        metric = item.get("metric")
        if isinstance(metric, str) and metric in REGISTRY:
            return f"{noun} '{REGISTRY[metric].label}'"
    return f"{noun} {index + 1}"


NOUNS = {"stages": "Stage", "gates": "gate", "pause_triggers": "Pause trigger", "use_cases": "Use case"}


def where(path: str, data: dict[str, Any]) -> str:
    """'Stage 'Department rollout', gate 'Error rate', the limit' for 'stages[1].gates[0].threshold'."""
    parts: list[str] = []
    node: Any = data
    for step in path.split("."):
        match = _STEP.fullmatch(step)
        if match is None:
            parts.append(step)
            continue
        key, index = match.group(1), match.group(2)
        child = node.get(key) if isinstance(node, dict) else None
        if index is not None and key in NOUNS:
            i = int(index)
            item = child[i] if isinstance(child, list) and i < len(child) else None
            parts.append(_named(item, i, NOUNS[key]))
            node = item
        else:
            item_no = f" (item {int(index) + 1})" if index is not None else ""
            parts.append(FIELDS.get(key, key.replace("_", " ")) + item_no)
            node = child
    text = ", ".join(parts)
    return text[0].upper() + text[1:] if text else text


def in_words(problem: Problem, text: str) -> str:
    """The problem with its place in words (the path as written when the text is not even TOML)."""
    if not problem.path:
        return problem.message
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return str(problem)
    return f"{where(problem.path, data)}: {problem.message}"
