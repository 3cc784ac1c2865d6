"""The Upload page's parts: each dropped file read, previewed and validated before anything is stored
(loaders.ingest with commit=False), the user's import-preset, dataset, sheet, period and column choices, the
import with a progress bar, and the history of ingestions with rejects download and undo.

A vendor export (DESIGN.md §10) is read by its import preset, detected from its columns or chosen; the
plan's [mappings] go with every import. A file a preset reads has no column mapping to edit.

An uploaded file is written to a temporary directory only for the one loader call that reads it, then
removed. File contents are shown through st.dataframe and escaped text, never as HTML.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.access import Action
from core.errors import InputError, RollgateError
from gates.plan import Plan
from gates.plan_edit import with_mappings
from loaders import store
from loaders.detect import DatasetScore, detect, score
from loaders.ingest import IngestOptions, IngestReport, ingest_file, undo
from loaders.presets import PRESETS, PresetScore, detect_presets, score_presets
from loaders.presets.mappings import table_for
from loaders.read import FORMATS, detect_format, peek
from loaders.rejects import as_written
from loaders.schema import DATASETS
from loaders.scratch import new_copy
from loaders.tables import peek_sheet, sheet_names
from metrics.coverage import Cell, cell_text
from metrics.format import escape_md, month_label
from ui import access, data, state
from ui import plan as plan_ui
from ui.clock import viewer_zone, zone_note

ACCEPTED_TYPES = sorted(ext.lstrip(".") for ext in FORMATS)
PEEK_ROWS = 10
DATE_ORDERS: dict[str, str] = {state.ALL: "Detect from the file", "dmy": "Day first (31/12/2026)",
                                      "mdy": "Month first (12/31/2026)"}
# The history's ingestion box: the newest, or the one an import has just made.
INGESTION_PICK = "ingestion_pick"
# The import-preset box: state.ALL detects one; NO_PRESET reads the file in Rollgate's own columns.
NO_PRESET = "none"
PERIOD_HELP = ("The months this export covers: one month (2026-03) or a range (2026-01..2026-03); an export with no "
               "rows then records that nothing happened in them. Optional: left empty, the months of the file's own "
               "dates count.")
PERIOD_NEEDED = ("The month this export covers (2026-04). Needed here: the export has no dates of its own, so it "
                 "cannot be imported until its month is given.")


def max_upload_bytes() -> int:
    """The server's upload limit (server.maxUploadSize, in MB), checked again here: AppTest and scripted
    clients do not go through the browser's own check."""
    return int(st.get_option("server.maxUploadSize")) * 1024 * 1024


@contextmanager
def on_disk(f: UploadedFile) -> Iterator[Path]:
    """The uploaded bytes as a temporary file, removed afterwards (the loaders read paths). It lives beside
    the database with the import's other copies, so one the app left when it was killed is swept."""
    database = store.db_path()
    path: Path | None = None
    try:
        path = new_copy(Path(f"{database}.tmp"), Path(f.name).suffix.lower())
        path.write_bytes(f.getvalue())
    except OSError as e:
        if path is not None:  # what a full disk let through
            path.unlink(missing_ok=True)
        if (plain := store.storage_error(e, database)) is not None:  # a full disk, a folder that may not be written
            raise plain from e
        raise InputError(f"{f.name}: the upload could not be saved beside the database ({e.strerror or e}); check "
                         "that the database's folder can be written to and has free space, then try again.") from e
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


# -- per file: what the file is, what the user chose, what an import would do -------------------------

def _key(f: UploadedFile, what: str) -> str:
    return f"upload_{what}_{f.file_id}"


def _map_key(f: UploadedFile, i: int, sheet: str | None = None) -> str:
    """The mapping box of column i; of a workbook of several sheets, per sheet (another sheet, other columns)."""
    return f"upload_map_{f.file_id}_{i}" if sheet is None else f"upload_map_{f.file_id}_{i}_{sheet}"


