"""Upsert by key and undo: latest upload wins, and undo restores what an upload replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InputError, NotFound
from loaders import store
from loaders.ingest import IngestReport, ingest_file, undo

HEADER = "ticket_id,opened_at,category,topic\n"


def _ingest(db: Path, tmp_path: Path, name: str, body: str) -> IngestReport:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    with store.connect(db) as con:
        return ingest_file(con, path)


def _tickets(db: Path) -> list[tuple[str, str, int]]:
    with store.connect(db) as con:
        return con.execute("select ticket_id, topic, ingestion_id from support order by ticket_id").fetchall()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "r.duckdb"


def test_overlapping_reexport_updates_and_inserts_without_duplicates(db: Path, tmp_path: Path) -> None:
    first = _ingest(db, tmp_path, "a.csv", "T1,2026-03-01,how_to,one\nT2,2026-03-02,bug,two\n")
    second = _ingest(db, tmp_path, "b.csv", "T2,2026-03-02,bug,two (edited)\nT1,2026-03-01,how_to,one\n"
                                             "T3,2026-03-03,other,three\n")
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)
    assert _tickets(db) == [("T1", "one", 1), ("T2", "two (edited)", 2), ("T3", "three", 2)]


def test_undo_removes_rows_and_restores_the_replaced_ones(db: Path, tmp_path: Path) -> None:
    _ingest(db, tmp_path, "a.csv", "T1,2026-03-01,how_to,one\nT2,2026-03-02,bug,two\n")
    _ingest(db, tmp_path, "b.csv", "T2,2026-03-02,bug,two (edited)\nT3,2026-03-03,other,three\n")
    with store.connect(db) as con:
        report = undo(con, 2)
        undone = con.execute("select undone_at is not null from ingestions where id = 2").fetchone()
        history = con.execute("select count(*) from support_replaced").fetchone()
    assert (report.removed, report.restored) == (2, 1)
    assert report.message == ("Undid ingestion #2 (b.csv): removed 2 support rows, restored 1 rows it had "
                              "replaced.")
    assert _tickets(db) == [("T1", "one", 1), ("T2", "two", 1)]
    assert undone == (True,) and history == (0,)


def test_undoing_a_middle_ingestion_keeps_the_later_version(db: Path, tmp_path: Path) -> None:
    _ingest(db, tmp_path, "a.csv", "T1,2026-03-01,how_to,v1\n")
    _ingest(db, tmp_path, "b.csv", "T1,2026-03-01,how_to,v2\n")
    _ingest(db, tmp_path, "c.csv", "T1,2026-03-01,how_to,v3\n")
    with store.connect(db) as con:
        undo(con, 2)
    assert _tickets(db) == [("T1", "v3", 3)]
    with store.connect(db) as con:
        undo(con, 3)  # as if b.csv had never been loaded: v1 comes back, not v2
    assert _tickets(db) == [("T1", "v1", 1)]


def test_undo_then_the_same_file_can_be_loaded_again(db: Path, tmp_path: Path) -> None:
    _ingest(db, tmp_path, "a.csv", "T1,2026-03-01,how_to,one\n")
    with store.connect(db) as con:
        undo(con, 1)
    again = _ingest(db, tmp_path, "a.csv", "T1,2026-03-01,how_to,one\n")
    assert again.status == "stored" and again.inserted == 1
    assert _tickets(db) == [("T1", "one", 2)]


def test_undo_twice_and_undo_of_an_unknown_ingestion_are_refused(db: Path, tmp_path: Path) -> None:
    _ingest(db, tmp_path, "a.csv", "T1,2026-03-01,how_to,one\n")
    with store.connect(db) as con:
        undo(con, 1)
        with pytest.raises(InputError, match=r"^Ingestion #1 \(a.csv\) was already undone on "):
            undo(con, 1)
        with pytest.raises(NotFound) as e:
            undo(con, 7)
    assert str(e.value) == "There is no ingestion #7; list them with the Upload page's history."


def test_undo_of_a_two_column_key_dataset(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "t1.csv"
    path.write_text("user_id,module,completed_on\na@x.org,purpose,2026-01-02\na@x.org,limits,2026-01-03\n")
    path2 = tmp_path / "t2.csv"
    path2.write_text("user_id,module,completed_on\nA@X.org,purpose,2026-01-09\n")
    with store.connect(db) as con:
        ingest_file(con, path)
        second = ingest_file(con, path2)
        assert (second.updated, second.inserted) == (1, 0)
        undo(con, 2)
        rows = con.execute("select module, completed_on::varchar from training order by module").fetchall()
    assert rows == [("limits", "2026-01-03"), ("purpose", "2026-01-02")]
