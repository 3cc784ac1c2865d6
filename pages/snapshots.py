"""Snapshots: the recorded gate reviews. A first version: the snapshots work replaces this page with
opening and comparing snapshots."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

import snapshots
from loaders import store
from loaders.errors import RollgateError
from ui import empty

st.title("Snapshots")
st.caption("Each gate review, frozen with its evidence and the decision taken on it.")
empty.show_flash()

HOW = ("A snapshot is made when a gate-review decision is recorded: "
       "`python cli.py snapshot --stage ID --month YYYY-MM --decision OUTCOME --by NAME`.")


def _record(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if hasattr(item, "model_dump"):
        return item.model_dump(mode="json")
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    return {"snapshot": str(item)}


def _flat(row: dict[str, Any]) -> dict[str, str]:
    # Nested values are shown as text; st.dataframe renders every cell as plain text.
    return {k: v if isinstance(v, str) else str(v) for k, v in row.items()}


lister: Callable[..., Any] | None = getattr(snapshots, "list_snapshots", None)
if lister is None:
    st.info(HOW, icon=":material/photo_camera:")
    st.stop()

try:
    with store.connect(store.db_path()) as con:
        found = [_flat(_record(x)) for x in lister(con)]
except RollgateError as e:
    st.warning(str(e), icon=":material/warning:")
    st.stop()
if not found:
    st.info("No gate review has been recorded yet. " + HOW, icon=":material/photo_camera:")
else:
    st.dataframe(pl.DataFrame(found, infer_schema_length=None), hide_index=True, placeholder="—", width="stretch",
                 key="snapshots_list")
