"""Checking a rollout plan as a whole: every problem at once, each by its path, in plain words.

Two passes over the data as read from TOML: pydantic checks each key's type and allowed values
(and refuses unknown keys); `cross_problems` checks what needs the whole plan (duplicate ids,
stage date order, use cases declared before a stage approves them, a gate's warn level on the
right side of its threshold, min_sample only where the metric has a sample size). Departments
are not declared in the plan, so a department no roster row has is only a warning (DESIGN.md §4).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from gates.plan import CHOICES, Fallback, Gate, PauseTrigger, Plan, Stage, UseCase
from gates.suggest import did_you_mean
from loaders.errors import InputError
from metrics.registry import REGISTRY

Level = Literal["error", "warning"]
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
Loc = tuple[str | int, ...]

# The model a key belongs to, by the key of the table (or array of tables) that holds it.
CHILD_MODELS: dict[str, type[BaseModel]] = {
    "use_cases": UseCase, "stages": Stage, "gates": Gate, "pause_triggers": PauseTrigger, "fallback": Fallback,
}
# What an enumerated key is called in a message.
NOUNS: dict[str, str] = {"op": "operator", "mode": "mode", "on_fail": "outcome", "action": "action"}
# pydantic error types, in plain words; {input} is what the user wrote.
TYPE_MESSAGES: dict[str, str] = {
    "missing": "is required",
    "string_too_short": "must not be empty",
    "string_type": "should be text in quotes, not {input}",
    "float_type": "should be a number, not {input}",
    "float_parsing": "should be a number, not {input}",
    "int_type": "should be a whole number, not {input}",
    "int_parsing": "should be a whole number, not {input}",
    "int_from_float": "should be a whole number, not {input}",
    "finite_number": "should be a finite number, not {input}",
    "date_type": "should be a date written YYYY-MM-DD, not {input}",
    "date_parsing": "should be a date written YYYY-MM-DD, not {input}",
    "date_from_datetime_parsing": "should be a date written YYYY-MM-DD, not {input}",
    "date_from_datetime_inexact": "should be a date without a time, not {input}",
    "tuple_type": "should be a list, not {input}",
    "model_type": "should be a table, not {input}",
    "model_attributes_type": "should be a table, not {input}",
    "greater_than_equal": "should be at least {ge}, not {input}",
    "greater_than": "should be above {gt}, not {input}",
}
# A gate's warn level must sit on the passing side of its threshold: the side it must not cross.
WRONG_SIDE: dict[str, tuple[str, str]] = {"<=": ("above", "__gt__"), ">=": ("below", "__lt__")}


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


@dataclass(frozen=True)
class PlanCheck:
    """The outcome of checking a plan: the plan when it is valid, and every problem found."""

    plan: Plan | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.plan is not None


class PlanInvalid(InputError):
    """A plan was refused; `problems` lists every reason by path."""

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: the plan has {count} problem{'s' if count != 1 else ''}; fix "
                         f"{'them' if count != 1 else 'it'} and try again:\n{lines}")


def path_of(loc: Loc) -> str:
    """('stages', 1, 'gates', 2, 'metric') -> 'stages[1].gates[2].metric'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def check_plan(data: Any) -> PlanCheck:
    """Check plan data as read from TOML (a mapping). Returns the plan when it is valid, else None, and
    every problem found, in the order they appear in the plan."""
    if not isinstance(data, Mapping):
        return PlanCheck(None, (Problem("", "a plan is a TOML document of keys and tables"),))
    found: list[tuple[Loc, Problem]] = []
    plan: Plan | None = None
    try:
        plan = Plan.model_validate(data, context={"cross_checked": True})
    except ValidationError as e:
        found += [(tuple(err["loc"]), Problem(path_of(tuple(err["loc"])), _message(err)))
                  for err in e.errors(include_url=False)]
    found += list(_cross(data))
    if found:
        plan = None
    ordered = sorted(found, key=lambda item: _order_key(item[0]))
    unique = list(dict.fromkeys(p for _, p in ordered))
    return PlanCheck(plan, tuple(unique))


def cross_problems(data: Mapping[str, Any]) -> list[Problem]:
    """The problems that need the whole plan; tolerant of keys that are missing or mistyped
    (those are pydantic's to report)."""
    return [p for _, p in _cross(data)]


