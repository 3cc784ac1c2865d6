"""The rollout plan of DESIGN.md §4 as a validated, immutable pydantic model.

A plan is read from TOML (gates/plan_io.py), checked as a whole (gates/plan_check.py: every
problem by its path, at once) and then used read-only: stages and their gates, pause triggers,
fallback options, and the MetricContext the metrics need. Departments, use cases and training
modules are normalised like the data (trimmed, lower-cased) as the plan is loaded.

The model also holds the plan to its bounds (gates/plan_bounds.py, DESIGN.md §4 "Plan bounds"), so
nothing a valid plan holds can make a review, a page or a snapshot fail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from core.errors import InputError
from gates import plan_toml
from gates.plan_bounds import (
    MAX_DEFAULT_MINUTES,
    MAX_DURATION_DAYS,
    MAX_EXPECTED_USERS,
    MAX_GATES,
    MAX_HOURLY_RATE,
    MAX_MONTHLY_BUDGET,
    MAX_PRIVACY_GROUP,
    MAX_SAMPLE,
    MAX_SEAT_PRICE,
    MAX_STAGES,
    MAX_TEXT,
    MAX_TRIGGERS,
    MAX_WINDOW_DAYS,
    limit_problem,
    warn_side_problem,
)
from gates.plan_cross import cross_problems
from gates.suggest import unknown_metric_message
from metrics.model import MetricContext, StageScope
from metrics.registry import REGISTRY

Op = Literal["<=", ">="]
Mode = Literal["read_only", "approval_first", "standard"]
OnFail = Literal["limit", "redesign", "pause"]
Action = Literal["pause", "restrict", "extra_review", "return_to_manual"]
# A gate review's outcomes, in increasing severity (DESIGN.md §4).
Outcome = Literal["proceed", "continue", "limit", "redesign", "pause"]
# One value mapping of the import presets: (export value, canonical value) pairs, in the plan's order.
MappingEntries = tuple[tuple[str, str], ...]

# The choices a user may write for each enumerated key, for messages and the Plan page.
CHOICES: dict[str, tuple[str, ...]] = {
    "op": get_args(Op),
    "mode": get_args(Mode),
    "on_fail": get_args(OnFail),
    "action": get_args(Action),
}


def _known_metric(value: str) -> str:
    if value not in REGISTRY:
        raise ValueError(unknown_metric_message(value))
    return value


Identifier = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1,
                                              max_length=MAX_TEXT)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
OptionalText = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
MetricId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT), AfterValidator(_known_metric)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class UseCase(_Model):
    """A use case the plan knows; `default_minutes_saved` applies to usage rows without minutes."""

    id: Identifier
    name: OptionalText = ""  # how people call it; shown instead of the id (default: the id in words)
    description: OptionalText = ""
    default_minutes_saved: Annotated[float, Field(ge=0, le=MAX_DEFAULT_MINUTES)] | None = None

    @property
    def label(self) -> str:
        """Its name, or its id in words ('clause_review' reads 'clause review')."""
        return self.name or self.id.replace("_", " ").replace("-", " ")


class Gate(_Model):
    """One criterion of a stage: `metric op threshold` must hold, else the stage gets `on_fail`."""

    metric: MetricId
    op: Op
    threshold: float
    warn: float | None = None
    min_sample: Annotated[int, Field(ge=1, le=MAX_SAMPLE)] | None = None
    on_fail: OnFail

    @field_validator("threshold", "warn")
    @classmethod
    def _limit(cls, value: float | None, info: ValidationInfo) -> float | None:
        # The fields before this one (metric, op, threshold) are in info.data when they were valid.
        if value is None:
            return None
        problem = limit_problem(info.data.get("metric"), value)
        if problem is None and info.field_name == "warn":
            problem = warn_side_problem(info.data.get("op"), info.data.get("threshold"), value)
        if problem is not None:
            raise ValueError(problem)
        return value


class Stage(_Model):
    """One stage of the rollout: who may use what, how, from when, and the gates it must pass."""

    id: Text
    name: Text
    starts_on: date
    departments: tuple[Identifier, ...] = ()
    approved_use_cases: tuple[Identifier, ...] = ()
    mode: Mode
    required_training: tuple[Identifier, ...] = ()
    min_duration_days: Annotated[int, Field(ge=0, le=MAX_DURATION_DAYS)] = 0
    monthly_budget: Annotated[float, Field(ge=0, le=MAX_MONTHLY_BUDGET)] | None = None
    # The people who will have access in this stage (DESIGN.md §12: the expansion forecast scales to it).
    expected_users: Annotated[int, Field(ge=1, le=MAX_EXPECTED_USERS, strict=True)] | None = None
    gates: Annotated[tuple[Gate, ...], Field(max_length=MAX_GATES)] = ()

    def scope(self) -> StageScope:
        """The stage as metrics see it."""
        return StageScope(id=self.id, name=self.name, starts_on=self.starts_on, departments=self.departments,
                          approved_use_cases=self.approved_use_cases, required_training=self.required_training,
                          monthly_budget=self.monthly_budget)


class Evidence(_Model):
    """How a gate's interval is judged (DESIGN.md §4 "Evidence method"): the 95% Wilson interval of one look
    ("fixed"), or an anytime-valid 95% confidence sequence that a monthly look at a growing sample cannot pass
    by chance more often than 5% of the time ("sequential")."""

    method: Literal["fixed", "sequential"] = "fixed"


class PauseTrigger(_Model):
    """Fires when `metric op value` holds over the `window_days` days ending on the window's end."""

    name: Text
    metric: MetricId
    op: Op
    value: float
    window_days: Annotated[int, Field(ge=1, le=MAX_WINDOW_DAYS)]
    action: Action
    # Fewer observations (the metric's n) than this: the trigger never fires and is insufficient.
    min_sample: Annotated[int, Field(ge=1, le=MAX_SAMPLE)] | None = None

    @field_validator("value")
    @classmethod
    def _limit(cls, value: float, info: ValidationInfo) -> float:
        problem = limit_problem(info.data.get("metric"), value)
        if problem is not None:
            raise ValueError(problem)
        return value


