"""The app through Streamlit's AppTest: empty state, demo load, history, rejects download, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders import store
from loaders.ingest import ingest_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("ROLLGATE_DB", str(path))
    return path


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_empty_database_offers_the_demo_and_loads_it(db: Path) -> None:
    at = _app().run()
    assert not at.exception
    assert at.info[0].value.startswith("No exports are loaded yet. Load the demo data")
    at.button(key="load_demo").click().run()
    assert not at.exception
    assert at.success[0].value == "Loaded 8 demo files."
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Roster": "57", "Training": "339", "Usage": "4,000", "Reviews": "1,482", "Costs": "186",
                       "Incidents": "16", "Support": "61", "Feedback": "202"}


def test_history_lists_ingestions_and_undo_needs_confirmation(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "tickets.csv"
    f.write_text("ticket_id,opened_at,category\nT1,2026-03-01,how_to\nT2,2026-03-02,=cmd|' /C calc'!A0\n")
    with store.connect(db) as con:
        ingest_file(con, f)
    at = _app().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["file_name"]) == ["tickets.csv"] and list(table["rejected"]) == [1]
    assert at.selectbox(key="ingestion_pick").value == 1
    at.button(key="undo_confirm").click().run()
    assert at.success[0].value == ("Undid ingestion #1 (tickets.csv): removed 1 support rows, restored 0 rows it "
                                   "had replaced.")
    with store.connect(db) as con:
        assert con.execute("select count(*) from support").fetchall() == [(0,)]


def test_rejects_download_neutralises_formulas(db: Path, tmp_path: Path) -> None:
    from ui.data import rejects_csv

    f = tmp_path / "tickets.csv"
    f.write_text("ticket_id,opened_at,category\nT1,2026-03-01,how_to\nT2,2026-03-02,=cmd|' /C calc'!A0\n")
    with store.connect(db) as con:
        ingest_file(con, f)
    data = rejects_csv(str(db), store.data_version(db), 1).decode("utf-8-sig").splitlines()
    assert data[0] == '"line","column","reason","raw"'
    # The reason quotes the value, so it does not start with '='; the raw row is JSON text.
    assert data[1] == ('"3","category","\'=cmd|\' /C calc\'!A0\' is not one of how_to, allowed_use, data_rules, '
                       'review, access, output_quality, bug, other",'
                       '"{""ticket_id"":""T2"",""opened_at"":""2026-03-02"",""category"":""=cmd|\' /C calc\'!A0""}"')
