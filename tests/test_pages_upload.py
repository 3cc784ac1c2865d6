"""Upload (AppTest): several files at once, each previewed and validated before anything is stored,
the import-preset, dataset, sheet, period and column choices, the import and its report, the history with
rejects and undo. The vendor exports are the presets tests' hand-written fixtures (DESIGN.md §10); the
workbooks are written as the tables tests write them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from pages_fixture import app, elements, plain, run, texts
from streamlit.testing.v1 import AppTest
from test_presets import SPEND
from test_presets_engine import COPILOT, JIRA, M365, MOODLE
from test_tables import ROSTER_HEADER, usage_rows, workbook

from loaders import store
from loaders.ingest import IngestOptions, IngestReport, ingest_file
from ui.data import rejects_files
from ui.upload import PERIOD_HELP, PERIOD_NEEDED

TICKETS = (b"ticket_id,opened_at,category,topic\n"
           b"T1,2026-03-01,how_to,<script>alert(1)</script>\n"
           b"T2,2026-03-02,=cmd|' /C calc'!A0,**bold**\n"
           b"T3,2026-03-03,bug,Export fails\n")
ROSTER = (b"Staff email,department,access_granted_on\n"
          b"Ana@Example.org,Legal,2026-01-05\nbo@example.org,legal-ops,2026-02-01\n")
USAGE = b"occurred_at,user_id,use_case\n2026-03-04T10:00:00Z,ana@example.org,drafting\n"


def _upload(*files: tuple[str, bytes]) -> AppTest:
    at = app("pages/upload.py")
    at.file_uploader(key="upload_files_0").set_value([(name, data, "text/csv") for name, data in files])
    return run(at)


def _stored(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    with store.connect(db) as con:
        return store.row_counts(con)[table]


def test_each_file_is_validated_and_reported_before_anything_is_stored(empty_db: Path) -> None:
    at = _upload(("tickets.csv", TICKETS), ("usage.csv", USAGE))
    # first one line per file, and the import button above the details
    summary = at.dataframe[0].value
    assert summary.to_dict("records") == [
        {"File": "tickets.csv", "Status": "✔ Ready to import", "Detected as": "support", "Rows": 3, "Rejected": 1,
         "Warnings": 0, "Period": "Mar 2026"},
        {"File": "usage.csv", "Status": "✔ Ready to import", "Detected as": "usage", "Rows": 1, "Rejected": 0,
         "Warnings": 0, "Period": "Mar 2026"}]
    files = [plain(e.label) for e in at.expander if not e.label.startswith("Why")]
    assert files == ["tickets.csv · ✔ Ready to import", "usage.csv · ✔ Ready to import"]
    assert not any(e.proto.expanded for e in at.expander)  # details folded: nothing needs doing in them
    shown = texts(at.markdown)
    assert ("**Dataset: support** — recognised from its columns: 3 of 3 required and 1 of 5 optional found"
            in shown)
    assert "**Dataset: usage** — recognised from its columns: 3 of 3 required and 0 of 5 optional found" in shown
    counts = [(m.label, m.value) for m in at.metric]
    assert counts[:7] == [("Rows read", "3"), ("Accepted", "2"), ("Rejected", "1"), ("Duplicates", "0"),
                          ("New", "2"), ("Updated", "0"), ("Unchanged", "0")]
    assert counts[7:9] == [("Rows read", "1"), ("Accepted", "1")]
    peek = next(d.value for d in at.dataframe if list(d.value.columns) == ["ticket_id", "opened_at", "category",
                                                                           "topic"])
    assert list(peek["topic"]) == ["<script>alert(1)</script>", "**bold**", "Export fails"]  # as written, as text
    rejects = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert rejects.to_dict("records") == [
        {"ticket_id": "T2", "opened_at": "2026-03-02", "category": "=cmd|' /C calc'!A0", "topic": "**bold**",
         "line": 3, "reason": "category: '=cmd|' /C calc'!A0' is not one of how_to, allowed_use, data_rules, review, "
                              "access, output_quality, bug, other"}]
    # File text reaches the page only through dataframes, never markdown or HTML.
    assert "alert(1)" not in shown and "**bold**" not in shown and not at.get("html")
    assert _stored(empty_db, "support") == 0
    assert at.button(key="upload_import").label == "Import 2 files"


def test_import_stores_the_files_with_a_report_and_lists_them_in_the_history(empty_db: Path) -> None:
    at = _upload(("tickets.csv", TICKETS), ("usage.csv", USAGE))
    at.button(key="upload_import").click()
    run(at)
    assert texts(at.success) == "Imported 2 of 2 files: 3 new rows, 0 updated."
    report = at.dataframe[0].value
    assert list(report["File"]) == ["tickets.csv", "usage.csv"]
    assert list(report["Result"]) == ["stored", "stored"] and list(report["Rejected"]) == [1, 0]
    assert _stored(empty_db, "support") == 2 and _stored(empty_db, "usage") == 1
    assert not at.file_uploader(key="upload_files_1").value  # a fresh, empty uploader
    history = at.dataframe[1].value
    assert list(history["file_name"]) == ["usage.csv", "tickets.csv"]
    assert at.selectbox(key="ingestion_pick").value == 2  # the newest import, ready for its rejects or undo
    assert {m.label: m.value for m in at.metric}["Support"] == "2"


def test_the_dataset_can_be_chosen_and_unknown_columns_mapped(empty_db: Path) -> None:
    at = _upload(("staff.csv", ROSTER))
    assert texts(at.warning).startswith("staff.csv: no dataset matches its columns")
    assert at.button(key="upload_import").disabled
    file_id = at.file_uploader(key="upload_files_0").value[0].file_id
    at.selectbox(key=f"upload_dataset_{file_id}").set_value("roster")
    run(at)
    assert texts(at.warning).startswith("staff.csv: required column user_id is missing for dataset roster")
    at.selectbox(key=f"upload_map_{file_id}_0").set_value("user_id")
    run(at)
    assert not at.warning
    mapping = next(d.value for d in at.dataframe if "Read as" in d.value.columns)
    assert list(mapping["Read as"]) == ["user_id", "department", "access_granted_on"]
    at.button(key="upload_import").click()
    run(at)
    with store.connect(empty_db) as con:
        assert con.execute("select user_id, department from roster order by 1").fetchall() == [
            ("ana@example.org", "legal"), ("bo@example.org", "legal-ops")]


def test_a_refused_file_says_why_and_is_not_imported(empty_db: Path) -> None:
    at = _upload(("empty.csv", b"ticket_id,opened_at,category\n"), ("tickets.csv", TICKETS))
    assert texts(at.warning) == (
        "empty.csv: the file has a header but no data rows; export the month again with its rows, or give the period "
        "it covers (--period 2026-03, or the period on Upload) to record that nothing happened in it.")
    assert at.button(key="upload_import").label == "Import 1 file (1 cannot be imported as they are)"


def test_a_file_already_imported_is_skipped(demo_db: Path) -> None:
    at = _upload(("support.csv", (Path(__file__).parent.parent / "data" / "demo" / "support.csv").read_bytes()))
    assert "already imported as ingestion #" in texts(at.info)
    assert at.button(key="upload_import").disabled


def test_a_file_larger_than_the_server_accepts_is_refused(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ui.upload.max_upload_bytes", lambda: 100)
    at = _upload(("tickets.csv", TICKETS * 2))
    assert "is larger than the 0 MB this server accepts" in texts(at.warning)


def test_undo_needs_a_confirmation_and_restores_the_data(empty_db: Path, tmp_path: Path) -> None:
    f = tmp_path / "tickets.csv"
    f.write_bytes(TICKETS)
    with store.connect(empty_db) as con:
        ingest_file(con, f)
    at = app("pages/upload.py")
    assert at.selectbox(key="ingestion_pick").value == 1
    at.button(key="undo_confirm").click()
    run(at)
    assert texts(at.success) == ("Undid ingestion #1 (tickets.csv): removed 2 support rows, restored 0 rows it had "
                                 "replaced.")
    assert _stored(empty_db, "support") == 0
    history = at.dataframe[0].value
    assert history["undone_at"].notna().all()


def test_rejected_rows_download_in_the_files_own_columns_to_fix_and_import_again(empty_db: Path,
                                                                                 tmp_path: Path) -> None:
    f = tmp_path / "tickets.csv"
    f.write_bytes(TICKETS)
    with store.connect(empty_db) as con:
        ingest_file(con, f)
    at = app("pages/upload.py")
    assert [b.label for b in elements(at, "download_button")] == ["Rejected rows (Excel)", "Rejected rows (CSV)"]
    files = rejects_files(str(empty_db), store.data_version(empty_db), 1)
    reason = ("category: '=cmd|' /C calc'!A0' is not one of how_to, allowed_use, data_rules, review, access, "
              "output_quality, bug, other")
    assert files["csv"].decode("utf-8-sig").splitlines() == [
        '"ticket_id","opened_at","category","topic","line","reason"',
        # a cell a spreadsheet would run as a formula gets an apostrophe; the reason quotes the value
        f'"T2","2026-03-02","\'=cmd|\' /C calc\'!A0","**bold**","3","{reason}"',
    ]
    book = pl.read_excel(io.BytesIO(files["xlsx"]), sheet_name="Rejected rows", infer_schema_length=0)
    # the workbook keeps the value exactly as written, as text (never a formula)
    assert book.rows() == [("T2", "2026-03-02", "=cmd|' /C calc'!A0", "**bold**", "3", reason)]
    assert book.columns == ["ticket_id", "opened_at", "category", "topic", "line", "reason"]


def test_a_file_with_no_rejected_row_says_so_instead_of_offering_downloads(empty_db: Path, tmp_path: Path) -> None:
    f = tmp_path / "tickets.csv"
    f.write_bytes(TICKETS.replace(b"=cmd|' /C calc'!A0", b"bug"))
    with store.connect(empty_db) as con:
        ingest_file(con, f)
    at = app("pages/upload.py")
    assert not elements(at, "download_button")
    assert "No row of #1 was rejected." in texts(at.caption)


def test_the_demo_can_be_loaded_from_upload(empty_db: Path) -> None:
    at = app("pages/upload.py")
    at.button(key="load_demo").click()
    run(at)
    assert {m.label: m.value for m in at.metric} == {
        "Roster": "57", "Training": "339", "Usage": "4,000", "Reviews": "1,482", "Costs": "186", "Incidents": "16",
        "Support": "61", "Feedback": "202"}


# --- import presets: vendor exports read as they are (DESIGN.md §10) ---------------------------------

SIX_MODULES = 'required_training = ["purpose", "limits", "data_rules", "review", "escalation", "issue_reporting"]'


def _preset_plan(plan: Path) -> None:
    """The plan copy: the April stage requires the two modules the Moodle fixture has, and the plan's
    [mappings] name those Moodle activities with the plan's module ids."""
    text = plan.read_text(encoding="utf-8")
    assert text.count(SIX_MODULES) == 2
    mappings = '[mappings.moodle_module]\n"Purpose of the assistant" = "purpose"\n"Data rules" = "data_rules"\n'
    plan.write_text(text.replace(SIX_MODULES, 'required_training = ["purpose", "data_rules"]') + "\n" + mappings,
                    encoding="utf-8")