class Fallback(_Model):
    """What the organisation falls back to when a stage is paused or limited."""

    options: tuple[Text, ...] = ()


class Plan(_Model):
    """A whole rollout plan. Build it with gates.plan_io (load_plan, parse_plan) or
    gates.plan_check.check_plan, which report every problem at once; validating directly also
    refuses an inconsistent plan, but with less precise paths."""

    name: Text
    owner: Text
    support_contact: OptionalText = ""
    currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1,
                                               max_length=MAX_TEXT)] = "EUR"
    hourly_rate: Annotated[float, Field(ge=0, le=MAX_HOURLY_RATE)]
    # The privacy floor (DESIGN.md §11): a breakdown row, a filtered view or a list of people about fewer distinct
    # people than this shows "fewer than N people" instead of its values; 0 turns it off.
    privacy_min_group: Annotated[int, Field(ge=0, le=MAX_PRIVACY_GROUP, strict=True)] = 5
    # A licence seat's price per month (DESIGN.md §12: cost.idle_seat_cost); None when the plan has none.
    seat_price: Annotated[float, Field(ge=0, le=MAX_SEAT_PRICE)] | None = None
    evidence: Evidence = Evidence()
    data_rules: tuple[Text, ...] = ()
    use_cases: tuple[UseCase, ...] = ()
    stages: Annotated[tuple[Stage, ...], Field(max_length=MAX_STAGES)]
    pause_triggers: Annotated[tuple[PauseTrigger, ...], Field(max_length=MAX_TRIGGERS)] = ()
    fallback: Fallback = Fallback()
    # [mappings.<table>] "export value" = "canonical value": entries over the import presets' defaults
    # (loaders/presets/defaults.toml). Held as pairs so the plan stays hashable; written back as tables.
    mappings: tuple[tuple[str, MappingEntries], ...] = ()

    _source: bytes | None = PrivateAttr(default=None)

    @field_validator("mappings", mode="before")
    @classmethod
    def _mappings_from_tables(cls, value: Any) -> Any:
        # Only well-formed entries are kept here; plan_check reports every malformed one by its path.
        if not isinstance(value, Mapping):
            return ()
        return tuple((str(name), tuple((str(k), v) for k, v in entries.items() if isinstance(v, str)))
                     for name, entries in value.items() if isinstance(entries, Mapping))

    @field_serializer("mappings")
    def _mappings_as_tables(self, value: tuple[tuple[str, MappingEntries], ...]) -> dict[str, dict[str, str]]:
        return {name: dict(entries) for name, entries in value}

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Plan:
        # check_plan runs these checks on the raw data itself (with exact paths) and says so.
        if not (info.context or {}).get("cross_checked"):
            found = cross_problems(self.model_dump())
            if found:
                raise ValueError("; ".join(str(p) for p in found))
        return self

    # -- identity ---------------------------------------------------------------------------
    def with_source(self, content: bytes) -> Plan:
        """This plan, remembering the exact bytes it was read from (for sha256 and snapshots)."""
        self._source = content
        return self

    @property
    def content(self) -> str:
        """The plan as TOML text: the file it was read from, else the canonical dump."""
        if self._source is not None:
            return self._source.decode("utf-8")
        return self.toml()

    def toml(self) -> str:
        """The plan as canonical TOML (whatever file it was read from); parsed, it gives a plan equal to this."""
        data = self.as_data()
        if not data.get("mappings"):
            data.pop("mappings", None)
        return plan_toml.dumps(data)

    @property
    def sha256(self) -> str:
        """sha256 (hex) of the file content the plan was read from (of its TOML dump when built in memory)."""
        data = self._source if self._source is not None else self.content.encode("utf-8")
        return hashlib.sha256(data).hexdigest()

    # -- lookups ----------------------------------------------------------------------------
    @property
    def stage_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages)

    def stage(self, stage_id: str) -> Stage:
        """The stage called `stage_id`; InputError listing the plan's stages when there is none."""
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise InputError(f"unknown stage {stage_id!r}; this plan's stages are: {', '.join(self.stage_ids)}.")

    def use_case(self, use_case_id: str) -> UseCase | None:
        return next((u for u in self.use_cases if u.id == use_case_id), None)

    def use_case_label(self, use_case: str) -> str:
        """The words for a use case: its declared label, or as the data writes it when the plan does not declare it."""
        return next((u.label for u in self.use_cases if u.id == use_case), use_case)

    def mapping_overrides(self) -> dict[str, dict[str, str]]:
        """The plan's value mappings, {table: {export value: canonical value}}, for IngestOptions.mappings."""
        return {name: dict(entries) for name, entries in self.mappings}

    def metric_context(self) -> MetricContext:
        """What metrics need of this plan: hourly rate, default minutes per use case, stages, currency."""
        defaults = {u.id: u.default_minutes_saved for u in self.use_cases if u.default_minutes_saved is not None}
        return MetricContext(hourly_rate=self.hourly_rate, default_minutes=defaults,
                             stages=tuple(s.scope() for s in self.stages), currency=self.currency,
                             seat_price=self.seat_price)

    def as_data(self) -> dict[str, Any]:
        """The plan as plain TOML-ready data (no None values), in declaration order."""
        return self.model_dump(mode="python", exclude_none=True)
