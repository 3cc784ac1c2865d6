"""What every page works from in one run: the database and its data version, the plan, the data's
extent, and the sidebar's window and filters — with the cached engine calls bound to them.

app.py calls `start()` once per run (it initialises session state, draws the shared sidebar and
keeps the Session); a page calls `get()` and reads from it. Pages never query or judge anything
themselves: they ask the Session, which asks ui.data, which asks the engine.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import streamlit as st

from core.calendar import add_months, month_of_key
from gates.plan import Plan, Stage
from gates.review import Evaluation
from metrics.engine import BreakdownRow, By
from metrics.model import MetricValue, Window
from metrics.registry import Family
from ui import data, state
from ui.data import DataVersion, Extent
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
        if day is None:
            return None
        scope = self.plan.metric_context().stage_on(day)
        return self.plan.stage(scope.id) if scope is not None else None

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
        return data.values(self.db, self.version, self.plan_state.sha256, self._plan(), window.start, window.end,
                           window.department, window.use_case)

    def evaluation(self, stage_id: str, window: Window | None = None) -> Evaluation:
        w = window or self.window
        assert w is not None
        return data.evaluation(self.db, self.version, self.plan_state.sha256, self._plan(), stage_id, w.start, w.end,
                               w.department, w.use_case)

    def breakdown(self, family: Family, by: By) -> list[BreakdownRow]:
        w = self.window
        assert w is not None
        return data.breakdown(self.db, self.version, self.plan_state.sha256, self._plan(), family, by, w.start,
                              w.end, w.department, w.use_case)

    def monthly(self) -> dict[str, dict[str, MetricValue]]:
        """Every metric for every month of the data, with the sidebar's department and use-case filters."""
        return data.monthly(self.db, self.version, self.plan_state.sha256, self._plan(), self.extent.months,
                            self.department, self.use_case)


def load() -> Session:
    """Read this run's inputs: the plan file, the data version and extent, and the filters in session state."""
    plan_state = current_plan()
    db = str(data.current_db())
    version = data.version()
    extent = (data.extent(db, version, plan_state.sha256, plan_state.plan) if version != (0, 0, 0)
              else Extent((), (), ()))
    state.init(cast("MutableMapping[str, Any]", st.session_state), extent, plan_state)
    return Session(db, version, plan_state, extent, None, None, None)


def start() -> Session:
    """app.py: initialise state, draw the shared sidebar, and keep the Session for the page."""
    from ui.sidebar import render

    base = load()
    s = render(base)
    st.session_state[state.SESSION] = s
    return s


def use_navigation_only() -> bool:
    """Tell Streamlit that app.py's st.navigation routes every page. True if it was in legacy mode.

    The page files live in pages/, which Streamlit also takes for its legacy multipage folder, and it
    has no setting to say otherwise: a process decides when its first session opens and leaves the
    mode only when st.navigation is called. In the mode a page's address is looked up among the files
    (pages/quality.py runs on its own, without app.py; /gate-review, not a file name, is "Page not
    found"). app.py's st.App calls this as the server starts, before the first session.

    The switch is a class attribute of Streamlit's, not a public API (checked with Streamlit 1.67:
    runtime/pages_manager.py sets it, runtime/scriptrunner/script_runner.py reads it). The app writes
    it here only.
    """
    from streamlit.runtime.pages_manager import PagesManager

    legacy = bool(PagesManager.uses_pages_directory)
    PagesManager.uses_pages_directory = False
    return legacy


def _through_the_router() -> None:
    """Make sure this run went through app.py's st.navigation.

    A served app left the legacy pages/ mode as the server started. AppTest has no server start and
    forgets before every run that the app calls st.navigation, so after switch_page it runs the page
    file on its own, without app.py: then the mode is switched off and the run starts again through
    app.py, on the same page.
    """
    if use_navigation_only():
        st.rerun()


def get() -> Session:
    """The Session app.py started for this run. Every page calls this first."""
    _through_the_router()
    s = st.session_state.get(state.SESSION)
    return s if isinstance(s, Session) else start()
