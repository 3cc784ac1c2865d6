"""Cached reads for the pages, keyed on the database file and its data version.

The data version (DESIGN.md §9) changes with every ingest or undo, so a new upload is seen at
once. A script run opens the database at its first cache miss and closes it when the run ends
(`connection`, `release`), so a scheduled import from the command line can take the file between
reruns. Results that depend on the rollout plan are also keyed on the plan's sha256 (the plan
object itself is passed as `_plan`, which is not hashed).

Each cached read wraps one call to a lower layer and adds nothing to it: the queries and their rules
are the engine's (metrics, metrics.extent, loaders); the judging is gates'.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import metrics
from core.calendar import month_of_key
from core.csv_export import safe_csv
from core.xlsx_export import safe_xlsx
from gates.forecast import Ask, Forecast
from gates.forecast import forecast as expansion_forecast
from gates.plan import Plan
from gates.plan_check import loaded_references
from gates.plan_history import PlanVersion, version_of, versions
from loaders import activity, store
from loaders.ingest import history, rejects_of
from loaders.rejects import as_written
from metrics import privacy, seats
from metrics.coverage import Cell
from metrics.coverage import grid as coverage_grid
from metrics.drill import rows as drill_rows
from metrics.engine import BreakdownRow, By
from metrics.extent import Extent
from metrics.extent import extent as data_extent
from metrics.model import MetricContext, MetricValue, Window
from metrics.periods import Scans, Training, shared_scans
from metrics.registry import Family

DataVersion = tuple[int, int, int]
_run = threading.local()


@contextmanager
def connection(db: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to `db` for this script run: opened at the first read the run needs (a cache miss),
    shared by the run's later reads (they find DuckDB's buffers warm), closed by `release()` when the
    run ends (app.py). Outside a script run (tests, scripts) every read opens and closes its own."""
    if get_script_run_ctx() is None:
        with store.connect(Path(db)) as con:
            yield con
        return
    stack: ExitStack | None = getattr(_run, "stack", None)
    held: dict[str, duckdb.DuckDBPyConnection] = getattr(_run, "held", {})
    if stack is None:
        stack = _run.stack = ExitStack()
        _run.held = held
    if db not in held:
        held[db] = stack.enter_context(store.connect(Path(db)))
    yield held[db]


def release() -> None:
    """Close the connections this script run opened, giving the database file back (DESIGN.md §9)."""
    stack: ExitStack | None = getattr(_run, "stack", None)
    _run.stack, _run.held = None, {}
    if stack is not None:
        stack.close()


def current_db() -> Path:
    return store.db_path()


def version() -> DataVersion:
    return store.data_version(current_db())


@st.cache_data(show_spinner=False, max_entries=64)
def row_counts(db: str, data_version: DataVersion) -> dict[str, int]:
    with connection(db) as con:
        return store.row_counts(con)


@st.cache_data(show_spinner=False, max_entries=64)
def ingestion_history(db: str, data_version: DataVersion) -> pl.DataFrame:
    with connection(db) as con:
        rows = history(con)
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()


@st.cache_data(show_spinner=False, max_entries=64)
def rejects_files(db: str, data_version: DataVersion, ingestion_id: int) -> dict[str, bytes]:
    """The rejected rows of one ingestion in the file's own columns with their line and reasons
    (loaders.rejects), as {'csv': …, 'xlsx': …}: fixed in a spreadsheet, they can be imported again."""
    with connection(db) as con:
        table = as_written(rejects_of(con, ingestion_id))
    return {"csv": safe_csv(table.rows, table.columns),
            "xlsx": safe_xlsx(table.rows, table.columns, sheet="Rejected rows")}


@st.cache_data(show_spinner=False, max_entries=16)
def extent(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan | None) -> Extent:
    """The months from the earliest to the latest dated row of any dataset, and the filter choices
    (metrics.extent; the plan adds its use cases, when it is valid)."""
    ctx = _plan.metric_context() if _plan is not None else MetricContext(hourly_rate=0.0)
    with connection(db) as con:
        return data_extent(con, ctx)


@st.cache_data(show_spinner=False, max_entries=256)
def values(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, window: Window,
           months: tuple[str, ...] = ()) -> dict[str, MetricValue]:
    """Every metric of the registry for one window: {metric id: MetricValue}. A Window is a frozen record,
    hashed by its fields as part of the key. `months`, the data's months, name the kept scans the seats are read
    from (the users' history, read once for every window and filter: `_shared_scans`)."""
    training = _training(db, data_version, plan_sha, _plan)
    seats = (_shared_scans(db, data_version, plan_sha, _plan, month_of_key(months[0])[0],
                           month_of_key(months[-1])[1]) if months else None)
    with connection(db) as con:
        return metrics.compute(con, _plan.metric_context(), window, training=training, seats_from=seats)


