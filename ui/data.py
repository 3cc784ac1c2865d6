"""Cached reads for the pages, keyed on the database file and its data version.

The data version (DESIGN.md §9) changes with every ingest or undo, so a new upload is seen at
once; the connection is opened for the read and closed again, so a scheduled import from the
command line can take the file between reruns.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from loaders import store
from loaders.ingest import history, rejects_of


def current_db() -> Path:
    return store.db_path()


def version() -> tuple[int, int, int]:
    return store.data_version(current_db())


@st.cache_data(show_spinner=False, max_entries=64)
def row_counts(db: str, data_version: tuple[int, int, int]) -> dict[str, int]:
    with store.connect(Path(db)) as con:
        return store.row_counts(con)


@st.cache_data(show_spinner=False, max_entries=64)
def ingestion_history(db: str, data_version: tuple[int, int, int]) -> pl.DataFrame:
    with store.connect(Path(db)) as con:
        rows = history(con)
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()


@st.cache_data(show_spinner=False, max_entries=64)
def rejects_csv(db: str, data_version: tuple[int, int, int], ingestion_id: int) -> bytes:
    from ui.export import safe_csv

    with store.connect(Path(db)) as con:
        rows = [r.model_dump() for r in rejects_of(con, ingestion_id)]
    return safe_csv(rows, ["line", "column", "reason", "raw"])