def _ids(at: AppTest, round_: int = 0) -> list[str]:
    return [f.file_id for f in at.file_uploader(key=f"upload_files_{round_}").value]


def _map_boxes(at: AppTest) -> list[str]:
    return [s.key for s in at.selectbox if s.key and s.key.startswith("upload_map_")]


def test_four_vendor_exports_are_read_by_their_presets_and_give_usage_support_and_training_metrics(
        empty_db: Path) -> None:
    _preset_plan(empty_db.parent / "plan.toml")
    at = _upload(("users-28-day.ndjson", COPILOT.encode()), ("CopilotActivityUserDetail.csv", M365),
                 ("Jira.csv", JIRA.encode()), ("completion-ai101.csv", MOODLE))
    shown = texts(at.markdown)
    for headline in (
        "**Read with the GitHub Copilot user-level usage report preset** — recognised from its columns: 3 of its 3 "
        "identifying columns and 0 of 9 others found.",
        "**Read with the Microsoft 365 Copilot usage (user detail) preset** — recognised from its columns: 2 of its 2 "
        "identifying columns and 4 of 9 others found.",
        "**Read with the Jira issue export preset** — recognised from its columns: 4 of its 4 identifying columns and "
        "5 of 11 others found.",
        "**Read with the Moodle course completion report preset** — recognised from its columns: 3 of its 3 "
        "identifying columns and 2 of 2 others found.",
        "**Dataset: usage** — filled by the GitHub Copilot user-level usage report preset",
        "**Dataset: support** — filled by the Jira issue export preset",
        "**Dataset: training** — filled by the Moodle course completion report preset",
        # the preset's notes: what it mapped, derived, and what the export cannot provide
        "- Mapped: Issue key → ticket_id; Created → opened_at;",
        "- Derived: category: the first label with an entry in jira_category, else the issue type's entry, else other.",
        "- Not in this export: scores — the completion report has no grades.",
        "- Mapping moodle_module: 2 entries from the plan.",
    ):
        assert headline in shown
    boxes = {s.key: s for s in at.selectbox}
    for file_id, preset in zip(_ids(at), ("github-copilot-users", "m365-copilot-usage", "jira-issues",
                                          "moodle-completion"), strict=True):
        box = boxes[f"upload_preset_{file_id}"]
        assert (box.label, box.value) == ("Import preset", "")
        assert box.format_func(box.value) == f"Detect automatically ({preset})"
        assert box.options[:2] == ["Detect automatically (" + preset + ")", "None: the file has Rollgate's own columns"]
    scores = next(d.value for d in at.dataframe if "Import preset" in d.value.columns)
    assert (scores["Import preset"][0], scores["Score"][0]) == ("github-copilot-users", "85%")
    # no preset here needs a period (each file has the optional field, empty); the feature names the Copilot and
    # Microsoft 365 exports give as use cases are not the plan's, and the page says how to map them
    unknown = ("use cases the plan does not declare ({}): map them to the plan's use cases in [mappings.{}] (on "
               "Upload, or the Plan page), or declare them under [[use_cases]]; until then their uses are out of "
               "scope.")
    assert [plain(w.value) for w in at.warning] == [
        "3 " + unknown.format("'chat_inline', 'chat_panel_ask_mode', 'code_completion'", "copilot_use_case"),
        "3 " + unknown.format("'copilot_chat', 'teams', 'word'", "m365_use_case")]
    assert [(t.label, t.value, t.help) for t in at.text_input] == [("Period covered", "", PERIOD_HELP)] * 4
    assert not _map_boxes(at) and not any("Read as" in d.value.columns for d in at.dataframe)
    assert at.button(key="upload_import").label == "Import 4 files"

    at.button(key="upload_import").click()
    run(at)
    assert texts(at.success) == "Imported 4 of 4 files: 13 new rows, 0 updated."
    report = at.dataframe[0].value
    assert list(report["Preset"]) == ["github-copilot-users", "m365-copilot-usage", "jira-issues",
                                      "moodle-completion"]
    assert list(report["Result"]) == ["stored"] * 4 and list(report["Rejected"]) == [0] * 4
    with store.connect(empty_db) as con:  # the plan's [mappings] went with the import
        assert con.execute("select user_id, module from training order by all").fetchall() == [
            ("bob@acme.com", "purpose"), ("jane.doe@acme.com", "data_rules"), ("jane.doe@acme.com", "purpose")]

    at.switch_page("pages/adoption.py")
    run(at)
    adoption = {m.label: m.value for m in at.metric}
    # Copilot 12 accepted + 18 discarded + 5 + 3, M365 one per active app; jane trained before her first use
    assert (adoption["Active users"], adoption["Interactions"], adoption["Untrained active users"]) == ("4", "41", "3")
    at.switch_page("pages/support.py")
    run(at)
    support = {m.label: m.value for m in at.metric}
    assert (support["Tickets"], support["Confusion share"], support["Median resolution time"]) == (
        "3", "66.7%", "13.0 h")


