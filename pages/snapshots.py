"""Snapshots: the history of recorded gate reviews, each checked against its content_sha256; open one
(summary, criteria and its three downloads); compare two (snapshots.compare, rendered as recorded)."""

from __future__ import annotations

import streamlit as st

from core.errors import RollgateError
from metrics.format import escape_md
from ui import data, guards, session, snapshot_view, snapshots_data

# Session-state keys of this page's choices.
OPEN = "snapshots_open"
COMPARE_A = "snapshots_compare_a"
COMPARE_B = "snapshots_compare_b"
HOW = ("A snapshot is made when a gate-review decision is recorded: at the end of the Gate review page, or from "
       "the command line with `rollgate snapshot --stage ID --month YYYY-MM --decision OUTCOME --by NAME`.")

st.title("Snapshots")
st.caption("Each gate review, frozen with its evidence and the decision taken on it. Snapshots are never changed; "
           "a correction is a new snapshot that names the one it corrects.")
guards.show_flash()
s = session.get()

try:
    found = snapshots_data.entries(s.db, s.version)
except RollgateError as e:
    st.warning(escape_md(str(e)), icon=":material/warning:")
    st.stop()
if not found:
    st.info("No gate review has been recorded yet. " + HOW, icon=":material/photo_camera:")
    st.page_link("pages/gate_review.py", label="Open the gate review", icon=":material/fact_check:")
    st.stop()

st.subheader("History")
snapshot_view.history(found)
altered = [e for e in found if not e.intact]
if altered:
    st.error(f"{len(altered)} of {len(found)} snapshots no longer match what was recorded; do not rely on them:\n"
             + "\n".join(f"- {escape_md(e.problem or '')}" for e in altered), icon=":material/gpp_bad:")

ids = [e.id for e in found]  # newest first
labels = {e.id: snapshot_view.entry_label(e) for e in found}
for key in (OPEN, COMPARE_A, COMPARE_B):
    if key in st.session_state and st.session_state[key] not in ids:
        del st.session_state[key]  # a choice from another database

opened, compared = st.tabs(["Open a snapshot", "Compare two"])
with opened:
    chosen = st.selectbox("Snapshot", ids, key=OPEN, format_func=labels.__getitem__)
    try:
        snap = snapshots_data.snapshot(s.db, s.version, chosen)
    except RollgateError as e:
        st.error(escape_md(str(e)), icon=":material/gpp_bad:")
    else:
        with st.container(border=True):
            snapshot_view.summary(snap, data.plan_version_of(s.db, s.version, s.plan_state.sha256,
                                                                  snap.plan.sha256))
            snapshot_view.downloads(s.db, s.version, snap.id, key="snapshot_download")
        st.markdown("**Criteria**")
        snapshot_view.criteria(snap, key="snapshot_criteria")

with compared:
    if len(ids) < 2:
        st.info("Comparing needs two recorded snapshots; record next month's gate review to compare it with this "
                "one.", icon=":material/compare_arrows:")
    else:
        left, right = st.columns(2)
        a = left.selectbox("From (earlier)", ids, index=1, key=COMPARE_A, format_func=labels.__getitem__)
        b = right.selectbox("To (later)", ids, index=0, key=COMPARE_B, format_func=labels.__getitem__)
        if a == b:
            st.info("Choose two different snapshots.", icon=":material/compare_arrows:")
        else:
            try:
                result = snapshots_data.comparison(s.db, s.version, a, b)
            except RollgateError as e:
                st.error(escape_md(str(e)), icon=":material/gpp_bad:")
            else:
                snapshot_view.comparison(result)
