"""A MetricContext read straight from a plan TOML file (DESIGN.md §4).

A stop-gap until gates.plan validates plans with pydantic and offers Plan.metric_context():
this reads only what metrics need (hourly_rate, currency, use-case defaults, stages) and
normalises departments, use cases and modules like the data (trimmed, lower-cased).
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from loaders.errors import InputError
from loaders.store import ROOT
from metrics.model import MetricContext, StageScope

DEFAULT_PLAN = ROOT / "data" / "plan.toml"


class _Problem(Exception):
    """A problem at one plan path, e.g. `stages[1].starts_on: missing`."""


def plan_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The plan file: an explicit path, else $ROLLGATE_PLAN, else data/plan.toml."""
    return Path(explicit or os.environ.get("ROLLGATE_PLAN") or DEFAULT_PLAN)


def _get(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise _Problem(f"{where}{key}: missing")
    return table[key]


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Problem(f"{where}: expected a number, found {value!r}")
    return float(value)


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Problem(f"{where}: expected a list of names")
    return tuple(v.strip().lower() for v in value)


def _stage(s: dict[str, Any], i: int) -> StageScope:
    at = f"stages[{i}]."
    starts_on = _get(s, "starts_on", at)
    if not isinstance(starts_on, date):
        raise _Problem(f"{at}starts_on: expected a date such as 2026-01-05, found {starts_on!r}")
    budget = s.get("monthly_budget")
    return StageScope(
        id=str(_get(s, "id", at)), name=str(s.get("name", s["id"])), starts_on=starts_on,
        departments=_names(s.get("departments", []), f"{at}departments"),
        approved_use_cases=_names(s.get("approved_use_cases", []), f"{at}approved_use_cases"),
        required_training=_names(s.get("required_training", []), f"{at}required_training"),
        monthly_budget=None if budget is None else _number(budget, f"{at}monthly_budget"),
    )


def context_from_toml(path: Path) -> MetricContext:
    """The MetricContext of the plan at `path`, stages in `starts_on` order. Raises InputError
    naming the file and the plan path of the problem (missing file, bad TOML, missing value)."""
    try:
        plan = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputError(f"{path}: no plan file here; pass --plan PATH or set ROLLGATE_PLAN.") from e
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path.name}: not valid TOML ({e}).") from e
    try:
        defaults = {
            str(_get(u, "id", f"use_cases[{i}].")).strip().lower():
                _number(u["default_minutes_saved"], f"use_cases[{i}].default_minutes_saved")
            for i, u in enumerate(plan.get("use_cases", [])) if u.get("default_minutes_saved") is not None
        }
        stages = sorted((_stage(s, i) for i, s in enumerate(plan.get("stages", []))), key=lambda s: s.starts_on)
        return MetricContext(hourly_rate=_number(_get(plan, "hourly_rate", ""), "hourly_rate"),
                             default_minutes=defaults, stages=tuple(stages),
                             currency=str(plan.get("currency", "EUR")))
    except _Problem as e:
        raise InputError(f"{path.name}: {e}; fix the plan (DESIGN.md §4).") from e
