"""Gate review: one stage of the plan judged on the sidebar's window — the recommendation with the expansion
forecast beside it, every criterion with its evidence, the pause triggers and readiness; then the place where
the decision is recorded."""

from __future__ import annotations

import streamlit as st

from gates.period import NotInForce
from metrics.format import day_label, escape_md
from ui import decision, evidence, forecast, guards, session, state

st.title("Gate review")
guards.show_flash()
s = session.get()
guards.require(s, "gate review")
plan, window = s.plan, s.window
assert plan is not None and window is not None

in_force = s.stage_in_force()
auto = (f"Stage in force on {day_label(window.end)}: {in_force.name}" if in_force
        else f"No stage in force on {day_label(window.end)}")
chosen = st.selectbox("Stage to review", (state.ALL, *plan.stage_ids), key=state.GATE_STAGE,
                      format_func=lambda i: auto if i == state.ALL else plan.stage(i).name,
                      help="By default the stage in force on the window's last day. The window, department and "
                           "use case are the sidebar's.")
stage = plan.stage(chosen) if chosen else in_force
if stage is None:
    st.info(f"No stage of the plan is in force on {day_label(window.end)}; choose a stage above or later months "
            "in the sidebar.", icon=":material/event:")
    st.stop()

try:
    ev = s.evaluation(stage.id)
except NotInForce as e:
    st.info(f"{str(e)[0].upper()}{escape_md(str(e)[1:])}", icon=":material/event:")
    st.stop()
verdict, outlook = st.columns(2, gap="medium")
with verdict:
    evidence.recommendation(ev)
with outlook:
    forecast.render(s, ev)

st.subheader("Criteria")
st.caption(f"Every gate of stage {escape_md(stage.name)}: the value with its sample and 95% interval, the limit, the "
           "status and why. " + evidence.METHOD_WORDS[ev.method])
evidence.criteria_table(ev, key="gate_review_criteria")
evidence.evidence_needed(ev)
evidence.drill_down(s, ev)

st.subheader("Pause triggers")
evidence.fired_triggers(ev)
if ev.triggers:
    st.dataframe(evidence.triggers_frame(ev), hide_index=True, placeholder="—", width="stretch",
                 key="gate_review_triggers", column_config={"Explanation": st.column_config.TextColumn(width="large")})

st.subheader("Readiness")
evidence.readiness(ev)

st.divider()
st.subheader("Record the decision")
decision.render(s, ev, plan)
