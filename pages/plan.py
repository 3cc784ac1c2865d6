"""Plan: the rollout plan as stages and gates, its warnings against the loaded data, and editing it —
checked as a whole (every problem listed) before it is saved — with download and loading another file."""

from __future__ import annotations

import streamlit as st

from core.access import Action
from core.errors import InputError
from gates.plan_check import reference_warnings
from metrics.format import escape_md
from ui import access, data, guards, plan_form, plan_view, session, state
from ui import plan as plans

st.title("Plan")
st.caption("The rollout plan: its stages, the gates each must pass, pause triggers and fallback options.")
guards.show_flash()
s = session.get()
ps = s.plan_state

PENDING = "plan_pending"  # the text a person asked to save, shown as a difference until confirmed
EDITOR = access.may(Action.PLAN)  # only an admin sees the ways to change the plan (the save checks again)


def review_and_save(new_text: str, source: str) -> None:
    """Check `new_text`; when valid, show what changes against the saved plan and save only on confirmation."""
    result = plans.check(new_text)
    if result.plan is None:
        n = len(result.problems)
        st.error(f"Not saved: the plan has {n} problem{'s' if n != 1 else ''}; fix {'them' if n != 1 else 'it'} and "
                 f"try again.\n\n{plan_view.problems_markdown(result.problems, new_text)}", icon=":material/block:")
        plan_view.syntax_context(new_text, result.problems)
        return
    change = plan_form.difference(ps.text, new_text)
    if not change:
        st.info("Nothing changes: this is the plan as saved.", icon=":material/info:")
        st.session_state.pop(PENDING, None)
        return
    st.markdown("**What changes** (− as saved, + as it would be):")
    st.code(change, language="diff")
    confirm, cancel = st.columns(2)
    if confirm.button("Replace the plan with this", type="primary", key=f"{source}_confirm", icon=":material/save:"):
        try:
            saved = plans.save(new_text)
        except InputError as e:  # the role, checked again by the save itself
            st.error(escape_md(str(e)), icon=":material/block:")
            return
        assert saved.plan is not None  # checked above
        st.session_state.pop(PENDING, None)
        st.session_state[state.FLASH] = (f"Saved the plan '{saved.plan.name}' to {ps.path.name}: "
                                         f"{len(saved.plan.stages)} stages, "
                                         f"{sum(len(x.gates) for x in saved.plan.stages)} gates.")
        st.rerun()
    if cancel.button("Keep the saved plan", key=f"{source}_cancel"):
        st.session_state.pop(PENDING, None)
        st.rerun()


if ps.plan is None:
    st.warning(f"The plan file {escape_md(ps.path.name)} has {len(ps.problems)} problem(s), so no gate can be "
               f"judged until {'they are fixed in the editor below' if EDITOR else 'an admin fixes them'}:\n\n"
               f"{plan_view.problems_markdown(ps.problems, ps.text)}", icon=":material/rule:")
    form_area = None
    edit_area = st.container()
else:
    plan = ps.plan
    if s.version != (0, 0, 0):
        departments, modules = data.plan_references(s.db, s.version)
        warnings = reference_warnings(plan, departments, modules)
        if warnings:
            st.warning("Compared with the loaded data:\n\n" + plan_view.problems_markdown(warnings, ps.text),
                       icon=":material/warning:")
    if EDITOR:
        view, form_area, edit_area = st.tabs(["Stages and gates", "Change the gates", "TOML and files (advanced)"],
                                             key="plan_tab")
    else:
        view, edit_area = st.tabs(["Stages and gates", "TOML and versions"], key="plan_tab")
        form_area = None
    with view:
        plan_view.summary(plan)
        st.subheader("Stages")
        plan_view.stages(plan)
        st.subheader("Pause triggers")
        plan_view.triggers(plan)

if form_area is not None and ps.plan is not None:
    with form_area:
        plan = ps.plan
        st.caption("Each stage's start, minimum duration and gates, and the pause triggers, in the units the pages "
                   "show: shares in %, money in the plan's currency, days as days. You see what changes before "
                   "anything is saved. Saving from here writes the plan in Rollgate's own layout, so comments in the "
                   "file are not kept (the TOML tab keeps them).")
        fields, tables = [], []
        for i, stage in enumerate(plan.stages):
            with st.container(border=True):
                st.markdown(f"**Stage {i + 1}: {escape_md(stage.name)}**")
                fields.append(plan_form.stage_fields(plan, i, key=f"form_stage_{i}"))
                tables.append(plan_view.edited(st.data_editor(
                    plan_form.gates_table(plan, i), key=f"form_gates_{i}", hide_index=True, num_rows="fixed",
                    width="stretch", disabled=["Metric", "Unit"], column_config=plan_view.GATE_COLUMNS)))
        st.markdown("**Pause triggers**")
        triggers = plan_view.edited(st.data_editor(
            plan_form.triggers_table(plan), key="form_triggers", hide_index=True, num_rows="fixed", width="stretch",
            disabled=["Metric", "Unit"], column_config=plan_view.TRIGGER_COLUMNS))
        options = st.text_area("Fallback options, one per line", value="\n".join(plan.fallback.options),
                               key="form_fallback", height=120,
                               help="What the organisation falls back to when a stage is paused or limited.")
        if st.button("Review the changes", key="form_review", icon=":material/difference:"):
            st.session_state[PENDING] = ("form", plan_form.edited_text(plan, fields, tables, triggers,
                                                                       (options or "").splitlines()))
        pending = st.session_state.get(PENDING)
        if pending and pending[0] == "form":
            review_and_save(pending[1], "form")


