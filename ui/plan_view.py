"""The rollout plan shown readably: who it is for, its use cases, each stage with its gates, the pause
triggers and the fallback options. Plan text is the user's own, but it is still escaped for markdown."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.words import LIMIT_LABEL, WARN_LABEL, sign
from gates.plan import Plan
from gates.plan_check import Problem
from gates.plan_history import PlanVersion
from gates.plan_words import in_words
from gates.triggers import ACTION_WORDS
from metrics.format import day_label, escape_md, limit_text, rule_text
from metrics.registry import REGISTRY
from ui import plan_form
from ui.clock import local_text
from ui.evidence import FAMILY_TITLES

MODES = {"read_only": "read only", "approval_first": "every output approved before use", "standard": "standard use"}
ON_FAIL = {"limit": "limit the rollout", "redesign": "redesign", "pause": "pause"}


def versions_frame(kept: list[PlanVersion], current_sha: str) -> pl.DataFrame:
    """One row per kept version, newest first: when, who, its sha256 and whether it is the plan in use."""
    return pl.DataFrame([{"#": v.id, "Saved": local_text(v.saved_at), "By": v.saved_by, "sha256": v.sha256[:12] + "…",
                          "In use": "✔ in use" if v.sha256 == current_sha else ""} for v in kept],
                        schema={"#": pl.Int64, "Saved": pl.String, "By": pl.String, "sha256": pl.String,
                                "In use": pl.String})


def problems_markdown(problems: tuple[Problem, ...] | list[Problem], text: str) -> str:
    """Every problem on its own line, its place said by stage, gate and trigger name (gates.plan_words)."""
    return "\n".join(f"- {escape_md(in_words(p, text))}" for p in problems)


def syntax_context(text: str, problems: tuple[Problem, ...] | list[Problem]) -> None:
    """For a TOML syntax error, the lines around it, numbered, the faulty one marked (the box has no numbers)."""
    for p in problems:
        shown = plan_form.syntax_context(text, p.message)
        if shown:
            st.code(shown, language=None)


def edited(table: object) -> pl.DataFrame:
    """A data editor's result as a polars frame (it hands back the type it was given)."""
    return table if isinstance(table, pl.DataFrame) else pl.from_pandas(table)  # type: ignore[arg-type]


GATE_COLUMNS = {
    "Direction": st.column_config.SelectboxColumn(options=list(plan_form.DIRECTION.values()), required=True),
    "Limit": st.column_config.NumberColumn(required=True, help="In the unit of the Unit column: a share in %."),
    "Warn level": st.column_config.NumberColumn(help="Optional: where the gate warns before it fails."),
    "Minimum sample": st.column_config.NumberColumn(min_value=1, step=1, format="%d",
                                                    help="Optional: fewer observations are not enough evidence."),
    "If it fails": st.column_config.SelectboxColumn(options=list(plan_form.ON_FAIL_WORDS.values()), required=True),
}
TRIGGER_COLUMNS = {
    "Fires when": st.column_config.SelectboxColumn(options=list(plan_form.DIRECTION.values()), required=True),
    "Level": st.column_config.NumberColumn(required=True, help="In the unit of the Unit column: a share in %."),
    "Over the last (days)": st.column_config.NumberColumn(min_value=1, max_value=366, step=1, format="%d",
                                                          required=True),
    "Action": st.column_config.SelectboxColumn(options=list(plan_form.ACTION_WORDS_FORM.values()), required=True),
}


def summary(plan: Plan) -> None:
    st.markdown(f"### {escape_md(plan.name)}")
    st.markdown(
        f"**Decides at each gate:** {escape_md(plan.owner)}  \n"
        f"**Support contact:** {escape_md(plan.support_contact or 'none named')}  \n"
        f"**Labour cost:** {escape_md(plan.currency)} {plan.hourly_rate:,.2f} per hour  \n"
        f"**Privacy floor:** " + (f"groups of fewer than {plan.privacy_min_group} people are hidden"
                                  if plan.privacy_min_group else "off (every group is shown)"))
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
