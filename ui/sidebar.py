"""The shared sidebar: the window (a range of months), the department and use-case filters, and the
plan with the stage in force. Widget keys are ui.state's; their values were set by ui.state.init."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from metrics.format import day_label, escape_md, month_label
from ui import state
from ui.session import Session


def _all(label: str) -> Callable[[str], str]:
    """A format_func for selectboxes whose state.ALL means "all"."""
    return lambda v: label if v == state.ALL else v


def render(base: Session) -> Session:
    """Draw the filters and the plan summary; return the Session with the chosen window and filters."""
    bar = st.sidebar
    bar.markdown("**Rollgate** · evidence for each rollout gate")
    s = base
    if base.has_data:
        months = base.extent.months
        if len(months) > 1:
            first, last = bar.select_slider(
                "Months", options=months, value=(months[-1], months[-1]), key=state.MONTHS, format_func=month_label,
                help="The window every page shows: from the first day of the first month to the last day of the "
                     "last. Gates are usually judged one month at a time.")
        else:
            first = last = months[0]
            bar.caption(f"Months: {month_label(first)} (the only month with data)")
        department = bar.selectbox("Department", (state.ALL, *base.extent.departments), key=state.DEPARTMENT,
                                   format_func=_all("All departments"),
                                   help="Departments come from the roster. Exports without a department link "
                                        "(incidents) are not narrowed; the pages say where.")
        use_case = bar.selectbox("Use case", (state.ALL, *base.extent.use_cases), key=state.USE_CASE,
                                 format_func=_all("All use cases"),
                                 help="Use cases of the plan and of the data. Exports without a use case (support "
                                      "tickets, roster, training) are not narrowed; the pages say where.")
        s = replace(base, months=(first, last), department=department or None, use_case=use_case or None)
    else:
        bar.caption("No exports loaded yet: the filters appear once there is data.")

    bar.divider()
    if s.plan is None:
        bar.caption(f"Plan file {escape_md(s.plan_state.path.name)} has problems: fix it on the Plan page.")
        return s
    bar.caption(f"**Plan:** {escape_md(s.plan.name)}  \n**Owner:** {escape_md(s.plan.owner)}")
    if s.window is not None:
        stage = s.stage_in_force()
        when = day_label(s.window.end)
        if stage is None:
            first_stage = s.plan.stages[0]
            bar.caption(f"**Stage on {when}:** none yet (the first stage, {escape_md(first_stage.name)}, starts "
                        f"{day_label(first_stage.starts_on)})")
        else:
            bar.caption(f"**Stage on {when}:** {escape_md(stage.name)} ({escape_md(stage.id)}), since "
                        f"{day_label(stage.starts_on)}")
    return s
