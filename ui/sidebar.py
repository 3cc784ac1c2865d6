"""The shared sidebar, drawn by ui.session at the start of every run: `filters` draws the window (a range
of months) and the department and use-case filters and returns what is chosen; `plan_summary` names the
plan and the stage in force. Widget keys are ui.state's; their values were set by ui.state.init.

It draws from plain records (the data's extent, the plan file, a stage), so it needs nothing of the
Session it helps to build.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import streamlit as st

from gates.plan import Stage
from metrics.extent import Extent
from metrics.format import day_label, escape_md, month_label
from ui import state
from ui.plan import PlanState


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices: first and last month ('YYYY-MM'; None without data), department and use case
    (None: all)."""

    months: tuple[str, str] | None = None
    department: str | None = None
    use_case: str | None = None


def _state() -> MutableMapping[str, Any]:
    return cast("MutableMapping[str, Any]", st.session_state)


def _all(label: str) -> Callable[[str], str]:
    """A format_func for selectboxes whose state.ALL means "all"."""
    return lambda v: label if v == state.ALL else v


def filters(extent: Extent, use_case_label: Callable[[str], str] = str) -> Filters:
    """Draw the heading, the months and the filters over `extent` (use cases in the plan's words,
    `use_case_label`); return the choices."""
    bar = st.sidebar
    bar.markdown("**Rollgate** · evidence for each rollout gate")
    if extent.empty:
        bar.caption("No exports loaded yet: the filters appear once there is data.")
        return Filters()
    months = extent.months
    if len(months) > 1:
        left, right = bar.columns(2)
        first = left.selectbox("From", months, key=state.FROM, format_func=month_label,
                               on_change=state.keep_order, args=(_state(), state.FROM),
                               help="The window every page shows runs from the first day of this month to the last "
                                    "day of the month on the right. Gates are usually judged one month at a time.")
        last = right.selectbox("To", months, key=state.TO, format_func=month_label,
                               on_change=state.keep_order, args=(_state(), state.TO))
    else:
        first = last = months[0]
        bar.caption(f"Months: {month_label(first)} (the only month with data)")
    department = bar.selectbox("Department", (state.ALL, *extent.departments), key=state.DEPARTMENT,
                               format_func=_all("All departments"),
                               help="Departments come from the roster. Exports without a department link "
                                    "(incidents) are not narrowed; the pages say where.")
    use_case = bar.selectbox("Use case", (state.ALL, *extent.use_cases), key=state.USE_CASE,
                             format_func=lambda u: "All use cases" if u == state.ALL else use_case_label(u),
                             help="Use cases of the plan and of the data. Exports without a use case (support "
                                  "tickets, roster, training) are not narrowed; the pages say where.")
    for asked in st.session_state.get(state.ADDRESS_IGNORED, ()):
        bar.caption(f":material/link_off: The page address asked for {escape_md(asked)}, which the data does not "
                    "have; the sidebar shows what it does.")
    return Filters((first, last), department or None, use_case or None)


def to_address(chosen: Filters) -> None:
    """Write the window and the filters into the page address, so it can be copied, bookmarked or reloaded
    (Streamlit clears the address when the page changes: every run writes it again)."""
    wanted = state.address(_state()) if chosen.months else {}
    current = {k: st.query_params.get(k) for k in state.ADDRESS}
    if current != {k: wanted.get(k) for k in state.ADDRESS}:
        for name in state.ADDRESS:
            if name in wanted:
                st.query_params[name] = wanted[name]
            elif name in st.query_params:
                del st.query_params[name]


def plan_summary(plan_state: PlanState, end: date | None, stage: Stage | None) -> None:
    """Name the plan and its owner, and the stage in force on `end` (the window's last day; None without
    data), or say that the plan file has problems."""
    bar = st.sidebar
    bar.divider()
    plan = plan_state.plan
    if plan is None:
        bar.caption(f"Plan file {escape_md(plan_state.path.name)} has problems: fix it on the Plan page.")
        return
    bar.caption(f"**Plan:** {escape_md(plan.name)}  \n**Owner:** {escape_md(plan.owner)}")
    if end is None:
        return
    when = day_label(end)
    if stage is None:
        first_stage = plan.stages[0]
        bar.caption(f"**Stage on {when}:** none yet (the first stage, {escape_md(first_stage.name)}, starts "
                    f"{day_label(first_stage.starts_on)})")
    else:
        bar.caption(f"**Stage on {when}:** {escape_md(stage.name)}, since "
                    f"{day_label(stage.starts_on)}")