@dataclass(frozen=True)
class Inspection:
    """What the file is, before any choice but the sheet: its header and first rows as text, and its fit to
    every import preset (best first, as the ingest ranks them); `problem` when it cannot be read at all. Of a
    workbook, its sheets and the one read (the first unless another is chosen)."""

    headers: list[str]
    rows: pl.DataFrame | None
    presets: list[PresetScore]
    problem: str | None = None
    sheets: tuple[str, ...] = ()
    sheet: str | None = None

    @property
    def chosen_sheet(self) -> str | None:
        """The sheet to name to the ingest: the one read, when the workbook has several."""
        return self.sheet if len(self.sheets) > 1 else None

    @property
    def detected(self) -> PresetScore | None:
        """The preset an import would read the file with when nothing is chosen (loaders.presets.prepare)."""
        best = self.presets[0] if self.presets else None
        return best if best is not None and best.complete else None


def inspect_file(f: UploadedFile) -> Inspection:
    """Read the header, the first rows exactly as written and the presets' scores (cached per file and sheet);
    of a workbook, the sheet chosen in its Sheet box on the previous run, else the first."""
    picked = st.session_state.get(_key(f, "sheet"))
    cache: dict[Any, Any] = st.session_state[state.UPLOAD_PREVIEWS]
    cached = cache.get(("inspect", f.file_id, picked))
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if f.size > max_upload_bytes():
        result = Inspection([], None, [], "larger than this server accepts")
    else:
        headers: list[str] = []
        frame: pl.DataFrame | None = None
        problem: str | None = None
        sheets: list[str] = []
        sheet: str | None = None
        presets: list[PresetScore] = []
        try:
            with on_disk(f) as path, duckdb.connect(config={"autoinstall_known_extensions": False}) as con:
                try:
                    if detect_format(path, f.name) == "xlsx":
                        sheets = sheet_names(path, f.name)
                        sheet = picked if picked in sheets else (sheets[0] if sheets else None)
                        headers, first = peek_sheet(con, path, f.name, sheet, rows=PEEK_ROWS)
                    else:
                        headers, first = peek(con, path, f.name, rows=PEEK_ROWS)
                except RollgateError as e:
                    problem = str(e)
                else:
                    names = [h if h else f"(column {i + 1})" for i, h in enumerate(headers)]
                    unique = [f"{n} [{i + 1}]" if names.count(n) > 1 else n for i, n in enumerate(names)]
                    frame = pl.DataFrame(first, schema={n: pl.String for n in unique}, orient="row")
                try:
                    # A workbook is scored by the sheet it shows; other files as the ingest reads them.
                    presets = score_presets(headers, "xlsx") if sheets else detect_presets(con, path, f.name)
                except RollgateError:
                    presets = []  # the preview says why the file cannot be read
        except RollgateError as e:  # the upload could not even be saved to be read
            problem = str(e)
        result = Inspection(headers, frame, presets, problem, tuple(sheets), sheet)
    cache[("inspect", f.file_id, picked)] = result
    cache[("inspect", f.file_id, result.sheet)] = result  # the Sheet box's first value is the sheet read
    return result


@dataclass(frozen=True)
class Choice:
    """How the file will be imported: the options for the ingest, the preset that reads it (chosen, or
    detected and not overridden), and why it cannot be previewed as chosen, if it cannot."""

    options: IngestOptions
    preset: str | None = None
    explicit: bool = False
    refusal: str | None = None


def choice_of(f: UploadedFile, found: Inspection, mappings: dict[str, dict[str, str]],
              plan: Plan | None = None) -> Choice:
    """The user's choices for this file, read from the widgets' state (set on the previous run), with the
    plan's value mappings for the presets and what the plan declares (use cases, first stage) for the
    warnings. The period is passed as typed (the ingest checks it); the sheet is the one inspected."""
    ss = st.session_state
    known = ({"known_use_cases": frozenset(u.id for u in plan.use_cases),
              "first_stage_on": min((s.starts_on for s in plan.stages), default=None)} if plan else {})
    picked = ss.get(_key(f, "preset")) or state.ALL
    dataset = ss.get(_key(f, "dataset")) or None
    date_order = ss.get(_key(f, "date_order")) or None
    period = (ss.get(_key(f, "period")) or "").strip() or None
    sheet = found.chosen_sheet
    preset = picked if picked in PRESETS else None
    if preset is None and picked == state.ALL and dataset is None and found.detected is not None:
        preset = found.detected.preset  # the ingest would detect it too; the choice only fixes the period
    if preset is not None:
        options = IngestOptions(preset=preset if picked == preset else None, period=period, sheet=sheet,
                                mappings=mappings, date_order=date_order, **known)
        return Choice(options, preset, explicit=picked == preset)
    column_map = {h: ss[_map_key(f, i, sheet)] for i, h in enumerate(found.headers) if ss.get(_map_key(f, i, sheet))}
    refusal = None
    if picked == NO_PRESET and dataset is None and found.problem is None:
        # Without a dataset the ingest would look for a preset again: name the canonical one the file fits.
        try:
            dataset = detect(found.headers, f.name, None, column_map).dataset
        except InputError as e:
            refusal = str(e)
    options = IngestOptions(dataset=dataset, column_map=column_map, date_order=date_order, period=period,
                            sheet=sheet, mappings=mappings, **known)
    return Choice(options, refusal=refusal)


