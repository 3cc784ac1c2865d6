"""What every page works from in one run: the database and its data version, the plan, the data's
extent, and the sidebar's window and filters — with the cached engine calls bound to them.

app.py calls `start()` once per run (it initialises session state, draws the shared sidebar with
ui.sidebar and keeps the Session); a page calls `get()` and reads from it. Pages never query or judge
anything themselves: they ask the Session, which asks ui.data (cached engine calls) for numbers and
gates for verdicts — a gate review is gates.review.evaluate fed with ui.data's cached metric values.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, cast

import polars as pl
import streamlit as st

from core.calendar import add_months, month_of_key
from gates.forecast import Ask, Forecast
from gates.plan import Plan, Stage
from gates.review import Evaluation, StageCriteria, evaluate, stage_criteria
from gates.trend import stage_on
from metrics import privacy
from metrics.engine import BreakdownRow, By
from metrics.extent import NOTHING, Extent
from metrics.model import MetricContext, MetricValue, Window
from metrics.registry import Family
from snapshots.record import Snapshot
from snapshots.store import earlier_reviews
from ui import data, router, sidebar, snapshots_data, state
from ui.data import DataVersion
from ui.plan import PlanState
from ui.plan import current as current_plan


@dataclass(frozen=True)
class Session:
    """The inputs of this run. `months` is None when no data is loaded."""

    db: str
    version: DataVersion
    plan_state: PlanState
    extent: Extent
    months: tuple[str, str] | None
    department: str | None
    use_case: str | None

    # -- what is there ------------------------------------------------------------------------
    @property
    def plan(self) -> Plan | None:
        return self.plan_state.plan

    @property
    def has_data(self) -> bool:
        return not self.extent.empty

    @property
    def window(self) -> Window | None:
        """The sidebar's window: first day of the first month to last day of the last, with the filters."""
        if self.months is None:
            return None
        return Window(month_of_key(self.months[0])[0], month_of_key(self.months[1])[1], self.department,
                      self.use_case)

    def stage_in_force(self, day: date | None = None) -> Stage | None:
        """The plan stage in force on `day` (default: the window's last day); None before the first stage."""
        if self.plan is None:
            return None
        day = day or (self.window.end if self.window else None)
        return stage_on(self.plan, day) if day is not None else None

    def previous_window(self) -> Window | None:
        """As many whole months as the window, just before it, with the same filters."""
        if self.window is None or self.months is None:
            return None
        count = len(self.extent.months[self.extent.months.index(self.months[0]):
                                       self.extent.months.index(self.months[1]) + 1])
        end = self.window.start - timedelta(days=1)
        return Window(add_months(end, -(count - 1)), end, self.department, self.use_case)

    # -- cached engine calls ------------------------------------------------------------------
    def _plan(self) -> Plan:
        if self.plan is None:
            raise RuntimeError("the plan is not valid; pages check Session.plan first")
        return self.plan

    def values(self, window: Window) -> dict[str, MetricValue]:
        return data.values(self.db, self.version, self.plan_state.sha256, self._plan(), window, self.extent.months)

    def _values_in(self, ctx: MetricContext, window: Window) -> dict[str, MetricValue]:
        """Every metric of `window`, from the cache (a review asks under the plan's own context)."""
        return self.values(window)

    def evaluation(self, stage_id: str, window: Window | None = None) -> Evaluation:
        """The gate review of `stage_id` on `window` (default: the sidebar's), from cached metric values: a
        window another page or an earlier run asked for (a trigger's 30 days, a month) costs nothing."""
        w = window or self.window
        assert w is not None
        return evaluate(None, self._plan(), stage_id, w, values=self._values_in)

    def forecast(self, stage_id: str, ask: Ask, window: Window | None = None) -> Forecast:
        """The expansion forecast of `ask` from stage `stage_id` reviewed on `window` (default: the sidebar's), for
        the whole stage: the department and use-case filters do not apply to it."""
        w = window or self.window
        assert w is not None
        return data.forecast(self.db, self.version, self.plan_state.sha256, self._plan(), stage_id,
                             replace(w, department=None, use_case=None), ask)

    def stage_criteria(self, stage_id: str) -> StageCriteria:
        """The gates of `stage_id` judged on the sidebar's window as the gate review judges them, without its
        triggers (a family page shows the criteria only), from cached metric values."""
        assert self.window is not None
        return stage_criteria(None, self._plan(), stage_id, self.window, values=self._values_in)

    def last_review(self, stage_id: str) -> Snapshot | None:
        """The newest recorded review of `stage_id`, with the sidebar's filters, on a window that ended before
        this one starts (the Overview compares with it); None when there is none."""
        assert self.window is not None
        listed = snapshots_data.entries(self.db, self.version)
        for snapshot_id in earlier_reviews(listed, stage_id, self.window.start.isoformat()):
            snap = snapshots_data.snapshot(self.db, self.version, snapshot_id)
            if (snap.window.department, snap.window.use_case) == (self.department, self.use_case):
                return snap
        return None

    def drill(self, metric_id: str, window: Window) -> pl.DataFrame:
        """The rows behind `metric_id` over `window` (a review's period, with its filters)."""
        return data.drill(self.db, self.version, self.plan_state.sha256, self._plan(), metric_id, window)

    def seat_count(self, window: Window) -> int:
        """The seats on `window`'s end date (metrics.seats.seat_count)."""
        return data.seat_count(self.db, self.version, window)

    def seat_holders(self, window: Window) -> pl.DataFrame:
        """Every seat on `window`'s end date, with its last use and days idle (metrics.seats.seat_holders)."""
        return data.seat_holders(self.db, self.version, window)

    def breakdown(self, family: Family, by: By) -> list[BreakdownRow]:
        """Every metric of `family` per department or use case of the sidebar's window; a group under the plan's
        privacy floor (and its complement, metrics.privacy.hidden) without values, saying why."""
        w = self.window
        assert w is not None
        rows = data.breakdown(self.db, self.version, self.plan_state.sha256, self._plan(), family, by, w)
        floor = self._plan().privacy_min_group
        if by == "month" or not floor:
            return rows
        hide = privacy.hidden(data.group_sizes(self.db, self.version, w, by), floor)
        why = privacy.hidden_text(floor)
        return [replace(r, value=MetricValue(r.metric_id, None, missing=why)) if r.key in hide else r for r in rows]

    def floor(self) -> privacy.Floor:
        """The privacy floor of the sidebar's view: the plan's minimum group and the people a filtered view is
        about (an unfiltered view is never hidden)."""
        w = self.window
        minimum = self.plan.privacy_min_group if self.plan is not None else 0
        if w is None or not minimum or (w.department is None and w.use_case is None):
            return privacy.Floor(minimum, None)
        # The sizes of every use case (or department) of the window, read once per window and other filter, so
        # that choosing another one in the sidebar costs nothing (metrics.privacy.view_size, from the cache).
        db, version = self.db, self.version
        if w.use_case is not None:
            key: str | None
            sizes, key = data.group_sizes(db, version, replace(w, use_case=None), "use_case"), w.use_case
        else:
            sizes, key = data.group_sizes(db, version, replace(w, department=None), "department"), w.department
        return privacy.Floor(minimum, sizes.get(str(key), 0))

    def monthly(self) -> dict[str, dict[str, MetricValue]]:
        """Every metric for every month of the data, with the sidebar's department and use-case filters."""
        return data.monthly(self.db, self.version, self.plan_state.sha256, self._plan(), self.extent.months,
                            self.department, self.use_case)


def load() -> Session:
    """Read this run's inputs: the plan file, the data version and extent, and the filters in session state."""
    plan_state = current_plan()
    db = str(data.current_db())
    version = data.version()
    extent = data.extent(db, version, plan_state.sha256, plan_state.plan) if version != (0, 0, 0) else NOTHING
    state.init(cast("MutableMapping[str, Any]", st.session_state), extent, plan_state, st.query_params.to_dict())
    return Session(db, version, plan_state, extent, None, None, None)


def start() -> Session:
    """app.py: initialise state, draw the shared sidebar, and keep the Session for the page."""
    base = load()
    plan = base.plan
    chosen = sidebar.filters(base.extent, plan.use_case_label if plan is not None else str)
    sidebar.to_address(chosen)
    s = replace(base, months=chosen.months, department=chosen.department, use_case=chosen.use_case)
    sidebar.plan_summary(s.plan_state, s.window.end if s.window else None, s.stage_in_force())
    st.session_state[state.SESSION] = s
    return s


def get() -> Session:
    """The Session app.py started for this run. Every page calls this first."""
    router.through_the_router()
    s = st.session_state.get(state.SESSION)
    return s if isinstance(s, Session) else start()
