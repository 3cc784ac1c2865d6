"""The Upload page's parts: each dropped file read, previewed and validated before anything is stored
(loaders.ingest with commit=False), the user's dataset and column choices, the import with a progress
bar, and the history of ingestions with rejects download and undo.

An uploaded file is written to a temporary directory only for the one loader call that reads it, then
removed. File contents are shown through st.dataframe and escaped text, never as HTML.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from loaders import store
from loaders.errors import RollgateError
from loaders.ingest import IngestOptions, IngestReport, ingest_file, undo
from loaders.read import FORMATS, read_file
from loaders.schema import DATASETS
from ui import data, state
from ui.fmt import escape_md

ACCEPTED_TYPES = sorted(ext.lstrip(".") for ext in FORMATS)
PEEK_ROWS = 10
DATE_ORDERS: dict[str, str] = {state.ALL: "Detect from the file", "dmy": "Day first (31/12/2026)",
                                      "mdy": "Month first (12/31/2026)"}


def max_upload_bytes() -> int:
    """The server's upload limit (server.maxUploadSize, in MB), checked again here: AppTest and scripted
    clients do not go through the browser's own check."""
    return int(st.get_option("server.maxUploadSize")) * 1024 * 1024


@contextmanager
def on_disk(f: UploadedFile) -> Iterator[Path]:
    """The uploaded bytes as a temporary file, removed afterwards (the loaders read paths)."""
    with tempfile.TemporaryDirectory(prefix="rollgate-upload-") as tmp:
        path = Path(tmp) / f"upload{Path(f.name).suffix.lower()}"
        path.write_bytes(f.getvalue())
        yield path


# -- per file: what the user chose, what the file holds, what an import would do ----------------------

def _key(f: UploadedFile, what: str) -> str:
    return f"upload_{what}_{f.file_id}"


def _map_key(f: UploadedFile, i: int) -> str:
    return f"upload_map_{f.file_id}_{i}"


@dataclass(frozen=True)
class Peek:
    """The file's header and first rows as text, or why it cannot be read."""

    headers: list[str]
    rows: pl.DataFrame | None
    problem: str | None = None


def peek(f: UploadedFile) -> Peek:
    """Read the header and the first rows, exactly as written (every value as text)."""
    cached = st.session_state[state.UPLOAD_PREVIEWS].get(("peek", f.file_id))
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    try:
        with on_disk(f) as path, duckdb.connect(config={"autoinstall_known_extensions": False}) as con:
            raw = read_file(con, path, f.name)
            cur = con.execute(f"select * from {raw.relation} limit {PEEK_ROWS}", raw.params)
            rows = cur.fetchall()
            for t in raw.temp_files:
                t.unlink(missing_ok=True)
        names = [h if h else f"(column {i + 1})" for i, h in enumerate(raw.headers)]
        unique = [f"{n} [{i + 1}]" if names.count(n) > 1 else n for i, n in enumerate(names)]
        frame = pl.DataFrame([list(r[:len(unique)]) for r in rows], schema={n: pl.String for n in unique},
                             orient="row")
        result = Peek(raw.headers, frame)
    except RollgateError as e:
        result = Peek([], None, str(e))
    except (duckdb.Error, ValueError, pl.exceptions.PolarsError) as e:
        result = Peek([], None, f"{f.name}: the first rows could not be shown ({type(e).__name__}); the validation "
                                "below says what is wrong.")
    st.session_state[state.UPLOAD_PREVIEWS][("peek", f.file_id)] = result
    return result


def options_of(f: UploadedFile, headers: list[str]) -> IngestOptions:
    """The user's choices for this file, read from the widgets' state (set on the previous run)."""
    ss = st.session_state
    mapping = {h: ss[_map_key(f, i)] for i, h in enumerate(headers) if ss.get(_map_key(f, i))}
    return IngestOptions(dataset=ss.get(_key(f, "dataset")) or None, column_map=mapping,
                         date_order=ss.get(_key(f, "date_order")) or None)


def preview(f: UploadedFile, options: IngestOptions) -> IngestReport:
    """What importing the file would do (nothing is written); a refused file gives a 'refused' report."""
    cache: dict[Any, Any] = st.session_state[state.UPLOAD_PREVIEWS]
    key = (f.file_id, options.model_dump_json(), data.version())
    if key in cache:
        return cache[key]  # type: ignore[no-any-return]
    if f.size > max_upload_bytes():
        report = _refused(f, f"{f.name}: {f.size / 2**20:,.0f} MB is larger than the {max_upload_bytes() // 2**20} MB "
                             "this server accepts; split the export by month.")
    else:
        try:
            with on_disk(f) as path, store.connect(store.db_path()) as con:
                report = ingest_file(con, path, f.name, options, commit=False)
        except RollgateError as e:
            report = _refused(f, str(e))
    cache[key] = report
    return report