def preview(f: UploadedFile, choice: Choice) -> IngestReport:
    """What importing the file would do (nothing is written); a refused file gives a 'refused' report."""
    if choice.refusal is not None:
        return _refused(f, choice.refusal)
    options = choice.options
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


def _preset_label(name: str) -> str:
    return f"{PRESETS[name].label} ({name})"


def choices(f: UploadedFile, found: Inspection, choice: Choice, report: IngestReport) -> None:
    """The preset, dataset, day/month order, sheet (a workbook of several) and period widgets, drawn (their
    values were read before the preview)."""
    cols = st.columns(3)
    detected = found.detected.preset if found.detected else None
    auto_preset = f"Detect automatically ({detected})" if detected else "Detect automatically (none fits)"
    preset_words = {state.ALL: auto_preset, NO_PRESET: "None: the file has Rollgate's own columns"}
    cols[0].selectbox("Import preset", (state.ALL, NO_PRESET, *PRESETS), key=_key(f, "preset"),
                      format_func=lambda p: preset_words.get(p) or _preset_label(p),
                      help="A preset reads an export of a vendor console (Copilot, Microsoft 365, ChatGPT, Claude, "
                           "Jira, ServiceNow, Moodle) as it is. Rollgate detects it from the file's columns; choose "
                           "another one, or none for a file in Rollgate's own columns.")
    if choice.explicit and choice.preset is not None:
        # A chosen preset decides the dataset: the dataset box shows it and cannot contradict it.
        st.session_state[_key(f, "dataset")] = state.ALL
        auto = f"{PRESETS[choice.preset].dataset} (filled by the preset)"
    elif choice.preset is not None:
        auto = f"Detect automatically ({PRESETS[choice.preset].dataset}, by the preset)"
    else:
        best = report.scores[0].dataset if report.scores and report.scores[0].complete else None
        auto = f"Detect automatically ({best})" if best else "Detect automatically"
    cols[1].selectbox("Dataset", (state.ALL, *DATASETS), key=_key(f, "dataset"), disabled=choice.explicit,
                      format_func=lambda d: auto if d == state.ALL else d,
                      help="Rollgate detects the dataset from the column names; choose another one if it is wrong "
                           "(the file is then read in Rollgate's own columns, without a preset).")
    cols[2].selectbox("Slash dates (05/03/2026)", tuple(DATE_ORDERS), key=_key(f, "date_order"),
                      format_func=DATE_ORDERS.__getitem__,
                      help="Only needed when the file has slash dates whose order the file itself does not settle.")
    row = st.columns(3)
    if len(found.sheets) > 1:
        row[0].selectbox("Sheet", found.sheets, key=_key(f, "sheet"),
                         help="This workbook has several sheets; Rollgate reads one: the first, unless you choose "
                              "another. The report names the sheets not read.")
    needed = choice.preset is not None and PRESETS[choice.preset].needs_period
    row[1 if len(found.sheets) > 1 else 0].text_input(
        "Period covered", key=_key(f, "period"), placeholder="2026-03 or 2026-01..2026-03", max_chars=16,
        help=PERIOD_NEEDED if needed else PERIOD_HELP)


def _dataset_scores(found: Inspection, report: IngestReport) -> list[DatasetScore]:
    """The canonical datasets' scores: the report's, or (for a refused file) from the header as read."""
    if report.scores or not found.headers:
        return report.scores
    return sorted((score(found.headers, d) for d in DATASETS.values()), key=lambda s: (s.complete, s.score),
                  reverse=True)


