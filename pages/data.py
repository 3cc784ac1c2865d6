"""Data: what is loaded — rows per dataset, every ingestion with its rejects, and undo."""

from __future__ import annotations

import streamlit as st

from loaders import store
from loaders.demo import load_demo
from loaders.errors import RollgateError
from loaders.ingest import undo
from loaders.schema import DATASETS
from ui import data

st.title("Data")
db = str(data.current_db())
counts = data.row_counts(db, data.version())
if flash := st.session_state.pop("flash", None):
    st.success(flash)

if sum(counts.values()) == 0:
    st.info("No exports are loaded yet. Load the demo data to explore Rollgate, or import your own exports "
            "with `python cli.py ingest FILE...`.", icon=":material/upload_file:")
    if st.button("Load demo data", type="primary", key="load_demo"):
        try:
            with st.spinner("Loading the demo exports…"), store.connect(data.current_db()) as con:
                reports = load_demo(con)
        except RollgateError as e:
            st.error(str(e))
        else:
            st.session_state["flash"] = f"Loaded {len(reports)} demo files."
            st.rerun()
    st.stop()

st.subheader("Rows per dataset")
cols = st.columns(4)
for i, (name, n) in enumerate(counts.items()):
    cols[i % 4].metric(name.capitalize(), f"{n:,}", help=DATASETS[name].meaning)

st.subheader("Ingestion history")
hist = data.ingestion_history(db, data.version())
st.dataframe(
    hist.select("id", "uploaded_at", "dataset", "file_name", "rows_read", "inserted", "updated", "unchanged",
                "rejected", "duplicates", "undone_at"),
    hide_index=True, width="stretch",
    column_config={"id": "#", "uploaded_at": st.column_config.DatetimeColumn("Uploaded (UTC)"),
                   "file_name": "File", "rows_read": "Rows read", "undone_at": "Undone"},
)

active = hist.filter(hist["undone_at"].is_null())
if active.height:
    labels = {r["id"]: f"#{r['id']} · {r['file_name']} ({r['dataset']})" for r in active.iter_rows(named=True)}
    chosen = st.selectbox("Ingestion", list(labels), format_func=labels.__getitem__, key="ingestion_pick")
    left, right = st.columns(2)
    left.download_button("Download its rejects (CSV)", data.rejects_csv(db, data.version(), chosen),
                         file_name=f"rejects-{chosen}.csv", mime="text/csv", key="rejects_dl")
    with right.popover("Undo this ingestion"):
        st.write(f"Remove the rows of {labels[chosen]} and restore the rows it replaced?")
        if st.button("Yes, undo it", type="primary", key="undo_confirm"):
            try:
                with store.connect(data.current_db()) as con:
                    report = undo(con, chosen)
            except RollgateError as e:
                st.error(str(e))
            else:
                st.session_state["flash"] = report.message
                st.rerun()
