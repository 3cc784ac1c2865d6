"""The rollout plan shown readably: who it is for, its use cases, each stage with its gates, the pause
triggers and the fallback options. Plan text is the user's own, but it is still escaped for markdown."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.words import LIMIT_LABEL, WARN_LABEL, sign
from gates.plan import Plan
from gates.plan_check import Problem
from gates.triggers import ACTION_WORDS
from metrics.format import day_label, escape_md, limit_text, rule_text
from metrics.registry import REGISTRY
from ui.evidence import FAMILY_TITLES

MODES = {"read_only": "read only", "approval_first": "every output approved before use", "standard": "standard use"}
ON_FAIL = {"limit": "limit the rollout", "redesign": "redesign", "pause": "pause"}


def problems_markdown(problems: tuple[Problem, ...] | list[Problem]) -> str:
    """Every problem on its own line, path first."""
    return "\n".join(f"- {escape_md(str(p))}" for p in problems)


def summary(plan: Plan) -> None:
    st.markdown(f"### {escape_md(plan.name)}")
    st.markdown(
        f"**Decides at each gate:** {escape_md(plan.owner)}  \n"
        f"**Support contact:** {escape_md(plan.support_contact or 'none named')}  \n"
        f"**Labour cost:** {escape_md(plan.currency)} {plan.hourly_rate:,.2f} per hour")
    if plan.data_rules:
        st.markdown("**Data rules**\n" + "\n".join(f"- {escape_md(r)}" for r in plan.data_rules))
    if plan.use_cases:
        st.markdown("**Use cases**")
        st.dataframe(pl.DataFrame([{"Use case": u.id, "Description": u.description,
                                    "Minutes saved by default": u.default_minutes_saved} for u in plan.use_cases],
                                  schema={"Use case": pl.String, "Description": pl.String,
                                          "Minutes saved by default": pl.Float64}),
                     hide_index=True, placeholder="—", width="stretch", key="plan_use_cases")


def gates_frame(plan: Plan, stage_index: int) -> pl.DataFrame:
    stage = plan.stages[stage_index]
    rows = [{"Family": FAMILY_TITLES[REGISTRY[g.metric].family], "Metric": REGISTRY[g.metric].label,
             LIMIT_LABEL: rule_text(g.metric, g.op, g.threshold, plan.currency),
             WARN_LABEL: rule_text(g.metric, g.op, g.warn, plan.currency),
             "Min sample": g.min_sample, "If it fails": ON_FAIL[g.on_fail], "Metric id": g.metric}
            for g in stage.gates]
    return pl.DataFrame(rows, schema={"Family": pl.String, "Metric": pl.String, LIMIT_LABEL: pl.String,
                                      WARN_LABEL: pl.String, "Min sample": pl.Int64, "If it fails": pl.String,
                                      "Metric id": pl.String})


def stages(plan: Plan) -> None:
    for i, stage in enumerate(plan.stages):
        nxt = plan.stages[i + 1].starts_on if i + 1 < len(plan.stages) else None
        until = f" until {day_label(nxt)}" if nxt else " onwards"
        budget = f"{plan.currency} {stage.monthly_budget:,.0f} a month" if stage.monthly_budget else "no budget set"
        with st.container(border=True):
            st.markdown(f"**Stage {i + 1}: {escape_md(stage.name)}** ({escape_md(stage.id)}) — from "
                        f"{day_label(stage.starts_on)}{until}")
            st.markdown(
                f"Departments: {escape_md(', '.join(stage.departments) or 'none')} · "
                f"approved use cases: {escape_md(', '.join(stage.approved_use_cases) or 'none')} · "
                f"mode: {escape_md(MODES[stage.mode])} · at least {stage.min_duration_days} days · "
                f"{escape_md(budget)}  \n"
                f"Training required: {escape_md(', '.join(stage.required_training) or 'none')}")
            if stage.gates:
                st.dataframe(gates_frame(plan, i), hide_index=True, placeholder="—", width="stretch", height="content",
                             key=f"plan_gates_{i}")
            else:
                st.caption("This stage has no gates.")


def triggers(plan: Plan) -> None:
    if plan.pause_triggers:
        st.dataframe(pl.DataFrame([{
            "Trigger": t.name, "Fires when": f"{REGISTRY[t.metric].label} {sign(t.op)} "
                                             f"{limit_text(t.metric, t.value, plan.currency)}",
            "Over the last": f"{t.window_days} days", "Action": ACTION_WORDS[t.action]} for t in plan.pause_triggers]),
            hide_index=True, placeholder="—", width="stretch", key="plan_triggers")
    else:
        st.caption("No pause triggers.")
    if plan.fallback.options:
        st.markdown("**Fallback options**\n" + "\n".join(f"- {escape_md(o)}" for o in plan.fallback.options))