def test_claude_spend_is_refused_until_its_period_is_given(empty_db: Path) -> None:
    at = _upload(("spend.csv", SPEND.encode()), ("tickets.csv", TICKETS))
    spend, tickets = _ids(at)
    at.selectbox(key=f"upload_preset_{spend}").set_value("claude-spend")  # chosen, not only detected
    run(at)
    assert ("**Read with the Claude spend report preset** — chosen by you: 2 of its 2 identifying columns and 7 of 7 "
            "others found.") in texts(at.markdown)
    assert texts(at.warning) == (
        "spend.csv: a Claude spend report has no dates (each row sums the range chosen in the console), so its month "
        "must be given: --period YYYY-MM (or the period on Upload).")
    # Every file has the field; the preset that cannot do without it says so.
    assert [(t.key, t.label, t.help) for t in at.text_input] == [
        (f"upload_period_{spend}", "Period covered", PERIOD_NEEDED),
        (f"upload_period_{tickets}", "Period covered", PERIOD_HELP)]
    assert at.selectbox(key=f"upload_dataset_{spend}").disabled  # the preset decides the dataset
    assert at.button(key="upload_import").label == "Import 1 file (1 cannot be imported as they are)"
    at.text_input(key=f"upload_period_{spend}").set_value("April")
    run(at)
    assert texts(at.warning) == (
        "spend.csv: the period 'April' is not a month; write YYYY-MM (e.g. 2026-03) or a range YYYY-MM..YYYY-MM "
        "(e.g. 2026-01..2026-03).")
    at.text_input(key=f"upload_period_{spend}").set_value("2026-04")
    run(at)
    assert not at.warning
    assert "- Month 2026-04, as given; total spend 1,271.34 USD." in texts(at.markdown)
    at.button(key="upload_import").click()
    run(at)
    with store.connect(empty_db) as con:
        assert con.execute("select distinct month, category from costs").fetchall() == [
            (dt.date(2026, 4, 1), "usage")]
    assert _stored(empty_db, "costs") == 3 and _stored(empty_db, "support") == 2


