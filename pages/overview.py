"""Overview: the stage in force, the recommendation and its reasons, a status light per family with its
key metric and the change against the previous period, fired pause triggers and readiness."""

from __future__ import annotations

import streamlit as st

from metrics.format import (
    count_text,
    day_label,
    delta_text,
    escape_md,
    interval_text,
    months_label,
    value_text,
    window_text,
)
from metrics.registry import FAMILIES, HEADLINE, REGISTRY
from ui import evidence, guards, session
from ui.style import STATUS, badge_markdown

st.title("Overview")
guards.show_flash()
s = session.get()
guards.require(s, "rollout evidence")
plan, window, months = s.plan, s.window, s.months
assert plan is not None and window is not None and months is not None

stage = s.stage_in_force()
if stage is None:
    first = plan.stages[0]
    st.info(f"No stage of the plan is in force on {day_label(window.end)}: the first stage, "
            f"{escape_md(first.name)}, starts on {day_label(first.starts_on)}. Choose later months in the sidebar.",
            icon=":material/event:")
    st.stop()

ev = s.evaluation(stage.id)
where = ", ".join(stage.departments) if stage.departments else "no departments"
st.markdown(f"**Current stage:** {escape_md(stage.name)} ({escape_md(stage.id)}), since "
            f"{day_label(stage.starts_on)} — {escape_md(where)}; approved use cases: "
            f"{escape_md(', '.join(stage.approved_use_cases) or 'none')}.  \n"
            f"**Window:** {escape_md(window_text(window))}.")
evidence.recommendation(ev)

# -- one light per family, with its key metric and the change against the previous period ------------
previous = s.previous_window()
earlier = previous is not None and f"{previous.start:%Y-%m}" in s.extent.months
before = s.values(previous) if earlier and previous is not None else None
compared = months_label(f"{previous.start:%Y-%m}", f"{previous.end:%Y-%m}") if previous else ""
lights = evidence.family_statuses(ev)

st.subheader("Signals")
for row in (FAMILIES[:3], FAMILIES[3:]):
    for col, family in zip(st.columns(3), row, strict=True):
        metric_id = HEADLINE[family]
        defn, mv = REGISTRY[metric_id], ev.metrics[metric_id]
        with col, st.container(border=True):
            st.markdown(f"**{evidence.FAMILY_TITLES[family]}** {badge_markdown(STATUS[lights[family]])}")
            delta = delta_text(metric_id, mv.value, before[metric_id].value, plan.currency) if before else None
            st.metric(defn.label, value_text(metric_id, mv.value, plan.currency), delta=delta,
                      delta_color="normal" if defn.direction == "higher" else "inverse",
                      delta_description=f"vs {compared}" if delta else None, help=defn.meaning)
            evidence_text = " · ".join(t for t in (count_text(mv) and f"n = {count_text(mv)}", interval_text(mv),
                                                   mv.missing) if t)
            if delta is None:
                evidence_text = " · ".join(t for t in (evidence_text, "no earlier month to compare") if t)
            if evidence_text:
                st.caption(escape_md(evidence_text))
            st.page_link(f"pages/{family}.py", label=f"{evidence.FAMILY_TITLES[family]} details",
                         icon=":material/arrow_forward:")
st.caption("Each light is the worst gate status of the family in this stage: ✔ pass, ▲ warn, ✖ fail, ? not enough "
           "evidence, – no gate.")

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Pause triggers")
    evidence.fired_triggers(ev)
with right:
    st.subheader("Readiness")
    evidence.readiness(ev)
st.page_link("pages/gate_review.py", label="Every criterion, trigger and the decision: Gate review",
             icon=":material/fact_check:")