def _refused(f: UploadedFile, message: str) -> IngestReport:
    return IngestReport(file=f.name, sha256="", status="refused", message=message)


def choices(f: UploadedFile, report: IngestReport) -> None:
    """The dataset override and the day/month order, drawn (their values were read before the preview)."""
    left, right = st.columns(2)
    detected = report.scores[0].dataset if report.scores and report.scores[0].complete else None
    auto = f"Detect automatically ({detected})" if detected else "Detect automatically"
    left.selectbox("Dataset", (state.ALL, *DATASETS), key=_key(f, "dataset"),
                   format_func=lambda d: auto if d == state.ALL else d,
                   help="Rollgate detects the dataset from the column names; choose another one if it is wrong.")
    right.selectbox("Slash dates (05/03/2026)", tuple(DATE_ORDERS), key=_key(f, "date_order"),
                    format_func=DATE_ORDERS.__getitem__,
                    help="Only needed when the file has slash dates whose order the file itself does not settle.")


def mapping_editor(f: UploadedFile, headers: list[str], report: IngestReport, options: IngestOptions) -> None:
    """How each column is read, and a choice for every column Rollgate did not recognise."""
    dataset = report.dataset or options.dataset
    if not headers:
        return
    if dataset is None:
        st.caption("Choose the dataset above to map the file's columns by hand.")
        return
    read_as = {source: canonical for canonical, source in report.mapping.items()}
    rows = [{"Column in the file": h or f"(column {i + 1})", "Read as": read_as.get(h, "—")}
            for i, h in enumerate(headers)]
    st.dataframe(pl.DataFrame(rows), hide_index=True, placeholder="—", width="stretch", key=_key(f, "mapping"))
    columns = DATASETS[dataset].columns
    unmapped = [(i, h) for i, h in enumerate(headers)
                if h and (h not in read_as or h in options.column_map)]
    if not unmapped:
        return
    st.caption(f"Columns Rollgate did not recognise: choose what each one means in {dataset}, or leave it ignored.")
    cols = st.columns(min(3, len(unmapped)))
    for n, (i, h) in enumerate(unmapped):
        taken = {c for c, src in report.mapping.items() if src != h}
        opts = (state.ALL, *(c.name for c in columns if c.name not in taken))
        if st.session_state.get(_map_key(f, i)) not in opts:
            st.session_state[_map_key(f, i)] = state.ALL
        cols[n % len(cols)].selectbox(escape_md(h), opts, key=_map_key(f, i),
                                      format_func=lambda c: "(ignore)" if c == state.ALL else c)


def validation(report: IngestReport) -> None:
    """The validation report: counts, detection, notes, and the rejected rows with their reasons."""
    if report.status == "refused":
        st.warning(escape_md(report.message), icon=":material/block:")
        return
    if report.status == "skipped":
        st.info(escape_md(report.message), icon=":material/content_copy:")
        return
    best = report.scores[0] if report.scores else None
    detected = (f" — detected, score {best.score:g}% ({best.required_found} of {best.required_total} required and "
                f"{best.optional_found} of {best.optional_total} optional columns found)"
                if best and best.dataset == report.dataset else " — chosen by you")
    st.markdown(f"**Dataset: {escape_md(report.dataset or '')}**{escape_md(detected)}")
    cols = st.columns(7)
    for col, (label, value) in zip(cols, (("Rows read", report.rows_read), ("Accepted", report.accepted),
                                          ("Rejected", report.rejected), ("Duplicates", report.duplicates),
                                          ("New", report.inserted), ("Updated", report.updated),
                                          ("Unchanged", report.unchanged)), strict=True):
        col.metric(label, f"{value:,}")
    if report.notes:
        st.markdown("\n".join(f"- {escape_md(n)}" for n in report.notes))
    if report.scores:
        with st.expander("Why this dataset: the score of each"):
            st.dataframe(pl.DataFrame([{"Dataset": s.dataset, "Score": f"{s.score:g}%",
                                        "Required found": f"{s.required_found} of {s.required_total}",
                                        "Optional found": f"{s.optional_found} of {s.optional_total}",
                                        "Missing": ", ".join(s.missing)} for s in report.scores]),
                         hide_index=True, placeholder="—", width="stretch")
    if report.rejects:
        shown = len(report.rejects)
        more = f" (the first {shown} shown; all of them can be downloaded after the import)" \
            if report.rejected > shown else ""
        st.markdown(f"**Rejected rows{escape_md(more)}**")
        st.dataframe(pl.DataFrame([r.model_dump() for r in report.rejects],
                                  schema={"line": pl.Int64, "column": pl.String, "reason": pl.String,
                                          "raw": pl.String}),
                     hide_index=True, placeholder="—", width="stretch",
                     column_config={"line": "Line", "column": "Column", "reason": st.column_config.TextColumn(
                         "Reason", width="large"), "raw": "Row as written"})