def test_a_file_a_preset_reads_has_no_column_mapping_editor(empty_db: Path) -> None:
    at = _upload(("CopilotActivityUserDetail.csv", M365))
    (file_id,) = _ids(at)
    assert not _map_boxes(at) and not any("Read as" in d.value.columns for d in at.dataframe)
    assert ("The m365-copilot-usage preset reads this export's columns itself, so there is nothing to map by hand; "
            "the report below says what it mapped and derived. Values are translated through m365_use_case: the "
            "shipped defaults, with the plan's [mappings] entries over them (Plan page).") in texts(at.caption)
    # Read without a preset, it is a file in no dataset's columns until the dataset and columns are chosen.
    at.selectbox(key=f"upload_preset_{file_id}").set_value("none")
    run(at)
    assert texts(at.warning).startswith("CopilotActivityUserDetail.csv: no dataset matches its columns")
    assert ("Read without a preset, as chosen; the m365-copilot-usage preset fits this file with a score of 91.7%."
            in texts(at.caption))
    at.selectbox(key=f"upload_dataset_{file_id}").set_value("usage")
    run(at)
    assert texts(at.warning).startswith("CopilotActivityUserDetail.csv: required columns occurred_at, use_case are "
                                        "missing for dataset usage")
    mapping = next(d.value for d in at.dataframe if "Read as" in d.value.columns)
    assert list(mapping["Column in the file"])[:2] == ["Report Refresh Date", "User Principal Name"]
    assert len(_map_boxes(at)) == 8  # the editor is back: a choice for every column of the file


