"""The checks that need the whole plan, run on the data as read from TOML: duplicate ids, stage date
order, use cases declared before a stage approves them, min_sample only where the metric has a sample
size, the value mappings.

They read raw data, not the model, so that check_plan (gates/plan_check.py) can name each problem by
its exact path, and the model (gates/plan.py) can still refuse an inconsistent plan validated directly.
Each is tolerant of keys that are missing or mistyped: those are pydantic's to report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from gates.plan_bounds import MAX_TEXT
from gates.suggest import did_you_mean
from loaders.presets.mappings import problems as mapping_problems
from metrics.registry import REGISTRY

Level = Literal["error", "warning"]
Loc = tuple[str | int, ...]
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
# How much of a wrong value or a key a message quotes.
_SHOWN = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or, at level warning, doubtful) in a plan, at a path like stages[1].gates[2].metric."""

    path: str
    message: str
    level: Level = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "level": self.level}


def shorten(text: str, limit: int = _SHOWN) -> str:
    """`text`, cut to `limit` characters with an ellipsis when it is longer."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def cross_problems(data: Mapping[str, Any]) -> list[Problem]:
    """The problems that need the whole plan."""
    return [p for _, p in cross_checks(data)]


def cross_checks(data: Mapping[str, Any]) -> Iterator[tuple[Loc, Problem]]:
    """The problems that need the whole plan, each with where it lies (to order them as the plan does)."""
    if "mappings" in data:
        yield from _mapping_texts(data["mappings"])
        yield from _mapping_problems(data["mappings"])
    use_cases = _tables(data.get("use_cases"))
    stages = _tables(data.get("stages"))
    yield from _duplicates(use_cases, "use_cases", "id", "use case", _ident)
    yield from _duplicates(stages, "stages", "id", "stage id")
    yield from _duplicates(_tables(data.get("pause_triggers")), "pause_triggers", "name", "pause trigger name")
    declared = [uc for _, item in use_cases if (uc := _ident(item.get("id")))]
    if isinstance(data.get("stages"), list | tuple) and not data["stages"]:
        yield ("stages",), Problem("stages", "the plan needs at least one stage")
    yield from _stage_order(stages)
    for i, stage in stages:
        approved = stage.get("approved_use_cases")
        for j, raw in enumerate(approved if isinstance(approved, list | tuple) else []):
            uc = _ident(raw)
            if uc is not None and uc not in declared:
                yield (("stages", i, "approved_use_cases", j),
                       Problem(f"stages[{i}].approved_use_cases[{j}]",
                               f"use case {uc!r} is not declared under [[use_cases]]{did_you_mean(uc, declared)}"))
        for k, gate in _tables(stage.get("gates")):
            yield from _gate_problems(i, k, gate)
    for t, trigger in _tables(data.get("pause_triggers")):
        metric = _text(trigger.get("metric"))
        if metric in REGISTRY and REGISTRY[metric].n is None and trigger.get("min_sample") is not None:
            yield (("pause_triggers", t, "min_sample"),
                   Problem(f"pause_triggers[{t}].min_sample",
                           f"{metric!r} has no sample size, so min_sample cannot apply to it; remove min_sample "
                           "from this trigger (a count fires on the count alone)"))


def _tables(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list | tuple):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def _ident(value: Any) -> str | None:
    return value.strip().lower() or None if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None


def _duplicates(items: list[tuple[int, Mapping[str, Any]]], prefix: str, key: str, what: str,
                norm: Any = _text) -> Iterator[tuple[Loc, Problem]]:
    seen: dict[str, int] = {}
    for i, item in items:
        value = norm(item.get(key))
        if value is None:
            continue
        if value in seen:
            yield (prefix, i, key), Problem(f"{prefix}[{i}].{key}",
                                            f"duplicate {what} {value!r} (also {prefix}[{seen[value]}])")
        else:
            seen[value] = i


def _mapping_texts(value: Any) -> Iterator[tuple[Loc, Problem]]:
    """Export values (keys) and canonical values of [mappings] over MAX_TEXT characters."""
    tables = value.items() if isinstance(value, Mapping) else ()
    for name, entries in tables:
        for key, text in (entries.items() if isinstance(entries, Mapping) else ()):
            parts = (str(name), str(key))
            if len(str(key)) > MAX_TEXT:
                yield ("mappings", *parts), Problem(_mapping_path(parts), f"the export value is {len(str(key)):,} "
                                                    f"characters long; keep it to {MAX_TEXT:,} characters or fewer")
            if isinstance(text, str) and len(text) > MAX_TEXT:
                yield ("mappings", *parts), Problem(_mapping_path(parts), f"is {len(text):,} characters long; keep "
                                                    f"it to {MAX_TEXT:,} characters or fewer")


def _mapping_path(parts: tuple[str, ...]) -> str:
    """mappings.jira_category."Needs review": each part shortened when long, quoted unless bare."""
    shown_parts = (shorten(p) for p in parts)
    return "mappings" + "".join(f".{p}" if _BARE.match(p) else f".{json.dumps(p, ensure_ascii=False)}"
                                for p in shown_parts)


def _mapping_problems(value: Any) -> Iterator[tuple[Loc, Problem]]:
    """[mappings]: known tables of "export value" = "canonical value", each value one the column accepts."""
    for parts, message in mapping_problems(_without_long_texts(value)):
        yield ("mappings", *parts), Problem(_mapping_path(tuple(parts)), message)


def _without_long_texts(value: Any) -> Any:
    """[mappings] without the entries _mapping_texts reports, so no message quotes a text that long."""
    if not isinstance(value, Mapping):
        return value
    return {name: {k: v for k, v in entries.items()
                   if len(str(k)) <= MAX_TEXT and not (isinstance(v, str) and len(v) > MAX_TEXT)}
            if isinstance(entries, Mapping) else entries for name, entries in value.items()}


def _stage_order(stages: list[tuple[int, Mapping[str, Any]]]) -> Iterator[tuple[Loc, Problem]]:
    previous: tuple[int, Any, date] | None = None
    for i, stage in stages:
        starts = _date(stage.get("starts_on"))
        if starts is None:
            continue
        if previous is not None and starts <= previous[2]:
            j, prev_id, prev_day = previous
            yield (("stages", i, "starts_on"),
                   Problem(f"stages[{i}].starts_on",
                           f"{starts} is not after {prev_day}, when stages[{j}] ({prev_id!r}) starts; list the "
                           "stages in date order, each starting later than the one before"))
        previous = (i, _text(stage.get("id")), starts)


def _gate_problems(i: int, k: int, gate: Mapping[str, Any]) -> Iterator[tuple[Loc, Problem]]:
    where = f"stages[{i}].gates[{k}]"
    metric = _text(gate.get("metric"))
    if metric in REGISTRY and REGISTRY[metric].n is None and gate.get("min_sample") is not None:
        yield (("stages", i, "gates", k, "min_sample"),
               Problem(f"{where}.min_sample", f"{metric!r} has no sample size, so min_sample cannot apply to it; "
                                              "remove min_sample from this gate"))
