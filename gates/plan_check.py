"""Checking a rollout plan as a whole: every problem at once, each by its path, in plain words.

Two passes over the data as read from TOML: pydantic checks each key's type, allowed values and
bounds (gates/plan.py; unknown keys are refused); gates/plan_cross.py checks what needs the whole plan
(duplicate ids, stage date order, use cases declared before a stage approves them, min_sample only
where the metric has a sample size, the value mappings). Data nested deeper than a plan can be is
refused before either pass. Departments are not declared in the plan, so a department no roster
row has is only a warning (DESIGN.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from core.errors import InputError
from gates.plan import CHOICES, Fallback, Gate, PauseTrigger, Plan, Stage, UseCase
from gates.plan_bounds import MAX_GATES, MAX_STAGES, MAX_TRIGGERS, number_text
from gates.plan_cross import Loc, Problem, cross_checks, shorten
from gates.suggest import did_you_mean

# Tables and lists within one another, below the document: a plan needs 4 (stages, a stage, its
# gates, a gate); anything deeper than this is not a plan (DESIGN.md §4).
MAX_DEPTH = 10

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
    "less_than_equal": "should be at most {le}, not {input}",
    "less_than": "should be below {lt}, not {input}",
    "string_too_long": "is {length} characters long; keep it to {max_length} characters or fewer",
}
# Lists with a most allowed length: (what the items are, what holds them).
LIST_LIMITS: dict[str, tuple[str, str, int]] = {
    "stages": ("stages", "a plan", MAX_STAGES),
    "gates": ("gates", "a stage", MAX_GATES),
    "pause_triggers": ("pause triggers", "a plan", MAX_TRIGGERS),
}


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
    """('stages', 1, 'gates', 2, 'metric') -> 'stages[1].gates[2].metric'. A very long key is shortened."""
    out = ""
    for part in loc:
        key = part if isinstance(part, int) else shorten(part)
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def shown(value: Any) -> str:
    """A wrong value as a message quotes it: its repr, cut short when long."""
    return shorten(repr(value))


def check_plan(data: Any) -> PlanCheck:
    """Check plan data as read from TOML (a mapping). Returns the plan when it is valid, else None, and
    every problem found, in the order they appear in the plan."""
    if not isinstance(data, Mapping):
        return PlanCheck(None, (Problem("", "a plan is a TOML document of keys and tables"),))
    too_deep = _too_deep(data, ())
    if too_deep is not None:
        return PlanCheck(None, (Problem(path_of(too_deep), f"tables and lists are nested more than {MAX_DEPTH} "
                                                           "levels deep here; a rollout plan needs at most 4 "
                                                           "(stages, their gates): check that this is a plan"),))
    found: list[tuple[Loc, Problem]] = []
    plan: Plan | None = None
    try:
        plan = Plan.model_validate(data, context={"cross_checked": True})
    except ValidationError as e:
        found += [(tuple(err["loc"]), Problem(path_of(tuple(err["loc"])), _message(err)))
                  for err in e.errors(include_url=False)]
    found += list(cross_checks(data))
    if found:
        plan = None
    ordered = sorted(found, key=lambda item: _order_key(item[0]))
    unique = list(dict.fromkeys(p for _, p in ordered))
    return PlanCheck(plan, tuple(unique))


def _too_deep(value: Any, loc: Loc) -> Loc | None:
    """The path of the first table or list nested more than MAX_DEPTH levels below the document, or None."""
    if len(loc) > MAX_DEPTH:
        return loc
    items: Iterable[tuple[str | int, Any]] = (
        value.items() if isinstance(value, Mapping) else enumerate(value) if isinstance(value, list | tuple) else ())
    for key, item in items:
        if isinstance(item, Mapping | list | tuple):
            found = _too_deep(item, (*loc, key if isinstance(key, int) else str(key)))
            if found is not None:
                return found
    return None


def _message(err: ErrorDetails) -> str:
    kind, loc, given = err["type"], tuple(err["loc"]), err.get("input")
    key = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        allowed = list(_model_at(loc[:-1]).model_fields)
        return "unknown key" + (did_you_mean(shorten(key), allowed) or f"; the keys here are {', '.join(allowed)}")
    if kind == "literal_error":
        choices = CHOICES.get(key, ())
        hint = did_you_mean(shorten(str(given)), choices) or f"; use one of {', '.join(choices)}"
        return f"unknown {NOUNS.get(key, key)} {shown(given)}{hint}"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    if kind == "too_long" and key in LIST_LIMITS:
        items, holder, most = LIST_LIMITS[key]
        count = (err.get("ctx") or {}).get("actual_length") or (len(given) if isinstance(given, list | tuple) else 0)
        return f"{holder} may have at most {most:,} {items}; this one has {count:,}"
    template = TYPE_MESSAGES.get(kind)
    if template is None:
        return f"{err['msg'][0].lower()}{err['msg'][1:]} (got {shown(given)})"
    limits = {k: number_text(v) if isinstance(v, int | float) else v for k, v in (err.get("ctx") or {}).items()}
    length = f"{len(given):,}" if isinstance(given, str) else "?"
    return template.format(input=shown(given), length=length, **limits)


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