# --- a workbook's sheet, and the period an export covers ---------------------------------------------

STAFF = [ROSTER_HEADER, ["Ann@Example.org", "Legal", "2026-01-05"], ["bo@example.org", "legal-ops", "2026-02-01"]]


def _sheet_boxes(at: AppTest) -> list[str]:
    return [s.key for s in at.selectbox if s.key and s.key.startswith("upload_sheet_")]


def test_a_workbook_of_several_sheets_reads_the_first_until_another_is_chosen(empty_db: Path) -> None:
    at = _upload(("march.xlsx", workbook({"Usage": usage_rows(), "Staff": STAFF, "Notes": [["by hand"]]})))
    (file_id,) = _ids(at)
    box = at.selectbox(key=f"upload_sheet_{file_id}")
    assert (box.label, box.options, box.value) == ("Sheet", ["Usage", "Staff", "Notes"], "Usage")
    shown = texts(at.markdown)
    assert "**Dataset: usage** — recognised from its columns: 3 of 3 required and 0 of 5 optional found" in shown
    assert "- Read sheet 'Usage'; not read: 'Staff', 'Notes'.\n- Row numbers are the sheet's rows." in shown
    assert any(list(d.value.columns) == ["occurred_at", "user_id", "use_case"] for d in at.dataframe)

    box.set_value("Staff")
    run(at)
    shown = texts(at.markdown)
    assert "**Dataset: roster** — recognised from its columns: 3 of 3 required and 0 of 2 optional found" in shown
    assert "- Read sheet 'Staff'; not read: 'Usage', 'Notes'." in shown
    first = next(d.value for d in at.dataframe if list(d.value.columns) == ROSTER_HEADER)
    assert list(first.columns) == ROSTER_HEADER and list(first["user_id"]) == ["Ann@Example.org", "bo@example.org"]
    at.button(key="upload_import").click()
    run(at)
    assert texts(at.success) == "Imported 1 of 1 files: 2 new rows, 0 updated."
    assert _stored(empty_db, "roster") == 2 and _stored(empty_db, "usage") == 0


