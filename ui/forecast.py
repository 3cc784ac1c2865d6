"""The expansion forecast beside the recommendation on Gate review (DESIGN.md §12): the stage to forecast (by
default the next one), the people who will have access and the damping are asked here; the forecast record
comes from gates.forecast through the cache (ui.data) and is rendered, never recomputed: a table of the
measures (central value, 80% range, unit) and its assumptions in plain words.

Text that may come from the plan (stage names) is escaped for Streamlit markdown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
import streamlit as st

from core.errors import InputError
from gates.forecast import (
    PEOPLE_WORDS,
    Ask,
    Forecast,
    NoNextStage,
    central_text,
    forecastable,
    next_stage,
    range_text,
    unit_text,
)
from gates.period import NotInForce
from gates.plan import Plan
from gates.plan_bounds import MAX_EXPECTED_USERS
from gates.review import Evaluation
from metrics.format import day_label, escape_md, month_label
from ui import state

if TYPE_CHECKING:  # the Session is handed in by the page; ui.session does not need this module
    from ui.session import Session

DAMPING_STEP = 0.05


def ask() -> Ask:
    """What this session asks of the forecast (session state, ui.state): the stage, the people and the damping."""
    ss = st.session_state
    users = ss.get(state.FORECAST_USERS)
    # The slider's steps are float sums (0.7000000000000001): the damping asked is the step the person chose.
    return Ask(stage=ss.get(state.FORECAST_STAGE) or None, users=int(users) if users else None,
               damping=round(float(ss.get(state.FORECAST_DAMPING, 1.0)), 2))


def table(fc: Forecast) -> pl.DataFrame:
    """One row per measure: its label, central value, 80% range and unit, as the page shows them."""
    return pl.DataFrame({"Measure": [m.label for m in fc.measures],
                         "Forecast": [central_text(m) for m in fc.measures],
                         f"{fc.method.coverage:.0%} range": [range_text(m) for m in fc.measures],
                         "Unit": [unit_text(m, fc.currency) for m in fc.measures]})


def summary(fc: Forecast) -> str:
    """One line under the table: which month, how many people from where, the damping, the evidence (markdown)."""
    return (f"{month_label(fc.month)}, the first full month of stage {escape_md(fc.stage.name)}: "
            f"{fc.people.count:,} people with access ({escape_md(PEOPLE_WORDS[fc.people.source])}), damping "
            f"{fc.damping:g}; learned from stage {escape_md(fc.from_stage.name)}, {day_label(fc.period.from_)} – "
            f"{day_label(fc.period.to)}.")


def _controls(plan: Plan, ev: Evaluation) -> None:
    current = plan.stage(ev.stage)
    after = next_stage(plan, current)
    ids = tuple(s.id for s in forecastable(plan, current))
    if st.session_state.get(state.FORECAST_STAGE) not in (state.ALL, *ids):
        st.session_state[state.FORECAST_STAGE] = state.ALL  # a stage before the reviewed one: back to the next
    auto = f"Next stage: {after.name}" if after else "Next stage: none (the reviewed stage is the last)"
    st.selectbox("Stage to forecast", (state.ALL, *ids), key=state.FORECAST_STAGE,
                 format_func=lambda i: auto if i == state.ALL else plan.stage(i).name,
                 help="By default the stage after the one reviewed. The reviewed stage itself forecasts it at another "
                      "number of people.")
    left, right = st.columns(2)
    with left:
        st.slider("Damping", min_value=DAMPING_STEP, max_value=1.0, step=DAMPING_STEP, key=state.FORECAST_DAMPING,
                  help="How likely the new people are to use the tool, as a share of the current ones. Pilot users "
                       "often volunteer: 0.7 assumes 70% as many active people, and every measure scales with them.")
    with right:
        st.number_input("People with access", min_value=1, max_value=MAX_EXPECTED_USERS, step=1,
                        key=state.FORECAST_USERS, placeholder="as planned",
                        help="The people who will have access in the stage. Empty: its expected_users in the plan, "
                             "else the people the roster lists in its departments.")


def render(s: Session, ev: Evaluation) -> None:
    """The forecast box: its controls, then the table and the assumptions, or why there is nothing to show."""
    plan = s.plan
    assert plan is not None
    with st.container(border=True, key="forecast_box"):
        st.markdown("#### Expansion forecast")
        _controls(plan, ev)
        try:
            fc = s.forecast(ev.stage, ask(), ev.window)
        except NoNextStage:
            st.caption(f"Stage {escape_md(ev.stage_name)} is the last stage of the plan: there is no next stage to "
                       "forecast. Choose a stage above to forecast it.")
            return
        except (InputError, NotInForce) as e:
            st.warning(f"{str(e)[0].upper()}{escape_md(str(e)[1:])}", icon=":material/warning:")
            return
        st.table(table(fc), hide_index=True)
        st.caption(summary(fc))
        if ev.department or ev.use_case:
            st.caption("The forecast is of the whole stage: the sidebar's department and use-case filters do not "
                       "apply to it.")
        missing = [m for m in fc.measures if m.missing]
        if missing:
            st.caption("\n".join(f"- {m.label}: no forecast, {escape_md(m.missing or '')}." for m in missing))
        with st.expander("Assumptions"):
            st.markdown("\n".join(f"- {escape_md(a)}" for a in fc.assumptions))
