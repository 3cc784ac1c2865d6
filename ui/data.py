"""Cached reads for the pages, keyed on the database file and its data version.

The data version (DESIGN.md §9) changes with every ingest or undo, so a new upload is seen at
once. A script run opens the database at its first cache miss and closes it when the run ends
(`connection`, `release`), so a scheduled import from the command line can take the file between
reruns. Results that depend on the rollout plan are also keyed on the plan's sha256 (the plan
object itself is passed as `_plan`, which is not hashed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import metrics
from core.calendar import month_keys, month_of_key
from gates.plan import Plan
from gates.plan_check import loaded_references
from gates.review import TRAINING_METRIC, Evaluation, review, training_context
from gates.triggers import trigger_window
from loaders import store
from loaders.ingest import history, rejects_of
from metrics.engine import BreakdownRow, By, departments, use_cases
from metrics.model import MetricValue, Window
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
def rejects_csv(db: str, data_version: DataVersion, ingestion_id: int) -> bytes:
    from core.csv_export import safe_csv

    with connection(db) as con:
        rows = [r.model_dump() for r in rejects_of(con, ingestion_id)]
    return safe_csv(rows, ["line", "column", "reason", "raw"])


@dataclass(frozen=True)
class Extent:
    """What the loaded data spans, for the sidebar: its calendar months ('YYYY-MM', in order), the
    roster's departments and the use cases seen in the data or named by the plan."""

    months: tuple[str, ...]
    departments: tuple[str, ...]
    use_cases: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.months


# The time column of each dataset (DESIGN.md §3); costs are placed by their month.
TIME_COLUMNS = {"usage": "occurred_at", "reviews": "reviewed_at", "incidents": "reported_at",
                "support": "opened_at", "feedback": "submitted_at", "costs": "month"}


@st.cache_data(show_spinner=False, max_entries=16)
def extent(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan | None) -> Extent:
    """The months from the earliest to the latest dated row of any dataset, and the filter choices."""
    # metrics has no "what period does the data cover" query, so the one bit of SQL lives here.
    bounds = " union all ".join(f"select min(cast({c} as date)) as lo, max(cast({c} as date)) as hi from {t}"
                                for t, c in TIME_COLUMNS.items())
    with connection(db) as con:
        row = store.one(con, f"select min(lo), max(hi) from ({bounds})")
        if row is None or row[0] is None:
            return Extent((), (), ())
        first, last = row
        window = Window(first, last)
        depts = tuple(departments(con, window))
        ctx = _plan.metric_context() if _plan is not None else metrics.MetricContext(hourly_rate=0.0)
        cases = tuple(use_cases(con, ctx, window))
    return Extent(month_keys(first, last), depts, cases)


@st.cache_data(show_spinner=False, max_entries=256)
def values(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, start: date, end: date,
           department: str | None, use_case: str | None) -> dict[str, MetricValue]:
    """Every metric of the registry for one window: {metric id: MetricValue}."""
    with connection(db) as con:
        return metrics.compute(con, _plan.metric_context(), Window(start, end, department, use_case))


@st.cache_data(show_spinner=False, max_entries=128)
def evaluation(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, stage: str, start: date,
               end: date, department: str | None, use_case: str | None) -> Evaluation:
    """The gate review of `stage` on one window, as gates.review.evaluate makes it, from cached metric values.

    evaluate() computes every window it needs afresh; here each window (the review window, each pause
    trigger's window, the training window) is a `values` call, so a trigger window equal to the review
    window (30 days ending on the 30th) or a month another page already computed costs nothing.
    gates.review.review judges them; tests/test_pages_data.py checks the result equals evaluate()'s.
    """
    window = Window(start, end, department, use_case)
    judged = _plan.stage(stage)
    found = values(db, data_version, plan_sha, _plan, start, end, department, use_case)
    triggered = []
    for t in _plan.pause_triggers:
        tw = trigger_window(t, window)
        triggered.append(values(db, data_version, plan_sha, _plan, tw.start, tw.end, department, use_case)[t.metric])
    trained = None
    if training_context(_plan.metric_context(), judged, window) is not None:
        trained = _trained(db, data_version, plan_sha, _plan, stage, start, end, department, use_case)
    return review(_plan, judged.id, window, found, triggered, trained)


@st.cache_data(show_spinner=False, max_entries=64)
def _trained(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, stage: str, start: date, end: date,
             department: str | None, use_case: str | None) -> MetricValue:
    """Training completion against the modules of `stage`, when another stage is in force on the window's end."""
    window = Window(start, end, department, use_case)
    ctx = training_context(_plan.metric_context(), _plan.stage(stage), window)
    assert ctx is not None
    with connection(db) as con:
        return metrics.compute(con, ctx, window)[TRAINING_METRIC]


@st.cache_data(show_spinner=False, max_entries=128)
def breakdown(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, family: Family, by: By,
              start: date, end: date, department: str | None, use_case: str | None) -> list[BreakdownRow]:
    """Every metric of `family` for every department or use case of one window."""
    with connection(db) as con:
        return metrics.family_breakdown(con, _plan.metric_context(), Window(start, end, department, use_case),
                                        family, by)


@st.cache_data(show_spinner=False, max_entries=16)
def plan_references(db: str, data_version: DataVersion) -> tuple[set[str], set[str]]:
    """(roster departments, training modules) as stored, for the Plan page's warnings."""
    with connection(db) as con:
        return loaded_references(con)


@st.cache_data(show_spinner=False, max_entries=64)
def monthly(db: str, data_version: DataVersion, plan_sha: str, _plan: Plan, months: tuple[str, ...],
            department: str | None, use_case: str | None) -> dict[str, dict[str, MetricValue]]:
    """Every metric for each calendar month: {'YYYY-MM': {metric id: MetricValue}}, all months from one
    metrics.monthly call (grouped queries, not a scan per month). The engine keeps the scans that do not depend
    on the filters for this data version and plan, so another department or use case costs a small query."""
    if not months:
        return {}
    window = Window(month_of_key(min(months))[0], month_of_key(max(months))[1], department, use_case)
    with connection(db) as con:
        found = metrics.monthly(con, _plan.metric_context(), window, reuse=(db, data_version))
    return {m: found[m] for m in months}
