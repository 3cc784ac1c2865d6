"""What the loaded data spans: the calendar months from its earliest to its latest dated row, and the
departments and use cases a window over them can be narrowed to.

`extent(con, ctx)` reads it in one query over the time column each event dataset declares
(loaders.schema; roster and training describe a state, so they place nothing in time) and asks the
engine for the departments and use cases of that span. `Extent` is the frozen record it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from core.calendar import month_keys
from loaders.schema import DATASETS
from metrics.engine import departments, use_cases
from metrics.model import MetricContext, Window
from metrics.query import fetch_one


@dataclass(frozen=True)
class Extent:
    """What the loaded data spans: its calendar months ('YYYY-MM', in order), the roster's departments
    and the use cases seen in the data or named by the plan. No months: nothing is loaded."""

    months: tuple[str, ...]
    departments: tuple[str, ...]
    use_cases: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.months


NOTHING = Extent((), (), ())

# Table and column names come from the schema's declarations, never from input.
_BOUNDS = " union all ".join(
    f'select min(cast("{d.time_column}" as date)) as lo, max(cast("{d.time_column}" as date)) as hi from {d.name}'
    for d in DATASETS.values() if not d.describes_state)
_SPAN = f"select min(lo) as first, max(hi) as last from ({_BOUNDS})"


def extent(con: duckdb.DuckDBPyConnection, ctx: MetricContext) -> Extent:
    """The months from the earliest to the latest dated row of any event dataset, with the departments and
    use cases of that span (`ctx` adds the use cases the plan names). NOTHING when no row is dated."""
    span = fetch_one(con, _SPAN, {})
    if span["first"] is None:
        return NOTHING
    window = Window(span["first"], span["last"])
    return Extent(month_keys(window.start, window.end), tuple(departments(con, window)),
                  tuple(use_cases(con, ctx, window)))
