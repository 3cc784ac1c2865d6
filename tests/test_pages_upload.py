"""Upload (AppTest): several files at once, each previewed and validated before anything is stored,
the dataset and column choices, the import and its report, the history with rejects and undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from pages_fixture import app, plain, run, texts, use_demo, use_empty
from streamlit.testing.v1 import AppTest

from loaders import store
from loaders.ingest import ingest_file
from ui.data import rejects_csv

TICKETS = (b"ticket_id,opened_at,category,topic\n"
           b"T1,2026-03-01,how_to,<script>alert(1)</script>\n"
           b"T2,2026-03-02,=cmd|' /C calc'!A0,**bold**\n"
           b"T3,2026-03-03,bug,Export fails\n")
ROSTER = (b"Staff email,department,access_granted_on\n"
          b"Ana@Example.org,Legal,2026-01-05\nbo@example.org,legal-ops,2026-02-01\n")
USAGE = b"occurred_at,user_id,use_case\n2026-03-04T10:00:00Z,ana@example.org,drafting\n"


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_empty(tmp_path, monkeypatch)


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo(tmp_path, monkeypatch)


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
    files = [plain(e.label) for e in at.expander if not e.label.startswith("Why")]
    assert files == [f"tickets.csv · {len(TICKETS) / 1024:.1f} KB", f"usage.csv · {len(USAGE) / 1024:.1f} KB"]
    shown = texts(at.markdown)
    assert ("**Dataset: support** — detected, score 88% (3 of 3 required and 1 of 5 optional columns found)"
            in shown)
    assert "**Dataset: usage** — detected, score 85% (3 of 3 required and 0 of 5 optional columns found)" in shown
    counts = [(m.label, m.value) for m in at.metric]
    assert counts[:7] == [("Rows read", "3"), ("Accepted", "2"), ("Rejected", "1"), ("Duplicates", "0"),
                          ("New", "2"), ("Updated", "0"), ("Unchanged", "0")]
    assert counts[7:9] == [("Rows read", "1"), ("Accepted", "1")]
    peek = at.dataframe[0].value  # the first rows as written, as text
    assert list(peek.columns) == ["ticket_id", "opened_at", "category", "topic"]
    assert list(peek["topic"]) == ["<script>alert(1)</script>", "**bold**", "Export fails"]
    rejects = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert list(rejects["line"]) == [3] and list(rejects["column"]) == ["category"]
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
    assert texts(at.warning) == ("empty.csv: the file has a header but no data rows; export the month again with its "
                                 "rows.")
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


def test_rejects_download_neutralises_formulas(empty_db: Path, tmp_path: Path) -> None:
    f = tmp_path / "tickets.csv"
    f.write_bytes(TICKETS)
    with store.connect(empty_db) as con:
        ingest_file(con, f)
    at = app("pages/upload.py")
    assert [b.label for b in at.get("download_button")] == ["Download its rejects (CSV)"]
    data = rejects_csv(str(empty_db), store.data_version(empty_db), 1).decode("utf-8-sig").splitlines()
    assert data[0] == '"line","column","reason","raw"'
    # The reason quotes the value, so it does not start with '='; the raw row is JSON text.
    assert data[1].startswith('"3","category","\'=cmd|\' /C calc\'!A0\' is not one of how_to, allowed_use')


def test_the_demo_can_be_loaded_from_upload(empty_db: Path) -> None:
    at = app("pages/upload.py")
    at.button(key="load_demo").click()
    run(at)
    assert {m.label: m.value for m in at.metric} == {
        "Roster": "57", "Training": "339", "Usage": "4,000", "Reviews": "1,482", "Costs": "186", "Incidents": "16",
        "Support": "61", "Feedback": "202"}