def test_a_sheet_that_cannot_be_imported_says_why(empty_db: Path) -> None:
    at = _upload(("march.xlsx", workbook({"Usage": usage_rows(), "Notes": [["by hand"], ["a note"]]})))
    (file_id,) = _ids(at)
    at.selectbox(key=f"upload_sheet_{file_id}").set_value("Notes")
    run(at)
    assert texts(at.warning).startswith("march.xlsx: no dataset matches its columns ('by hand').")
    assert at.button(key="upload_import").disabled


def test_a_workbook_whose_first_sheet_is_empty_can_be_read_from_another(empty_db: Path) -> None:
    at = _upload(("march.xlsx", workbook({"Cover": [], "Usage": usage_rows()})))
    (file_id,) = _ids(at)
    assert texts(at.warning) == ("march.xlsx: sheet 'Cover' is empty; choose the sheet that holds the export (the "
                                 "workbook has 'Cover', 'Usage').")
    assert at.button(key="upload_import").disabled
    at.selectbox(key=f"upload_sheet_{file_id}").set_value("Usage")
    run(at)
    assert [plain(w.value) for w in at.warning] == [
        "1 use case the plan does not declare ('search'): declare it under [[use_cases]] on the Plan page, or correct "
        "the export's use case names; until then its uses are out of scope."]
    assert at.button(key="upload_import").label == "Import 1 file"


def test_a_workbook_of_one_sheet_and_a_csv_have_no_sheet_box(empty_db: Path) -> None:
    at = _upload(("usage.xlsx", workbook({"Sheet1": usage_rows()})), ("usage.csv", USAGE))
    assert not _sheet_boxes(at)
    assert "- Read from the first sheet; row numbers are the sheet's rows." in texts(at.markdown)
    assert at.button(key="upload_import").label == "Import 2 files"


