"""Upload: drop the month's exports, check what Rollgate reads in each (import preset or dataset, columns,
first rows, validation report) before anything is stored, import them, and manage what was imported before."""

from __future__ import annotations

import streamlit as st

from core.access import Action
from loaders.schema import DATASETS
from metrics.format import escape_md
from ui import access, data, guards, session, state, upload

st.title("Upload")
st.caption("The month's exports: usage, human reviews, costs, incidents, support tickets, training, the access "
           "roster and feedback — CSV, Parquet, Excel (.xlsx), JSON or NDJSON. Exports of GitHub Copilot, Microsoft "
           "365 Copilot, ChatGPT Enterprise, Claude, Jira, ServiceNow and Moodle are read as they are.")
guards.show_flash()
s = session.get()

# -- what is loaded -------------------------------------------------------------------------------
counts = data.row_counts(s.db, s.version) if s.version != (0, 0, 0) else dict.fromkeys(DATASETS, 0)
if sum(counts.values()) == 0:
    st.info("No exports are loaded yet. Upload your own below, or load the demo data to explore Rollgate.",
            icon=":material/upload_file:")
    guards.demo_button()
else:
    st.subheader("Rows per dataset")
    cols = st.columns(4)
    for i, (name, n) in enumerate(counts.items()):
        cols[i % 4].metric(name.capitalize(), f"{n:,}", help=DATASETS[name].meaning)

if done := st.session_state.get(state.LAST_IMPORT):
    st.subheader("Last import")
    upload.last_import(done)

# -- new files: choices, preview and validation, then import ------------------------------------------
st.subheader("Add exports")
can_import = access.may(Action.IMPORT)
if not can_import:
    access.cannot(Action.IMPORT, "Importing exports")
files = None if not can_import else st.file_uploader(
    "Exports", type=upload.ACCEPTED_TYPES, accept_multiple_files=True,
    key=f"upload_files_{st.session_state[state.UPLOAD_ROUND]}",
    help="Several files at once; each is checked on its own and nothing is stored until you import.")
# The plan's value mappings (Jira issue type -> category, ...) go with every import.
mappings = s.plan.mapping_overrides() if s.plan is not None else {}
if files and s.plan is None:
    st.warning("The rollout plan has problems, so imports use the presets' default value mappings, not the plan's; "
               "fix the plan on the Plan page.", icon=":material/warning:")
prepared = [upload.prepare(f, mappings, s.plan) for f in files or []]
if prepared:
    ready = [p for p in prepared if p.ready]
    waiting = len(prepared) - len(ready)
    note = f" ({waiting} cannot be imported as they are)" if waiting else ""
    if st.button(f"Import {len(ready)} file{'s' if len(ready) != 1 else ''}{note}", type="primary",
                 key="upload_import", disabled=not ready, icon=":material/upload:"):
        reports = upload.import_files([(p.file, p.choice.options) for p in ready])
        stored = [r for r in reports if r.status == "stored"]
        st.session_state[state.LAST_IMPORT] = upload.serialise(reports)
        st.session_state[state.FLASH] = (f"Imported {len(stored)} of {len(reports)} files: "
                                         f"{sum(r.inserted for r in stored):,} new rows, "
                                         f"{sum(r.updated for r in stored):,} updated.")
        if stored:  # the history below shows the newest import, so its rejects and undo are at hand
            st.session_state[upload.INGESTION_PICK] = stored[-1].ingestion_id
        st.session_state[state.UPLOAD_ROUND] += 1  # a new uploader key empties the list
        st.session_state[state.UPLOAD_PREVIEWS] = {}
        st.rerun()
    st.dataframe(upload.summary_frame(prepared), hide_index=True, placeholder="—", width="stretch",
                 key="upload_summary")
    for p in prepared:
        words = upload.IMPORT_STATUS[p.report.status]
        with st.expander(f"{escape_md(p.file.name)} · {words}", expanded=upload.needs_attention(p),
                         icon=":material/description:"):
            upload.details(p, s.plan)

# -- what was imported before ---------------------------------------------------------------------------
st.subheader("Ingestion history")
upload.history(s.db, s.version)
if s.version != (0, 0, 0):
    upload.coverage(s.db, s.version)