def _message(err: ErrorDetails) -> str:
    kind, loc, given = err["type"], tuple(err["loc"]), err.get("input")
    key = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        allowed = list(_model_at(loc[:-1]).model_fields)
        return "unknown key" + (did_you_mean(key, allowed) or f"; the keys here are {', '.join(allowed)}")
    if kind == "literal_error":
        choices = CHOICES.get(key, ())
        hint = did_you_mean(str(given), choices) or f"; use one of {', '.join(choices)}"
        return f"unknown {NOUNS.get(key, key)} {given!r}{hint}"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    template = TYPE_MESSAGES.get(kind)
    if template is None:
        return f"{err['msg'][0].lower()}{err['msg'][1:]} (got {given!r})"
    limits = {k: _num(v) if isinstance(v, int | float) else v for k, v in (err.get("ctx") or {}).items()}
    return template.format(input=repr(given), **limits)


def _model_at(loc: Loc) -> type[BaseModel]:
    model: type[BaseModel] = Plan
    for part in loc:
        if isinstance(part, str):
            model = CHILD_MODELS.get(part, model)
    return model


def _order_key(loc: Loc) -> tuple[int, ...]:
    """Where a path lies in the plan: field declaration order, then item index."""
    model: type[BaseModel] = Plan
    key: list[int] = []
    for part in loc:
        if isinstance(part, int):
            key.append(part)
            continue
        fields = list(model.model_fields)
        key.append(fields.index(part) if part in fields else len(fields))
        model = CHILD_MODELS.get(part, model)
    return tuple(key)


# -- whole-plan checks on raw data ---------------------------------------------------------------

def _tables(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list | tuple):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def _ident(value: Any) -> str | None:
    return value.strip().lower() or None if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None


def _num(x: float) -> str:
    return f"{x:.10g}"


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


def _cross(data: Mapping[str, Any]) -> Iterator[tuple[Loc, Problem]]:
    if "mappings" in data:
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


def _mapping_problems(value: Any) -> Iterator[tuple[Loc, Problem]]:
    """[mappings]: known tables of "export value" = "canonical value", each value one the column accepts."""
    from loaders.presets.mappings import problems

    for parts, message in problems(value):
        loc: Loc = ("mappings", *parts)
        path = "mappings" + "".join(f".{p}" if _BARE.match(p) else f".{json.dumps(p, ensure_ascii=False)}"
                                    for p in parts)
        yield loc, Problem(path, message)


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
    op, threshold, warn = gate.get("op"), _number(gate.get("threshold")), _number(gate.get("warn"))
    if op in WRONG_SIDE and threshold is not None and warn is not None:
        side, beyond = WRONG_SIDE[op]
        if getattr(warn, beyond)(threshold):
            yield (("stages", i, "gates", k, "warn"),
                   Problem(f"{where}.warn", f"{_num(warn)} is {side} the threshold {_num(threshold)}; with {op!r} "
                                            f"the warn level must not be {side} the threshold (it warns before "
                                            "the gate fails)"))
    metric = _text(gate.get("metric"))
    if metric in REGISTRY and REGISTRY[metric].n is None and gate.get("min_sample") is not None:
        yield (("stages", i, "gates", k, "min_sample"),
               Problem(f"{where}.min_sample", f"{metric!r} has no sample size, so min_sample cannot apply to it; "
                                              "remove min_sample from this gate"))


# -- warnings against the loaded data -------------------------------------------------------------

def reference_warnings(plan: Plan, departments: set[str], modules: set[str]) -> list[Problem]:
    """Warnings for stage departments that no roster row has and required modules no training row has.
    An empty set means that dataset is not loaded yet, and nothing is said about it."""
    out: list[Problem] = []
    for i, stage in enumerate(plan.stages):
        if departments:
            out += [Problem(f"stages[{i}].departments[{j}]", f"no roster row has department {d!r}"
                            f"{did_you_mean(d, departments)}", "warning")
                    for j, d in enumerate(stage.departments) if d != "*" and d not in departments]
        if modules:
            out += [Problem(f"stages[{i}].required_training[{j}]", f"no training row has module {m!r}"
                            f"{did_you_mean(m, modules)}", "warning")
                    for j, m in enumerate(stage.required_training) if m not in modules]
    return out


def loaded_references(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str]]:
    """(departments of the roster, modules of the training records) as stored."""
    departments = {r[0] for r in con.execute("select distinct department from roster").fetchall() if r[0]}
    modules = {r[0] for r in con.execute("select distinct module from training").fetchall() if r[0]}
    return departments, modules