def detection(found: Inspection, choice: Choice, report: IngestReport) -> None:
    """The preset that reads the file, with its score beside the best canonical dataset's."""
    if choice.preset is not None:
        fit = next((s for s in (report.preset_scores or found.presets) if s.preset == choice.preset), None)
        how = "chosen by you" if choice.explicit else "recognised from its columns"
        scored = (f": {fit.required_found} of its {fit.required_total} identifying columns and {fit.optional_found} "
                  f"of {fit.optional_total} others found" if fit else "")
        st.markdown(f"**Read with the {escape_md(PRESETS[choice.preset].label)} preset** — {escape_md(how + scored)}.")
    elif found.detected is not None:
        st.caption(escape_md(f"Read without a preset, as chosen; the {found.detected.preset} preset fits this file "
                             f"with a score of {found.detected.score:g}%."))


def first_rows(f: UploadedFile, found: Inspection) -> None:
    """The file's first rows exactly as written (text only, through a dataframe)."""
    if found.rows is None:
        return
    st.markdown(f"**First rows as written** ({len(found.headers)} columns)")
    st.dataframe(found.rows, hide_index=True, placeholder="—", width="stretch", key=_key(f, "peek"))


def mapping_editor(f: UploadedFile, headers: list[str], report: IngestReport, choice: Choice) -> None:
    """How each column is read, and a choice for every column Rollgate did not recognise; for a file a
    preset reads, what the preset does instead (its mapping names sources, not headers to edit)."""
    if choice.preset is not None:
        preset = PRESETS[choice.preset]
        tables = (f" Values are translated through {', '.join(preset.tables)}: the shipped defaults, with the "
                  "plan's [mappings] entries over them (Plan page)." if preset.tables else "")
        st.caption(escape_md(f"The {preset.name} preset reads this export's columns itself, so there is nothing to "
                             f"map by hand; the report below says what it mapped and derived.{tables}"))
        return
    dataset = report.dataset or choice.options.dataset
    if not headers:
        return
    if dataset is None:
        st.caption("Choose the dataset above to map the file's columns by hand.")
        return
    options = choice.options
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
        key = _map_key(f, i, options.sheet)
        if st.session_state.get(key) not in opts:
            st.session_state[key] = state.ALL
        cols[n % len(cols)].selectbox(escape_md(h), opts, key=key,
                                      format_func=lambda c: "(ignore)" if c == state.ALL else c)


def validation(found: Inspection, report: IngestReport) -> None:
    """The validation report: counts, detection, notes (for a preset: what it mapped, derived and what the
    export cannot provide), the scores of every preset and dataset, and the rejected rows with reasons."""
    if report.status == "refused":
        st.warning(escape_md(report.message), icon=":material/block:")
        _scores(found, report)
        return
    if report.status == "skipped":
        st.info(escape_md(report.message), icon=":material/content_copy:")
        return
    best = report.scores[0] if report.scores else None
    if report.preset:
        detected = f" — filled by the {PRESETS[report.preset].label} preset"
    elif best and best.dataset == report.dataset:
        detected = (f" — recognised from its columns: {best.required_found} of {best.required_total} required and "
                    f"{best.optional_found} of {best.optional_total} optional found")
    else:
        detected = " — chosen by you"
    st.markdown(f"**Dataset: {escape_md(report.dataset or '')}**{escape_md(detected)}")
    cols = st.columns(7)
    for col, (label, value) in zip(cols, (("Rows read", report.rows_read), ("Accepted", report.accepted),
                                          ("Rejected", report.rejected), ("Duplicates", report.duplicates),
                                          ("New", report.inserted), ("Updated", report.updated),
                                          ("Unchanged", report.unchanged)), strict=True):
        col.metric(label, f"{value:,}")
    if report.notes:
        st.markdown("\n".join(f"- {escape_md(n)}" for n in report.notes))
    for warning in report.warnings:
        st.warning(escape_md(warning), icon=":material/warning:")
    _scores(found, report)
    if report.rejects:
        shown = len(report.rejects)
        more = f" (the first {shown} shown; all of them can be downloaded after the import)" \
            if report.rejected > shown else ""
        st.markdown(f"**Rejected rows{escape_md(more)}**")
        table = as_written(report.rejects)  # as the file has them, with the line and why: as downloaded later
        st.dataframe(pl.DataFrame(table.rows, schema=dict.fromkeys(table.columns, pl.String)
                                  | {table.columns[-2]: pl.Int64}),
                     hide_index=True, placeholder="—", width="stretch",
                     column_config={table.columns[-1]: st.column_config.TextColumn(width="large")})


