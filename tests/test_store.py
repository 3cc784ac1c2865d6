"""The store: schema creation and versioning, the database path, the data version."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.errors import RollgateError
from core.paths import ROOT
from loaders import store
from loaders.schema import DATASETS


def test_new_file_gets_every_table_and_the_schema_version(tmp_path: Path) -> None:
    with store.connect(tmp_path / "r.duckdb") as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert store.schema_version(con) == store.SCHEMA_VERSION == 6
    expected = {"rollgate_meta", "ingestions", "rejects", "gate_reviews", "plan_versions", "activity", *DATASETS,
                *(f"{d}_replaced" for d in DATASETS)}
    assert tables == expected


def test_dataset_tables_have_the_canonical_columns_in_order(tmp_path: Path) -> None:
    with store.connect(tmp_path / "r.duckdb") as con:
        cols = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_name = 'usage' "
            "order by ordinal_position").fetchall()]
        types = dict(con.execute("select column_name, data_type from information_schema.columns "
                                 "where table_name = 'costs'").fetchall())
    assert cols == ["event_id", "occurred_at", "user_id", "use_case", "interactions", "output_action",
                    "minutes_saved", "cost", "ingestion_id"]
    assert types["month"] == "DATE" and types["amount"] == "DOUBLE" and types["line_id"] == "VARCHAR"


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with store.connect(db) as con:
        con.execute("insert into roster values ('a', 'legal', date '2026-01-01', null, null, 1)")
    store._schema_ready.clear()
    with store.connect(db) as con:
        assert con.execute("select count(*) from roster").fetchone() == (1,)
        assert store.schema_version(con) == store.SCHEMA_VERSION


def test_a_file_from_a_newer_rollgate_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with store.connect(db) as con:
        con.execute("update rollgate_meta set value = '99' where key = 'schema_version'")
    store._schema_ready.clear()
    with pytest.raises(RollgateError) as e, store.connect(db):
        pass
    assert str(e.value) == ("The database was written by a newer Rollgate (schema 99); "
                            "upgrade Rollgate to open it.")


def test_db_path_prefers_the_explicit_path_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLLGATE_DB", raising=False)
    assert store.db_path() == ROOT / "data" / "rollgate.duckdb"
    monkeypatch.setenv("ROLLGATE_DB", "elsewhere.duckdb")
    assert store.db_path() == Path("elsewhere.duckdb")
    assert store.db_path("given.duckdb") == Path("given.duckdb")


def test_data_version_changes_with_a_write_and_reads_without_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    assert store.data_version(db) == (0, 0, 0)
    with store.connect(db) as con:
        before = store.data_version(db)  # read while this connection holds the file
        con.execute("insert into roster values ('a', 'legal', date '2026-01-01', null, null, 1)")
        con.execute("checkpoint")
    assert store.data_version(db) != before


def test_connections_are_closed_after_each_unit_of_work(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with store.connect(db):
        pass
    # Another "process" (a read-only open has a different configuration) can now take the file.
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from ingestions").fetchone() == (0,)
    con.close()


def test_a_version_1_file_is_migrated_without_losing_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "old.duckdb"
    monkeypatch.setattr(store, "SCHEMA_VERSION", 1)
    with store.connect(db) as con:
        con.execute("insert into roster values ('a', 'legal', date '2026-01-01', null, null, 1)")
        assert store.schema_version(con) == 1
    monkeypatch.undo()
    store._schema_ready.clear()
    with store.connect(db) as con:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert con.execute("select count(*) from roster").fetchall() == [(1,)]
        assert con.execute("select count(*) from gate_reviews").fetchall() == [(0,)]
