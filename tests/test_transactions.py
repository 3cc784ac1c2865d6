"""All or nothing, and one database file shared by several processes (DESIGN.md §9)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from loaders import ingest, store
from loaders.ingest import ingest_file

ROOT = Path(__file__).resolve().parent.parent
USAGE = "event_id,occurred_at,user_id,use_case\n"


def _snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted: the database's whole logical state."""
    with store.connect(db) as con:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
        return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in tables}


def _cli(*args: str, db: Path, wait: str = "10") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args, "--wait", wait], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def test_a_failure_in_the_middle_of_an_ingest_leaves_the_database_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "r.duckdb"
    first = tmp_path / "a.csv"
    first.write_text(USAGE + "E1,2026-03-01,a@x.org,drafting\nE2,2026-03-02,b@x.org,drafting\n")
    with store.connect(db) as con:
        ingest_file(con, first)
    before = _snapshot(db)

    def boom(*_: object) -> None:
        raise OSError("disk full")

    # Fail after the replaced rows were copied and deleted, before the new rows are inserted.
    steps = list(ingest.WRITE_STEPS)
    monkeypatch.setattr(ingest, "WRITE_STEPS", [*steps[:2], boom, *steps[2:]])
    second = tmp_path / "b.csv"
    second.write_text(USAGE + "E1,2026-03-01,a@x.org,summarise\nE3,2026-03-03,c@x.org,drafting\nbad,,,\n")
    with store.connect(db) as con, pytest.raises(OSError, match="disk full"):
        ingest_file(con, second)
    assert _snapshot(db) == before
    monkeypatch.setattr(ingest, "WRITE_STEPS", steps)
    with store.connect(db) as con:  # and the same file loads normally afterwards
        report = ingest_file(con, second)
    assert (report.inserted, report.updated, report.rejected) == (1, 1, 1)


def test_two_processes_ingesting_at_once_both_store_their_rows(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    files = []
    for k in range(2):
        f = tmp_path / f"u{k}.csv"
        f.write_text(USAGE + "".join(f"E{k}-{i},2026-03-01,u{i}@x.org,drafting\n" for i in range(2000)))
        files.append(f)
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    procs = [subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "ingest", str(f), "--wait", "60"],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in files]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    with store.connect(db) as con:
        assert con.execute("select count(*) from usage").fetchone() == (4000,)
        assert con.execute("select count(*) from ingestions").fetchone() == (2,)


def test_a_writer_that_finds_the_database_busy_says_so_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    f = tmp_path / "u.csv"
    f.write_text(USAGE + "E1,2026-03-01,a@x.org,drafting\n")
    with store.connect(db):
        pass
    holder = duckdb.connect(str(db))  # another process's long unit of work, as far as the CLI can tell
    try:
        result = _cli("ingest", str(f), db=db, wait="0.5")
    finally:
        holder.close()
    assert result.returncode == 1
    assert result.stderr == ("error: The database r.duckdb is in use by another Rollgate process (for example a "
                             "scheduled import); waited 0.5 s. Nothing was changed: try again in a moment.\n")
    with store.connect(db) as con:
        assert con.execute("select count(*) from usage").fetchone() == (0,)


def test_a_writer_waits_for_a_busy_database_and_then_stores(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    f = tmp_path / "u.csv"
    f.write_text(USAGE + "E1,2026-03-01,a@x.org,drafting\n")
    with store.connect(db):
        pass
    holder = duckdb.connect(str(db))
    releaser = threading.Timer(1.5, holder.close)
    releaser.start()
    started = time.monotonic()
    result = _cli("ingest", str(f), db=db, wait="30")
    releaser.join()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.5
    with store.connect(db) as con:
        assert con.execute("select count(*) from usage").fetchone() == (1,)


KILLED_MIDWAY = """
import sys, time
from pathlib import Path
from loaders import ingest, store

def pause(*_):
    print("inside the transaction", flush=True)
    time.sleep(60)

ingest.WRITE_STEPS.insert(2, pause)  # after the replaced rows were moved, before the new ones go in
with store.connect(Path(sys.argv[1])) as con:
    ingest.ingest_file(con, Path(sys.argv[2]))
"""


def test_a_process_killed_inside_the_transaction_leaves_the_database_as_before(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    first = tmp_path / "a.csv"
    first.write_text(USAGE + "E1,2026-03-01,a@x.org,drafting\nE2,2026-03-02,b@x.org,drafting\n")
    with store.connect(db) as con:
        ingest_file(con, first)
    before = _snapshot(db)
    second = tmp_path / "b.csv"
    second.write_text(USAGE + "E1,2026-03-01,a@x.org,summarise\n" + "".join(
        f"N{i},2026-03-03,c{i}@x.org,drafting\n" for i in range(5000)))
    proc = subprocess.Popen([sys.executable, "-c", KILLED_MIDWAY, str(db), str(second)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "inside the transaction\n", proc.stderr.read() if proc.stderr else ""
    proc.kill()  # SIGKILL: no rollback, no cleanup; the write-ahead log is all that remains
    proc.wait(timeout=30)
    assert _snapshot(db) == before