def _load_file() -> None:
    """Put an uploaded plan file into the editor (it is saved only when the user saves it)."""
    f = st.session_state.get("plan_upload")
    if f is not None:
        st.session_state[state.PLAN_EDITOR] = f.getvalue().decode("utf-8-sig", errors="replace")
        st.session_state["plan_loaded_from"] = f.name


with edit_area:
    if not EDITOR:
        st.markdown(f"Plan file: **{escape_md(ps.path.name)}**.")
        access.cannot(Action.PLAN, "Changing the plan")
        with st.expander("The saved plan, with line numbers", icon=":material/format_list_numbered:"):
            st.code(ps.text, language="toml", line_numbers=True)
        st.download_button("Download the saved plan", ps.content, file_name=ps.path.name, mime="application/toml",
                           key="plan_download", icon=":material/download:")
    else:
        st.markdown(f"Plan file: **{escape_md(ps.path.name)}**. Saving replaces it for everyone using this Rollgate; "
                    "you see what changes first.")
        st.file_uploader("Load another plan file", type=["toml"], key="plan_upload", on_change=_load_file,
                         help="The file is put into the editor below and checked; it is used only once you save it.")
        if loaded := st.session_state.pop("plan_loaded_from", None):
            st.info(f"Loaded {escape_md(loaded)} into the editor: check it, then save it to use it.",
                    icon=":material/upload_file:")
        with st.expander("The saved plan, with line numbers", icon=":material/format_list_numbered:"):
            st.code(ps.text, language="toml", line_numbers=True)
        text = st.text_area("Plan (TOML)", key=state.PLAN_EDITOR, height=480,
                            help="A problem's line number refers to this text; the saved plan above has them shown.")
        check_col, save_col, download_col = st.columns(3)
        saving = save_col.button("Review and save", type="primary", key="plan_save", icon=":material/save:")
        checking = check_col.button("Check", key="plan_check", icon=":material/rule:")
        download_col.download_button("Download the saved plan", ps.content, file_name=ps.path.name,
                                     mime="application/toml", key="plan_download", icon=":material/download:")
        if saving:
            st.session_state[PENDING] = ("toml", text or "")
        pending = st.session_state.get(PENDING)
        if checking:
            result = plans.check(text or "")
            if result.plan is None:
                n = len(result.problems)
                st.error(f"The plan has {n} problem{'s' if n != 1 else ''}; fix {'them' if n != 1 else 'it'} and try "
                         f"again.\n\n{plan_view.problems_markdown(result.problems, text or '')}",
                         icon=":material/block:")
                plan_view.syntax_context(text or "", result.problems)
            else:
                st.success(f"The plan is valid: {len(result.plan.stages)} stages, "
                           f"{sum(len(x.gates) for x in result.plan.stages)} gates, "
                           f"{len(result.plan.pause_triggers)} pause triggers. Save it to use it.",
                           icon=":material/check_circle:")
        elif pending and pending[0] == "toml":
            review_and_save(pending[1], "toml")

    st.subheader("Versions")
    kept = data.plan_versions(s.db, ps.sha256)
    if not kept:
        st.caption("Every saved plan is kept here, with who saved it and when; nothing has been saved yet.")
    else:
        st.dataframe(plan_view.versions_frame(kept, ps.sha256), hide_index=True, width="stretch",
                     key="plan_versions")
        ids = [v.id for v in kept]
        older, newer = st.columns(2)
        a = older.selectbox("Compare version", ids, index=min(1, len(ids) - 1), key="plan_version_a",
                            format_func=lambda i: f"#{i}")
        b = newer.selectbox("with version", ids, index=0, key="plan_version_b", format_func=lambda i: f"#{i}")
        by_id = {v.id: v for v in kept}
        change = plan_form.difference(by_id[a].content, by_id[b].content)
        if change:
            st.code(change.replace("plan as saved", f"version #{a}").replace("plan as edited", f"version #{b}"),
                    language="diff")
        else:
            st.caption(f"Versions #{a} and #{b} are the same plan.")
        if EDITOR and st.button(f"Restore version #{a}", key="plan_restore", icon=":material/history:",
                                help="Shows what changes, then saves that version's text as a new version."):
            st.session_state[PENDING] = ("restore", by_id[a].content)
        pending = st.session_state.get(PENDING)
        if pending and pending[0] == "restore":
            review_and_save(pending[1], "restore")
