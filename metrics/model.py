"""The records metrics are computed from and returned as.

`MetricContext` is what a metric needs to know of the rollout plan (rates, defaults, stages);
the plan model builds it, so metrics never depend on how a plan is written. `Window` is the
period and filters; `MetricValue` is one result: value, sample size and interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

Z95 = 1.959963984540054


@dataclass(frozen=True)
class StageScope:
    """One stage of the plan as metrics see it. Departments, use cases and modules are normalised
    like the data (trimmed, lower-case); departments ("*",) means every department."""

    id: str
    name: str
    starts_on: date
    departments: tuple[str, ...]
    approved_use_cases: tuple[str, ...]
    required_training: tuple[str, ...] = ()
    monthly_budget: float | None = None

    @property
    def all_departments(self) -> bool:
        return "*" in self.departments


@dataclass(frozen=True)
class MetricContext:
    """What metrics need from the plan: labour price, default minutes saved, the stages in strictly
    increasing `starts_on` order, and the price of a seat per month (None when the plan sets none)."""

    hourly_rate: float
    default_minutes: Mapping[str, float] = field(default_factory=dict)
    stages: tuple[StageScope, ...] = ()
    currency: str = "EUR"
    seat_price: float | None = None

    def stage_on(self, day: date) -> StageScope | None:
        """The stage in force on `day`: the latest whose starts_on is on or before it."""
        current = None
        for s in self.stages:
            if s.starts_on <= day:
                current = s
        return current


@dataclass(frozen=True)
class Window:
    """A period [start, end] (dates, inclusive) and optional department / use-case filters."""

    start: date
    end: date
    department: str | None = None
    use_case: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")
        # Filters are matched like the data: trimmed and lower-cased.
        if self.department is not None:
            object.__setattr__(self, "department", self.department.strip().lower() or None)
        if self.use_case is not None:
            object.__setattr__(self, "use_case", self.use_case.strip().lower() or None)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class MetricValue:
    """One metric for one window: the value (None = no data), its sample size and, for the
    proportions of DESIGN.md §3, the 95% Wilson interval. `missing` says why there is no value when a
    dataset the metric needs does not cover the window ("no support export covers March 2026"); `partial`
    is then what the rows that are there give — for a count, a floor the missing rows can only raise
    (a pause trigger reads it), never a value to show."""

    id: str
    value: float | None
    n: int | None = None
    low: float | None = None
    high: float | None = None
    missing: str | None = None
    partial: float | None = None

    def as_json(self, unit: str) -> dict[str, object]:
        return {"value": self.value, "n": self.n, "low": self.low, "high": self.high, "unit": unit,
                "missing": self.missing}


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """95% Wilson score interval for successes / n; (None, None) when n is 0."""
    if n <= 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
