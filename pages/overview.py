"""Overview: the stage in force, the recommendation with its reasons in plain words (grouped by action, the
worst first), a card per family headlining its worst-status gate with its change and a sparkline, fired
pause triggers and readiness."""
from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from gates import summary
from metrics.format import (
    NO_CHANGE,
    change_text,
    count_text,
    day_label,
    escape_md,
    interval_text,
    months_label,
    rule_text,
    value_text,
    window_text,
)
from metrics.registry import FAMILIES, REGISTRY
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
st.markdown(f"**Current stage:** {escape_md(stage.name)}, since "
            f"{day_label(stage.starts_on)} — {escape_md(where)}; approved use cases: "
            f"{escape_md(', '.join(plan.use_case_label(u) for u in stage.approved_use_cases) or 'none')}.  \n"
            f"**Window:** {escape_md(window_text(window))}.")
evidence.recommendation(ev)

# -- one card per family: its light, its worst-status gate (its key number when all pass), the change -----
previous = s.previous_window()
earlier = previous is not None and f"{previous.start:%Y-%m}" in s.extent.months
before = s.values(previous) if earlier and previous is not None else None
last = s.last_review(stage.id)
against = ""
if last is not None:
    reviewed = months_label(f"{last.window.from_:%Y-%m}", f"{last.window.to:%Y-%m}")
    against = f"vs last gate review (#{last.id}, {reviewed})"
elif previous is not None:
    against = f"vs {months_label(f'{previous.start:%Y-%m}', f'{previous.end:%Y-%m}')}"

st.subheader("Signals")
cards: list[tuple[DeltaGenerator, dict[str, Any], str]] = []  # (slot, the card's metric, its metric id)
for row in (FAMILIES[:3], FAMILIES[3:]):
    for col, family in zip(st.columns(3), row, strict=True):
        head = summary.headline(ev, family)
        defn, mv = REGISTRY[head.metric], ev.metrics[head.metric]
        earlier_value = (last.metrics[head.metric].value if last is not None and head.metric in last.metrics
                         else before[head.metric].value if before else None)
        delta = change_text(head.metric, mv.value, earlier_value, plan.currency)
        if delta is None or delta == NO_CHANGE or not summary.change_matters(head.criterion, earlier_value, mv.value):
            colour = "off"  # a change shows its colour only when it crossed the gate's warn level or limit
        else:
            colour = "normal" if defn.direction == "higher" else "inverse"
        with col, st.container(border=True):
            st.markdown(f"**{evidence.FAMILY_TITLES[family]}** {badge_markdown(STATUS[head.status])}")
            card = {"label": defn.label, "value": value_text(head.metric, mv.value, plan.currency), "delta": delta,
                    "delta_color": colour, "delta_arrow": "off" if delta == NO_CHANGE else "auto",
                    "delta_description": against if delta else None, "help": defn.meaning}
            cards.append((st.empty(), card, head.metric))
            cards[-1][0].metric(**card)
            rule = (f"{STATUS[head.criterion.status].symbol} limit "
                    f"{rule_text(head.metric, head.criterion.op, head.criterion.threshold, plan.currency)}"
                    if head.criterion else "")
            evidence_text = " · ".join(t for t in (rule, count_text(mv) and f"n = {count_text(mv)}",
                                                   interval_text(mv), mv.missing) if t)
            if delta is None:
                evidence_text = " · ".join(t for t in (evidence_text, "no earlier month to compare") if t)
            if evidence_text:
                st.caption(escape_md(evidence_text))
            st.page_link(f"pages/{family}.py", label=f"{evidence.FAMILY_TITLES[family]} details",
                         icon=":material/arrow_forward:")
st.caption("Each card shows the family's worst gate in this stage (its key number when every gate passes), with "
           "its light: ✔ pass, ▲ warn, ✖ fail, ? not enough evidence, – no gate. A change is coloured only when it "
           "crossed the gate's warn level or limit. The small line: the last six months.")

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Pause triggers")
    evidence.fired_triggers(ev)
with right:
    st.subheader("Readiness")
    evidence.readiness(ev)
st.page_link("pages/gate_review.py", label="Every criterion, trigger and the decision: Gate review",
             icon=":material/fact_check:")

# The sparklines last: every month's numbers come from the family pages' monthly trend (cached; its first
# computation on a large database takes seconds, so the page is drawn before it).
trend = s.monthly()
shown_months = [m for m in s.extent.months if m <= months[1]][-6:]
for slot, card, metric_id in cards:
    points = [v for m in shown_months if (v := trend[m][metric_id].value) is not None]
    if len(points) >= 2:
        slot.metric(**card, chart_data=points, chart_type="line")