def _scores(found: Inspection, report: IngestReport) -> None:
    """Why this preset or dataset: the score of every import preset and every canonical dataset."""
    presets = report.preset_scores or found.presets
    datasets = _dataset_scores(found, report)
    if not presets and not datasets:
        return
    with st.expander("Why this preset or dataset: the score of each"):
        if presets:
            st.dataframe(pl.DataFrame([{"Import preset": s.preset, "Export": s.label, "Fills": s.dataset,
                                        "Score": f"{s.score:g}%",
                                        "Identifying found": f"{s.required_found} of {s.required_total}",
                                        "Other found": f"{s.optional_found} of {s.optional_total}",
                                        "Missing": ", ".join(s.missing) if s.applies else "(reads another format)"}
                                       for s in presets]),
                         hide_index=True, placeholder="—", width="stretch")
        if datasets:
            st.dataframe(pl.DataFrame([{"Dataset": s.dataset, "Score": f"{s.score:g}%",
                                        "Required found": f"{s.required_found} of {s.required_total}",
                                        "Optional found": f"{s.optional_found} of {s.optional_total}",
                                        "Missing": ", ".join(s.missing)} for s in datasets]),
                         hide_index=True, placeholder="—", width="stretch")


@dataclass(frozen=True)
class Prepared:
    """One dropped file, read and previewed before anything is drawn for it: what it is, how it would be
    imported (the choices made on the previous run) and what the import would do."""

    file: UploadedFile
    found: Inspection
    choice: Choice
    report: IngestReport

    @property
    def ready(self) -> bool:
        return self.report.status == "preview"


def prepare(f: UploadedFile, mappings: dict[str, dict[str, str]], plan: Plan | None = None) -> Prepared:
    """Read, choose and preview one file (with what its rows say against the roster and `plan`)."""
    found = inspect_file(f)
    choice = choice_of(f, found, mappings, plan)
    return Prepared(f, found, choice, preview(f, choice))


def _detected_as(p: Prepared) -> str:
    r = p.report
    if r.dataset is None:
        return "—"
    return f"{r.dataset} ({PRESETS[r.preset].label})" if r.preset else r.dataset


def _period(r: IngestReport) -> str:
    if r.period_from is None or r.period_to is None:
        return "every date" if r.dataset in ("roster", "training") else "—"
    first, last = f"{r.period_from:%Y-%m}", f"{r.period_to:%Y-%m}"
    return month_label(first) if first == last else f"{month_label(first)} – {month_label(last)}"


IMPORT_STATUS = {"preview": "✔ Ready to import", "skipped": "= Already imported", "refused": "✖ Cannot be imported"}


def summary_frame(prepared: list[Prepared]) -> pl.DataFrame:
    """One row per dropped file: what it was read as, its rows, rejects and warnings, the period it covers and
    whether it can be imported."""
    rows = [{"File": p.file.name, "Status": IMPORT_STATUS[p.report.status], "Detected as": _detected_as(p),
             "Rows": p.report.rows_read if p.report.status == "preview" else None,
             "Rejected": p.report.rejected if p.report.status == "preview" else None,
             "Warnings": len(p.report.warnings), "Period": _period(p.report)} for p in prepared]
    return pl.DataFrame(rows, schema={"File": pl.String, "Status": pl.String, "Detected as": pl.String,
                                      "Rows": pl.Int64, "Rejected": pl.Int64, "Warnings": pl.Int64,
                                      "Period": pl.String})


def needs_attention(p: Prepared) -> bool:
    """Whether a file's details should open by themselves: it cannot be imported, or names use cases to map."""
    return p.report.status == "refused" or bool(p.report.unknown_use_cases)


def details(p: Prepared, plan: Plan | None) -> None:
    """A file's choices, how it was recognised, its first rows, its columns and the validation report."""
    choices(p.file, p.found, p.choice, p.report)
    detection(p.found, p.choice, p.report)
    validation(p.found, p.report)
    use_case_mapping(p, plan)
    first_rows(p.file, p.found)
    mapping_editor(p.file, p.found.headers, p.report, p.choice)


