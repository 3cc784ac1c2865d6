"""Snapshots (AppTest), a first version: the recorded gate reviews when the snapshots package lists
them, otherwise how a snapshot is made."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pages_fixture import app, texts, use_demo

import snapshots


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo(tmp_path, monkeypatch)


def test_without_a_snapshot_list_the_page_says_how_snapshots_are_made(demo_db: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(snapshots, "list_snapshots", raising=False)
    at = app("pages/snapshots.py")
    assert not at.exception
    assert "`python cli.py snapshot --stage ID --month YYYY-MM --decision OUTCOME --by NAME`" in texts(at.info)


def test_recorded_snapshots_are_listed_as_plain_text(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def list_snapshots(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
        assert con.execute("select count(*) from usage").fetchone() == (4000,)
        return [{"id": 1, "stage": "pilot", "decision": "proceed", "decided_by": "<b>Head of Legal</b>"}]

    monkeypatch.setattr(snapshots, "list_snapshots", list_snapshots, raising=False)
    at = app("pages/snapshots.py")
    table = at.dataframe[0].value
    assert table.to_dict("records") == [{"id": "1", "stage": "pilot", "decision": "proceed",
                                         "decided_by": "<b>Head of Legal</b>"}]