# -- import ---------------------------------------------------------------------------------------

def import_files(files: list[tuple[UploadedFile, IngestOptions]]) -> list[IngestReport]:
    """Import each file in its own transaction, with a progress bar; a refused file does not stop the rest."""
    bar = st.progress(0.0, text="Starting the import…")
    reports = []
    for i, (f, options) in enumerate(files):
        bar.progress(i / len(files), text=f"Importing {f.name} ({i + 1} of {len(files)})…")
        if f.size > max_upload_bytes():
            reports.append(_refused(f, f"{f.name}: larger than this server accepts."))
            continue
        try:
            with on_disk(f) as path, store.connect(store.db_path()) as con:
                reports.append(ingest_file(con, path, f.name, options, commit=True))
        except RollgateError as e:
            reports.append(_refused(f, str(e)))
    bar.progress(1.0, text=f"Imported {sum(r.status == 'stored' for r in reports)} of {len(files)} files.")
    return reports


def last_import(reports: list[dict[str, Any]]) -> None:
    """The reports of the import just made."""
    rows = [{"File": r["file"], "Result": r["status"], "Dataset": r.get("dataset"), "Rows read": r["rows_read"],
             "New": r["inserted"], "Updated": r["updated"], "Unchanged": r["unchanged"], "Rejected": r["rejected"],
             "Duplicates": r["duplicates"], "Ingestion": r.get("ingestion_id")} for r in reports]
    st.dataframe(pl.DataFrame(rows, infer_schema_length=None), hide_index=True, placeholder="—", width="stretch",
                 key="last_import_table")
    for r in reports:
        if r["status"] == "refused":
            st.warning(escape_md(r["message"]), icon=":material/block:")
        elif r["status"] == "skipped":
            st.info(escape_md(r["message"]), icon=":material/content_copy:")


def history(db: str, version: data.DataVersion) -> None:
    """Every ingestion, newest first; the rejects of one as CSV; undo with a confirmation."""
    hist = data.ingestion_history(db, version)
    if hist.is_empty():
        st.caption("Nothing has been imported yet.")
        return
    st.dataframe(
        hist.select("id", "uploaded_at", "dataset", "file_name", "rows_read", "inserted", "updated", "unchanged",
                    "rejected", "duplicates", "undone_at"),
        hide_index=True, placeholder="—", width="stretch", key="history_table",
        column_config={"id": "#", "uploaded_at": st.column_config.DatetimeColumn("Uploaded (UTC)"),
                       "dataset": "Dataset", "file_name": "File", "rows_read": "Rows read", "inserted": "New",
                       "updated": "Updated", "unchanged": "Unchanged", "rejected": "Rejected",
                       "duplicates": "Duplicates", "undone_at": st.column_config.DatetimeColumn("Undone (UTC)")},
    )
    active = hist.filter(hist["undone_at"].is_null())
    if active.is_empty():
        return
    labels = {r["id"]: f"#{r['id']} · {r['file_name']} ({r['dataset']})" for r in active.iter_rows(named=True)}
    chosen = st.selectbox("Ingestion", list(labels), format_func=labels.__getitem__, key="ingestion_pick")
    left, right = st.columns(2)
    left.download_button("Download its rejects (CSV)", data.rejects_csv(db, version, chosen),
                         file_name=f"rejects-{chosen}.csv", mime="text/csv", key="rejects_dl",
                         icon=":material/download:")
    with right.popover("Undo this ingestion", icon=":material/undo:"):
        st.text(f"Remove the rows of {labels[chosen]} and restore the rows it replaced?")
        if st.button("Yes, undo it", type="primary", key="undo_confirm"):
            try:
                with store.connect(store.db_path()) as con:
                    report = undo(con, chosen)
            except RollgateError as e:
                st.warning(escape_md(str(e)), icon=":material/warning:")
            else:
                st.session_state[state.FLASH] = report.message
                st.rerun()


def serialise(reports: list[IngestReport]) -> list[dict[str, Any]]:
    """Reports as plain data for session state (kept across the rerun after an import)."""
    return [json.loads(r.model_dump_json()) for r in reports]