def use_case_mapping(p: Prepared, plan: Plan | None) -> None:
    """For an export whose preset names use cases through a mapping table (a Copilot feature, a Microsoft 365
    app): a box per name the plan does not declare, to map it to one of the plan's use cases, saved to the
    plan's [mappings] with the rest of the plan kept as written; the file is then read again with it."""
    table = table_for(p.report.preset, "use_case")
    if plan is None or table is None or not p.report.unknown_use_cases or not plan.use_cases:
        return
    if not access.may(Action.MAPPINGS):
        access.cannot(Action.MAPPINGS, "Mapping these names to the plan's use cases")
        return
    declared = tuple(u.id for u in plan.use_cases)
    with st.form(key=_key(p.file, "map_use_cases"), border=True):
        st.markdown(f"**Map these {escape_md(table.source)} names to the plan's use cases**")
        cols = st.columns(min(3, len(p.report.unknown_use_cases)))
        for i, name in enumerate(p.report.unknown_use_cases):
            cols[i % len(cols)].selectbox(escape_md(name), (state.ALL, *declared), key=_key(p.file, f"usecase_{i}"),
                                          format_func=lambda u: "(leave as it is)" if u == state.ALL else u)
        saved = st.form_submit_button("Save to the plan and read the file again", icon=":material/save:")
    if not saved:
        return
    entries = {name: st.session_state[_key(p.file, f"usecase_{i}")]
               for i, name in enumerate(p.report.unknown_use_cases) if st.session_state[_key(p.file, f"usecase_{i}")]}
    if not entries:
        st.info("Choose a use case for at least one name first.", icon=":material/info:")
        return
    try:
        checked = plan_ui.save(with_mappings(plan.content, table.name, entries), Action.MAPPINGS)
    except InputError as e:
        st.warning(escape_md(str(e)), icon=":material/warning:")
        return
    if checked.plan is None:
        st.warning(escape_md("The plan would not be valid with these entries: " + "; ".join(
            pr.message for pr in checked.problems)), icon=":material/warning:")
        return
    mapped = ", ".join(f"{k} → {v}" for k, v in entries.items())
    st.session_state[state.FLASH] = f"Saved to the plan's [mappings.{table.name}]: {mapped}."
    st.rerun()


# -- import ---------------------------------------------------------------------------------------

def import_files(files: list[tuple[UploadedFile, IngestOptions]]) -> list[IngestReport]:
    """Import each file in its own transaction, with a progress bar; a refused file does not stop the rest."""
    by = access.actor()  # the engine checks the role again for each file
    bar = st.progress(0.0, text="Starting the import…")
    reports = []
    for i, (f, options) in enumerate(files):
        bar.progress(i / len(files), text=f"Importing {f.name} ({i + 1} of {len(files)})…")
        if f.size > max_upload_bytes():
            reports.append(_refused(f, f"{f.name}: larger than this server accepts."))
            continue
        try:
            with on_disk(f) as path, store.connect(store.db_path()) as con:
                reports.append(ingest_file(con, path, f.name, options.model_copy(update={"by": by}), commit=True))
        except RollgateError as e:
            reports.append(_refused(f, str(e)))
    bar.progress(1.0, text=f"Imported {sum(r.status == 'stored' for r in reports)} of {len(files)} files.")
    return reports