def test_the_period_covered_and_the_sheet_go_with_the_preview_and_the_import(
        empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str | None, str | None, str | None, bool]] = []

    def spy(con: object, path: Path, name: str | None = None, options: IngestOptions | None = None,
            commit: bool = True) -> IngestReport:
        assert options is not None
        seen.append((name, options.period, options.sheet, commit))
        return ingest_file(con, path, name, options, commit)  # type: ignore[arg-type]

    monkeypatch.setattr("ui.upload.ingest_file", spy)
    at = _upload(("usage.csv", USAGE), ("staff.xlsx", workbook({"Usage": usage_rows(), "Staff": STAFF})))
    csv_id, book_id = _ids(at)
    field = at.text_input(key=f"upload_period_{csv_id}")
    assert (field.label, field.value, field.placeholder, field.max_chars) == (
        "Period covered", "", "2026-03 or 2026-01..2026-03", 16)
    assert seen == [("usage.csv", None, None, False), ("staff.xlsx", None, "Usage", False)]
    field.set_value("2026-01..2026-03")
    at.text_input(key=f"upload_period_{book_id}").set_value(" 2026-03 ")  # passed trimmed
    at.selectbox(key=f"upload_sheet_{book_id}").set_value("Staff")
    run(at)
    assert seen[2:] == [("usage.csv", "2026-01..2026-03", None, False), ("staff.xlsx", "2026-03", "Staff", False)]
    at.button(key="upload_import").click()
    run(at)
    assert seen[4:] == [("usage.csv", "2026-01..2026-03", None, True), ("staff.xlsx", "2026-03", "Staff", True)]
    assert _stored(empty_db, "usage") == 1 and _stored(empty_db, "roster") == 2


def test_an_uploaded_file_is_copied_beside_the_database_and_removed_after_reading(empty_db: Path) -> None:
    _upload(("tickets.csv", TICKETS))
    folder = Path(f"{empty_db}.tmp")
    assert [p.suffix for p in folder.iterdir()] == [".lock"]  # this process's lock alone: no copy is left


def test_an_upload_that_cannot_be_saved_beside_the_database_says_so(empty_db: Path) -> None:
    Path(f"{empty_db}.tmp").write_text("a file where the folder for copies would go")
    at = _upload(("tickets.csv", TICKETS))
    shown = texts(at.warning)
    assert ("tickets.csv: the upload could not be saved beside the database (File exists); check that the "
            "database's folder can be written to and has free space, then try again.") in shown, shown


def test_copilot_feature_names_can_be_mapped_to_plan_use_cases_from_upload(empty_db: Path) -> None:
    plan_file = empty_db.parent / "plan.toml"
    before = plan_file.read_text(encoding="utf-8")
    at = _upload(("users-28-day.ndjson", COPILOT.encode()))
    (file_id,) = _ids(at)
    assert at.expander[0].proto.expanded  # names to map: the details open by themselves
    boxes = [b for b in at.selectbox if b.key and b.key.startswith("upload_usecase_") and b.key.endswith(file_id)]
    assert [b.label for b in boxes] == ["chat\\_inline", "chat\\_panel\\_ask\\_mode", "code\\_completion"]
    assert boxes[0].options == ["(leave as it is)", "drafting", "summarise", "clause_review", "translation"]
    boxes[2].set_value("drafting")
    boxes[0].set_value("summarise")
    next(b for b in at.button if b.label == "Save to the plan and read the file again").click()
    run(at)
    assert texts(at.success) == ("Saved to the plan's [mappings.copilot_use_case]: chat_inline → summarise, "
                                 "code_completion → drafting.")
    after = plan_file.read_text(encoding="utf-8")
    assert after == (before.rstrip("\n") + '\n\n[mappings.copilot_use_case]\nchat_inline = "summarise"\n'
                                          'code_completion = "drafting"\n')
    # read again with the plan's new entries: one name is left to map
    assert [plain(w.value) for w in at.warning] == [
        "1 use case the plan does not declare ('chat_panel_ask_mode'): map it to the plan's use cases in "
        "[mappings.copilot_use_case] (on Upload, or the Plan page), or declare it under [[use_cases]]; until then its "
        "uses are out of scope."]
