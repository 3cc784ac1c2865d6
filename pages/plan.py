"""Plan: the rollout plan as stages and gates, its warnings against the loaded data, and editing it —
checked as a whole (every problem listed) before it is saved — with download and loading another file."""

from __future__ import annotations

import streamlit as st

from gates.plan_check import reference_warnings
from metrics.format import escape_md
from ui import data, guards, plan_view, session, state
from ui import plan as plans

st.title("Plan")
st.caption("The rollout plan: its stages, the gates each must pass, pause triggers and fallback options.")
guards.show_flash()
s = session.get()
ps = s.plan_state

if ps.plan is None:
    st.warning(f"The plan file {escape_md(ps.path.name)} has {len(ps.problems)} problem(s), so no gate can be "
               f"judged until they are fixed in the editor below:\n\n{plan_view.problems_markdown(ps.problems)}",
               icon=":material/rule:")
    edit_area = st.container()
else:
    plan = ps.plan
    if s.version != (0, 0, 0):
        departments, modules = data.plan_references(s.db, s.version)
        warnings = reference_warnings(plan, departments, modules)
        if warnings:
            st.warning("Compared with the loaded data:\n\n" + plan_view.problems_markdown(warnings),
                       icon=":material/warning:")
    view, edit_area = st.tabs(["Stages and gates", "Edit, load or download"], key="plan_tab")
    with view:
        plan_view.summary(plan)
        st.subheader("Stages")
        plan_view.stages(plan)
        st.subheader("Pause triggers")
        plan_view.triggers(plan)


def _load_file() -> None:
    """Put an uploaded plan file into the editor (it is saved only when the user saves it)."""
    f = st.session_state.get("plan_upload")
    if f is not None:
        st.session_state[state.PLAN_EDITOR] = f.getvalue().decode("utf-8-sig", errors="replace")
        st.session_state["plan_loaded_from"] = f.name


with edit_area:
    st.markdown(f"Plan file: **{escape_md(ps.path.name)}** — saving replaces it for everyone using this Rollgate.")
    st.file_uploader("Load another plan file", type=["toml"], key="plan_upload", on_change=_load_file,
                     help="The file is put into the editor below and checked; it is used only once you save it.")
    if loaded := st.session_state.pop("plan_loaded_from", None):
        st.info(f"Loaded {escape_md(loaded)} into the editor: check it, then save it to use it.",
                icon=":material/upload_file:")
    text = st.text_area("Plan (TOML)", key=state.PLAN_EDITOR, height=480)
    check_col, save_col, download_col = st.columns(3)
    checked = save_col.button("Save plan", type="primary", key="plan_save", icon=":material/save:")
    checking = check_col.button("Check", key="plan_check", icon=":material/rule:")
    download_col.download_button("Download the saved plan", ps.content, file_name=ps.path.name,
                                 mime="application/toml", key="plan_download", icon=":material/download:")
    if checked or checking:
        result = plans.save(text or "") if checked else plans.check(text or "")
        if result.plan is None:
            n = len(result.problems)
            st.error(f"{'Not saved: t' if checked else 'T'}he plan has {n} problem{'s' if n != 1 else ''}; fix "
                     f"{'them' if n != 1 else 'it'} and try again.\n\n{plan_view.problems_markdown(result.problems)}",
                     icon=":material/block:")
        elif checked:
            st.session_state[state.FLASH] = (f"Saved the plan '{result.plan.name}' to {ps.path.name}: "
                                             f"{len(result.plan.stages)} stages, "
                                             f"{sum(len(x.gates) for x in result.plan.stages)} gates.")
            st.rerun()
        else:
            st.success(f"The plan is valid: {len(result.plan.stages)} stages, "
                       f"{sum(len(x.gates) for x in result.plan.stages)} gates, "
                       f"{len(result.plan.pause_triggers)} pause triggers. Save it to use it.",
                       icon=":material/check_circle:")
