"""Cached reads of the recorded gate reviews (snapshots.store), for Gate review and Snapshots.

Like ui.data, every read is keyed on the database file and its data version (DESIGN.md §9), which
changes with every write, a recorded snapshot included, so a new snapshot is listed at once. Reads
go through ui.data.connection (opened at the run's first cache miss, closed when the run ends).
Stored snapshots are checked on every read (content_sha256 and the chain): `snapshot` raises
snapshots.store.SnapshotAltered for one that no longer matches, NotFound for an unknown id; an
exception is never cached, so the page says it again on every run.
"""

from __future__ import annotations

import streamlit as st

from snapshots import compare, exports, store
from snapshots.pdf import to_pdf
from snapshots.record import Snapshot
from ui.data import DataVersion, connection

# The three exports of a snapshot, in the order the pages offer them: (extension, button label, MIME type).
DOWNLOADS: tuple[tuple[str, str, str], ...] = (
    ("html", "HTML report", "text/html"),
    ("json", "JSON record", "application/json"),
    ("csv", "Criteria CSV", "text/csv"),
)


@st.cache_data(show_spinner=False, max_entries=16)
def entries(db: str, data_version: DataVersion) -> list[store.SnapshotEntry]:
    """Every stored snapshot, newest first, each checked (intact, or the problem found)."""
    if data_version == (0, 0, 0):  # no database file yet: nothing recorded, and nothing to create
        return []
    with connection(db) as con:
        return store.entries(con)


@st.cache_data(show_spinner=False, max_entries=32)
def snapshot(db: str, data_version: DataVersion, snapshot_id: int) -> Snapshot:
    """The stored snapshot `snapshot_id`, checked; SnapshotAltered or NotFound otherwise."""
    with connection(db) as con:
        return store.get(con, snapshot_id)


@st.cache_data(show_spinner=False, max_entries=16)
def files(db: str, data_version: DataVersion, snapshot_id: int) -> tuple[str, dict[str, bytes]]:
    """(file stem, {extension: bytes}) of the snapshot's HTML report, JSON record and criteria CSV,
    exactly as `cli.py export` writes them."""
    snap = snapshot(db, data_version, snapshot_id)
    return exports.file_stem(snap), exports.render_all(snap)


@st.cache_data(show_spinner=False, max_entries=8)
def pdf(db: str, data_version: DataVersion, snapshot_id: int) -> bytes:
    """The snapshot's report as PDF (snapshots.pdf; a few seconds, so only when someone asks for it)."""
    _, content = files(db, data_version, snapshot_id)
    return to_pdf(content["html"].decode("utf-8"))


@st.cache_data(show_spinner=False, max_entries=16)
def comparison(db: str, data_version: DataVersion, a: int, b: int) -> compare.Comparison:
    """What changed from snapshot `a` to snapshot `b` (snapshots.compare), both checked first."""
    return compare.compare(snapshot(db, data_version, a), snapshot(db, data_version, b))
