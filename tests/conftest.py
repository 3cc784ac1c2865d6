"""Shared fixtures: a fresh database per test, and helpers that ingest bytes and read rows back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.errors import InputError
from loaders import store
from loaders.ingest import IngestOptions, IngestReport, ingest_file

Content = bytes | str
Ingest = Callable[..., IngestReport]
Refuse = Callable[..., str]
Rows = Callable[..., list[tuple[Any, ...]]]


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a new, empty Rollgate database file in the test's directory."""
    with store.connect(tmp_path / "rollgate.duckdb") as connection:
        yield connection


def write_file(directory: Path, name: str, content: Content) -> Path:
    """Write `content` (text is encoded as UTF-8, byte for byte as given) to `directory/name`."""
    path = directory / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@pytest.fixture
def ingest(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> Ingest:
    """ingest(content, name="upload.csv", options=None, commit=True) -> IngestReport."""
    uploads = tmp_path / "uploads"
    uploads.mkdir()

    def run(content: Content, name: str = "upload.csv", options: IngestOptions | None = None,
            commit: bool = True) -> IngestReport:
        return ingest_file(con, write_file(uploads, name, content), name, options, commit)

    return run


@pytest.fixture
def refuse(ingest: Ingest, con: duckdb.DuckDBPyConnection) -> Refuse:
    """refuse(content, name=..., options=...) -> the InputError message; asserts nothing was written."""

    def run(content: Content, name: str = "upload.csv", options: IngestOptions | None = None) -> str:
        with pytest.raises(InputError) as refused:
            ingest(content, name, options)
        assert con.execute("select count(*) from ingestions").fetchone() == (0,)
        assert con.execute("select count(*) from rejects").fetchone() == (0,)
        return str(refused.value)

    return run


@pytest.fixture
def rows(con: duckdb.DuckDBPyConnection) -> Rows:
    """rows(table, "col1, col2", order="col1") -> stored rows as tuples, in a stable order."""

    def run(table: str, columns: str = "*", order: str = "1") -> list[tuple[object, ...]]:
        return con.execute(f"select {columns} from {table} order by {order}").fetchall()

    return run


@pytest.fixture
def stored_rejects(con: duckdb.DuckDBPyConnection) -> Rows:
    """stored_rejects(ingestion_id) -> [(line, column, reason), ...] from the rejects table, in file order."""

    def run(ingestion_id: int) -> list[tuple[object, ...]]:
        return con.execute('select line, "column", reason from rejects where ingestion_id = ? '
                           'order by line, "column"', [ingestion_id]).fetchall()

    return run


COUNTS = ("rows_read", "accepted", "inserted", "updated", "unchanged", "rejected", "duplicates", "blank_lines")


def counts(report: IngestReport) -> dict[str, int]:
    """The report's row accounting, for one exact comparison."""
    return {k: getattr(report, k) for k in COUNTS}


def expect(rows_read: int = 0, accepted: int = 0, inserted: int = 0, updated: int = 0, unchanged: int = 0,
           rejected: int = 0, duplicates: int = 0, blank_lines: int = 0) -> dict[str, int]:
    """The accounting a test expects; every count not given is 0."""
    return {"rows_read": rows_read, "accepted": accepted, "inserted": inserted, "updated": updated,
            "unchanged": unchanged, "rejected": rejected, "duplicates": duplicates, "blank_lines": blank_lines}


def problems(report: IngestReport) -> list[tuple[int | None, str | None, str]]:
    """The report's rejects as (line, column, reason)."""
    return [(r.line, r.column, r.reason) for r in report.rejects]


# --- the app's pages on a database (tests/pages_fixture.py; imported on use, so other tests do not load Streamlit)

@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app on a database file that does not exist yet, with its own plan copy."""
    from pages_fixture import use_empty

    return use_empty(tmp_path, monkeypatch)


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app on a copy of the demo database, with its own plan copy."""
    from pages_fixture import use_demo

    return use_demo(tmp_path, monkeypatch)