@st.cache_data(show_spinner=False, max_entries=64)
def forecast(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, stage_id: str, window: Window, ask: Ask
             ) -> Forecast:
    """The expansion forecast of `ask` from stage `stage_id` reviewed on `window` (gates.forecast)."""
    with connection(db) as con:
        return expansion_forecast(con, _plan, stage_id, window, ask)


@st.cache_data(show_spinner=False, max_entries=128)
def breakdown(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, family: Family, by: By,
              window: Window) -> list[BreakdownRow]:
    """Every metric of `family` for every department or use case of one window."""
    with connection(db) as con:
        return metrics.family_breakdown(con, _plan.metric_context(), window, family, by)


@st.cache_data(show_spinner=False, max_entries=64)
def group_sizes(db: str, data_version: DataVersion, window: Window, by: By) -> dict[str, int]:
    """Distinct people per department or use case of `window` (metrics.privacy)."""
    with connection(db) as con:
        return privacy.group_sizes(con, window, by)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=32)
def drill(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, metric_id: str, window: Window
          ) -> pl.DataFrame:
    """The rows behind `metric_id` over `window` (metrics.drill)."""
    with connection(db) as con:
        return drill_rows(con, _plan.metric_context(), metric_id, window)


@st.cache_data(show_spinner=False, max_entries=64)
def seat_count(db: str, data_version: DataVersion, window: Window) -> int:
    """The seats on `window`'s end date (metrics.seats.seat_count)."""
    with connection(db) as con:
        return seats.seat_count(con, window)


@st.cache_data(show_spinner=False, max_entries=32)
def seat_holders(db: str, data_version: DataVersion, window: Window) -> pl.DataFrame:
    """Every seat on `window`'s end date with its last use, days idle and whether it is idle (metrics.seats)."""
    with connection(db) as con:
        return seats.seat_holders(con, window)


@st.cache_data(show_spinner=False, max_entries=8)
def coverage(db: str, data_version: DataVersion) -> list[Cell]:
    """Every dataset × month: the days an export covers and the rows stored (metrics.coverage.grid)."""
    with connection(db) as con:
        return coverage_grid(con)


@st.cache_data(show_spinner=False, max_entries=8)
def activity_log(db: str, data_version: DataVersion) -> tuple[list[activity.Entry], list[str]]:
    """Every activity entry (oldest first) and where its chain does not check (none when it does)."""
    if not Path(db).exists():
        return [], []
    with connection(db) as con:
        listed = activity.entries(con)
    return listed, activity.problems(listed)


@st.cache_data(show_spinner=False, max_entries=16)
def plan_versions(db: str, plan_sha: str) -> list[PlanVersion]:
    """Every kept version of the plan, newest first (a save changes the plan's sha256, so this is read again)."""
    if not Path(db).exists():
        return []
    with connection(db) as con:
        return versions(con)


@st.cache_data(show_spinner=False, max_entries=64)
def plan_version_of(db: str, data_version: DataVersion, current_plan_sha: str, sha256: str) -> int | None:
    """The kept plan version with this text (a snapshot names its plan by sha256), or None. Keyed on the plan in
    use as well: a save keeps a version without changing the data."""
    if not Path(db).exists():
        return None
    with connection(db) as con:
        return version_of(con, sha256)


@st.cache_data(show_spinner=False, max_entries=16)
def plan_references(db: str, data_version: DataVersion) -> tuple[set[str], set[str]]:
    """(roster departments, training modules) as stored, for the Plan page's warnings."""
    with connection(db) as con:
        return loaded_references(con)


@st.cache_data(show_spinner=False, max_entries=64)
def monthly(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, months: tuple[str, ...],
            department: str | None, use_case: str | None) -> dict[str, dict[str, MetricValue]]:
    """Every metric for each calendar month: {'YYYY-MM': {metric id: MetricValue}}, all months from one
    metrics.monthly call (grouped queries, not a scan per month). The scans that do not depend on the filters
    are kept for this data version and plan (`_shared_scans`), so another department or use case costs a small
    query."""
    if not months:
        return {}
    window = Window(month_of_key(min(months))[0], month_of_key(max(months))[1], department, use_case)
    scans = _shared_scans(db, data_version, plan_sha, _plan, window.start, window.end)
    with connection(db) as con:
        found = metrics.monthly(con, _plan.metric_context(), window, scans=scans)
    return {m: found[m] for m in months}


# Two kept: a base of ten million usage rows holds about a million rows.
@st.cache_resource(show_spinner=False, max_entries=2)
def _shared_scans(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, start: date, end: date) -> Scans:
    """The filter-independent scans of the months [start, end] for this data version and plan, made on first
    use and kept while they are the latest asked (a new data version is a new key)."""
    return shared_scans(_plan.metric_context(), Window(start, end),
                        training=_training(db, data_version, plan_sha, _plan))


@st.cache_resource(show_spinner=False, max_entries=2)
def _training(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan) -> Training:
    """Who completed which stage's modules, for this data version and plan: every window's numbers read it
    (metrics.periods.Training), so it is made once, not at each window's first computation."""
    return Training(_plan.metric_context())