def last_import(reports: list[dict[str, Any]]) -> None:
    """The reports of the import just made."""
    rows = [{"File": r["file"], "Result": r["status"], "Dataset": r.get("dataset"), "Preset": r.get("preset"),
             "Rows read": r["rows_read"],
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
    zone = viewer_zone()

    def moment(label: str) -> Any:  # shown in the viewer's zone (stored in UTC, which the column's help says)
        return st.column_config.DatetimeColumn(label, timezone=zone.key if zone else "UTC", help=zone_note(),
                                               format="D MMM YYYY, HH:mm")

    st.dataframe(
        hist.select("id", "uploaded_at", "dataset", "file_name", "rows_read", "inserted", "updated", "unchanged",
                    "rejected", "duplicates", "imported_by", "undone_at", "undone_by"),
        hide_index=True, placeholder="—", width="stretch", key="history_table",
        column_config={"id": st.column_config.NumberColumn("#", pinned=True), "uploaded_at": moment("Uploaded"),
                       "dataset": "Dataset", "file_name": st.column_config.TextColumn("File", pinned=True),
                       "rows_read": "Rows read", "inserted": "New", "updated": "Updated", "unchanged": "Unchanged",
                       "rejected": "Rejected", "duplicates": "Duplicates", "imported_by": "Imported by",
                       "undone_at": moment("Undone"), "undone_by": "Undone by"},
    )
    active = hist.filter(hist["undone_at"].is_null())
    if active.is_empty():
        return
    labels = {r["id"]: f"#{r['id']} · {r['file_name']} ({r['dataset']})" for r in active.iter_rows(named=True)}
    if st.session_state.get(INGESTION_PICK) not in labels:
        st.session_state[INGESTION_PICK] = next(iter(labels))  # the newest
    chosen = st.selectbox("Ingestion", list(labels), format_func=labels.__getitem__, key=INGESTION_PICK)
    row = active.filter(active["id"] == chosen).row(0, named=True)
    left, middle, right = st.columns(3)
    if row["rejected"]:
        files = data.rejects_files(db, version, chosen)
        stem = f"rejected-{chosen}-{Path(row['file_name']).stem}"
        left.download_button("Rejected rows (Excel)", files["xlsx"], file_name=f"{stem}.xlsx", key="rejects_xlsx",
                             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             icon=":material/download:", on_click="ignore",
                             help="The rejected rows in the file's own columns, with their line and why; fix them "
                                  "and import the file again. Values are kept exactly as written.")
        middle.download_button("Rejected rows (CSV)", files["csv"], file_name=f"{stem}.csv", mime="text/csv",
                               key="rejects_csv", icon=":material/download:", on_click="ignore",
                               help="The same as CSV. A cell starting with =, +, - or @ gets a leading ' so that a "
                                    "spreadsheet does not run it as a formula: remove it when you fix the row.")
    else:
        left.caption(f"No row of #{chosen} was rejected.")
    if not access.may(Action.UNDO):
        with right:
            access.cannot(Action.UNDO, "Undoing an import")
        return
    with right.popover("Undo this ingestion", icon=":material/undo:"):
        st.text(f"Remove the rows of {labels[chosen]} and restore the rows it replaced?")
        if st.button("Yes, undo it", type="primary", key="undo_confirm"):
            try:
                with store.connect(store.db_path()) as con:
                    report = undo(con, chosen, by=access.actor())
            except RollgateError as e:
                st.warning(escape_md(str(e)), icon=":material/warning:")
            else:
                st.session_state[state.FLASH] = report.message
                st.rerun()


def serialise(reports: list[IngestReport]) -> list[dict[str, Any]]:
    """Reports as plain data for session state (kept across the rerun after an import)."""
    return [json.loads(r.model_dump_json()) for r in reports]


def coverage_frame(cells: list[Cell]) -> pl.DataFrame:
    """The coverage grid as a table: one row per dataset, one column per month; each cell says whether an
    export covers the month (✔ covered, ◐ partly, ✖ missing) and how many rows it holds there (the roster
    and training, which describe a state, show all their rows)."""
    months = sorted({c.month for c in cells})
    rows: dict[str, dict[str, str]] = {}
    for c in cells:
        rows.setdefault(c.dataset, {"Dataset": c.dataset})[month_label(c.month)] = cell_text(c)
    columns = ["Dataset", *(month_label(m) for m in months)]
    return pl.DataFrame(list(rows.values()), schema=dict.fromkeys(columns, pl.String))


def coverage(db: str, version: data.DataVersion) -> None:
    """Which months each dataset's exports cover: a month no export covers is unknown to every metric that
    needs it, not a month in which nothing happened."""
    cells = data.coverage(db, version)
    if not cells:
        return
    st.subheader("Coverage")
    st.caption("Which months each export covers (✔ covered, ◐ partly, ✖ missing) and its rows there. A metric "
               "that needs a missing export shows why instead of a number; to record that nothing happened in a "
               "month, import an empty export with its period.")
    st.dataframe(coverage_frame(cells), hide_index=True, width="stretch", key="upload_coverage")
