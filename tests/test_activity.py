"""The activity log (loaders.activity): each change appends exactly one entry, in the change's own transaction,
naming who, with which role, did what to which record; the hash chain checks, and an edited, removed or forged
entry is said in words. A role that may not act changes nothing and logs nothing. And `cli.py activity`."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import Ingest
from snapshot_fixture import JUNE, demo_database, plan

from core.access import Action, Actor, NotAllowed, Role, sign_in_off
from gates import plan_history
from gates.review import evaluate
from loaders import activity, store
from loaders.ingest import IngestOptions, undo
from snapshots.build import record_review
from snapshots.record import Decision
from snapshots.signing import KEY_FILE

ROOT = Path(__file__).resolve().parent.parent
TICKETS = "ticket_id,opened_at,category,topic\nT1,2026-03-01,how_to,one\nT2,2026-03-02,bug,two\n"

VIEWER = Actor("Vi Ewer", "vi@example.org", Role.VIEWER, signed_in=True)
ANALYST = Actor("Ann Analyst", "ann@example.org", Role.ANALYST, signed_in=True)
APPROVER = Actor("Apo Approver", "apo@example.org", Role.APPROVER, signed_in=True)
ADMIN = Actor("Ada Admin", "ada@example.org", Role.ADMIN, signed_in=True)
CUT = "does not follow the entry before it: the chain was cut there (an entry removed, inserted or rewritten)"


def _log(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    """Each entry as (id, who, role, action, object, details as data)."""
    return [(e.id, e.who, e.role, e.action, e.object, json.loads(e.details)) for e in activity.entries(con)]


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return store.scalar(con, f"select count(*) from {table}")


# -- each change appends one entry ---------------------------------------------------------------------------

def test_an_import_and_its_undo_each_append_one_entry(con: duckdb.DuckDBPyConnection, ingest: Ingest) -> None:
    report = ingest(TICKETS, "tickets.csv", IngestOptions(by=ANALYST))
    assert report.ingestion_id == 1
    assert _log(con) == [(1, "Ann Analyst <ann@example.org>", "analyst", "import", "ingestion #1",
                          {"dataset": "support", "file": "tickets.csv", "sha256": report.sha256, "inserted": 2,
                           "updated": 0, "rejected": 0})]
    undone = undo(con, 1, by=Actor("Bo Analyst", "bo@example.org", Role.ANALYST, signed_in=True))
    assert (undone.removed, undone.restored) == (2, 0)
    assert _log(con)[1:] == [(2, "Bo Analyst <bo@example.org>", "analyst", "undo", "ingestion #1",
                              {"dataset": "support", "file": "tickets.csv", "removed": 2, "restored": 0})]
    assert con.execute("select imported_by, undone_by from ingestions").fetchall() == [
        ("Ann Analyst <ann@example.org>", "Bo Analyst <bo@example.org>")]
    first, second = activity.entries(con)
    assert (first.previous, second.previous) == (None, first.hash)
    assert first.hash == first.expected_hash() and len(first.hash) == 64
    assert activity.problems(activity.entries(con)) == []


def test_a_preview_and_a_skipped_file_log_nothing(con: duckdb.DuckDBPyConnection, ingest: Ingest) -> None:
    preview = ingest(TICKETS, "tickets.csv", IngestOptions(by=VIEWER), commit=False)  # a viewer may look
    assert (preview.status, preview.inserted) == ("preview", 2)
    assert _log(con) == []
    ingest(TICKETS, "tickets.csv", IngestOptions(by=ANALYST))
    again = ingest(TICKETS, "again.csv", IngestOptions(by=ANALYST))
    assert again.status == "skipped"
    assert [e[0] for e in _log(con)] == [1]


def test_a_plan_save_appends_one_entry_naming_the_version(con: duckdb.DuckDBPyConnection) -> None:
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    saved = plan_history.record(con, "name = 'a'\n", "name = 'b'\n", ADMIN, moment=moment)
    assert saved.id == 2  # version 1 keeps the plan as it was found; not an action of anyone's
    assert _log(con) == [(1, "Ada Admin <ada@example.org>", "admin", "plan", "plan version #2",
                          {"sha256": plan_history.sha256_of("name = 'b'\n")})]
    assert activity.entries(con)[0].at == datetime(2026, 12, 1, 9, 30)  # stored in UTC
    mapped = plan_history.record(con, "name = 'b'\n", "name = 'c'\n", ANALYST, Action.MAPPINGS)
    assert mapped.id == 3
    assert _log(con)[1:] == [(2, "Ann Analyst <ann@example.org>", "analyst", "mappings", "plan version #3",
                              {"sha256": plan_history.sha256_of("name = 'c'\n")})]


def test_a_plan_save_and_its_entry_are_stamped_with_the_same_utc_time(con: duckdb.DuckDBPyConnection) -> None:
    paris = timezone(timedelta(hours=1))
    saved = plan_history.record(con, "", "name = 'b'\n", ADMIN, moment=datetime(2026, 12, 1, 10, 30, tzinfo=paris))
    assert saved.saved_at == activity.entries(con)[0].at == datetime(2026, 12, 1, 9, 30)


def test_a_decision_appends_one_entry_and_names_the_signed_in_approver(tmp_path: Path) -> None:
    with store.connect(demo_database(tmp_path)) as con:
        before = len(activity.entries(con))
        p = plan()
        review = evaluate(con, p, "department", JUNE)
        # signed in, the record names the person acting, whatever name the decision carries
        snap = record_review(con, p, review, Decision(outcome="pause", decided_by="Somebody Else"), by=APPROVER)
        assert snap.decision.decided_by == "Apo Approver <apo@example.org>"
        assert con.execute("select id, decided_by from gate_reviews").fetchall() == [
            (1, "Apo Approver <apo@example.org>")]
        log = _log(con)
        assert len(log) == before + 1
        assert log[-1] == (before + 1, "Apo Approver <apo@example.org>", "approver", "decision", "snapshot #1",
                           {"stage": "department", "decision": "pause", "decided_by": "Apo Approver <apo@example.org>",
                            "content_sha256": snap.content_sha256})
        assert activity.problems(activity.entries(con)) == []


def test_with_sign_in_off_a_decision_keeps_the_name_typed_in(tmp_path: Path) -> None:
    with store.connect(demo_database(tmp_path)) as con:
        p = plan()
        review = evaluate(con, p, "department", JUNE)
        snap = record_review(con, p, review, Decision(outcome="pause", decided_by="A. Chair"), by=sign_in_off())
        assert snap.decision.decided_by == "A. Chair"
        assert _log(con)[-1][1:5] == ("anyone (sign-in is off)", "admin", "decision", "snapshot #1")
        # the command line without --by: the operating-system user decides, and is named
        again = record_review(con, p, review, Decision(outcome="pause", decided_by=""))
        assert again.decision.decided_by == getpass.getuser()
        assert _log(con)[-1][1:5] == (getpass.getuser(), "admin", "decision", "snapshot #2")


# -- a role that may not act changes nothing and logs nothing ------------------------------------------------

DECIDE_REFUSED = ("{label} is {a_role}: recording a gate decision needs the approver role. Nothing was changed. Ask "
                  "a Rollgate admin to give you the approver role in the roles file.")


@pytest.mark.parametrize(("who", "a_role"), [(VIEWER, "a viewer"), (ANALYST, "an analyst")])
def test_a_decision_by_a_role_below_approver_is_refused_and_nothing_stored(tmp_path: Path, who: Actor,
                                                                            a_role: str) -> None:
    db = demo_database(tmp_path)
    with store.connect(db) as con:
        before = _log(con)
        p = plan()
        review = evaluate(con, p, "department", JUNE)
        with pytest.raises(NotAllowed) as refused:
            record_review(con, p, review, Decision(outcome="pause", decided_by="Chair"), by=who)
        assert str(refused.value) == DECIDE_REFUSED.format(label=who.label, a_role=a_role)
        assert _count(con, "gate_reviews") == 0
        assert _log(con) == before
    assert not (db.parent / "keys" / KEY_FILE).exists()  # not even the signing key was made


def test_an_import_refused_for_a_viewer_stores_no_row_no_ingestion_and_no_entry(
        con: duckdb.DuckDBPyConnection, ingest: Ingest) -> None:
    with pytest.raises(NotAllowed) as refused:
        ingest(TICKETS, "tickets.csv", IngestOptions(by=VIEWER))
    assert str(refused.value) == (
        "Vi Ewer <vi@example.org> is a viewer: importing exports needs the analyst role. Nothing was changed. Ask a "
        "Rollgate admin to give you the analyst role in the roles file.")
    assert [_count(con, t) for t in ("support", "ingestions", "rejects", "activity")] == [0, 0, 0, 0]


def test_an_undo_refused_for_a_viewer_leaves_the_import_and_logs_nothing(con: duckdb.DuckDBPyConnection,
                                                                         ingest: Ingest) -> None:
    ingest(TICKETS, "tickets.csv", IngestOptions(by=ANALYST))
    with pytest.raises(NotAllowed) as refused:
        undo(con, 1, by=VIEWER)
    assert str(refused.value).startswith("Vi Ewer <vi@example.org> is a viewer: undoing an import needs the analyst "
                                         "role.")
    assert con.execute("select undone_at, undone_by from ingestions").fetchall() == [(None, None)]
    assert _count(con, "support") == 2
    assert [e[0] for e in _log(con)] == [1]


@pytest.mark.parametrize("who", [VIEWER, ANALYST, APPROVER])
def test_a_plan_save_refused_keeps_no_version_and_logs_nothing(con: duckdb.DuckDBPyConnection, who: Actor) -> None:
    with pytest.raises(NotAllowed) as refused:
        plan_history.record(con, "name = 'a'\n", "name = 'b'\n", who)
    assert "changing the rollout plan needs the admin role. Nothing was changed." in str(refused.value)
    assert (_count(con, "plan_versions"), _count(con, "activity")) == (0, 0)


def test_mappings_refused_for_a_viewer(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NotAllowed) as refused:
        plan_history.record(con, "a = 1\n", "a = 2\n", VIEWER, Action.MAPPINGS)
    assert "mapping feature names to use cases needs the analyst role" in str(refused.value)
    assert (_count(con, "plan_versions"), _count(con, "activity")) == (0, 0)


# -- the change and its entry are one transaction --------------------------------------------------------------

def _failing_after_append(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make activity.append write its entry and then fail, as a crash between the entry and the commit would."""
    real: Callable[..., int] = activity.append
    written: list[int] = []

    def append(*args: Any, **kwargs: Any) -> int:
        written.append(real(*args, **kwargs))
        raise OSError("disk gone")

    monkeypatch.setattr(activity, "append", append)
    return written


def test_an_import_whose_transaction_fails_leaves_neither_rows_nor_entry(
        con: duckdb.DuckDBPyConnection, ingest: Ingest, monkeypatch: pytest.MonkeyPatch) -> None:
    written = _failing_after_append(monkeypatch)
    with pytest.raises(OSError, match="disk gone"):
        ingest(TICKETS, "tickets.csv", IngestOptions(by=ANALYST))
    assert written == [1]
    assert [_count(con, t) for t in ("support", "ingestions", "activity")] == [0, 0, 0]


def test_a_plan_save_whose_transaction_fails_keeps_neither_version_nor_entry(
        con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    written = _failing_after_append(monkeypatch)
    with pytest.raises(OSError, match="disk gone"):
        plan_history.record(con, "name = 'a'\n", "name = 'b'\n", ADMIN)
    assert written == [1]
    assert (_count(con, "plan_versions"), _count(con, "activity")) == (0, 0)


def test_a_decision_that_cannot_be_signed_logs_nothing(tmp_path: Path) -> None:
    db = demo_database(tmp_path)
    with store.connect(db) as con:
        p = plan()
        review = evaluate(con, p, "department", JUNE)
        record_review(con, p, review, Decision(outcome="pause", decided_by="Chair"), by=APPROVER)
        before = _log(con)
        (db.parent / "keys" / KEY_FILE).unlink()  # snapshots are signed: a missing key refuses the next one
        with pytest.raises(Exception, match="signing key"):
            record_review(con, p, review, Decision(outcome="pause", decided_by="Chair"), by=APPROVER)
        assert _count(con, "gate_reviews") == 1
        assert _log(con) == before


# -- the chain, and what breaks it ------------------------------------------------------------------------------

@pytest.fixture
def chain(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Four entries: the downloads of snapshots #1 to #4 by the analyst."""
    for n in range(1, 5):
        activity.record(con, ANALYST, Action.EXPORT, f"snapshot #{n}", {"files": [f"report-{n}.html"]})
    assert activity.problems(activity.entries(con)) == []
    return con


def _forge(con: duckdb.DuckDBPyConnection, entry_id: int, previous: str | None, who: str = "Mallory") -> None:
    """Insert an entry with a hash recomputed over its own fields, as someone who knows the scheme would."""
    at = datetime(2026, 12, 1, 12, 0)
    digest = activity.hash_of(entry_id, at, who, "admin", "plan", "plan version #9", "{}", previous)
    con.execute('insert into activity (id, "at", who, role, action, object, details, previous, hash) '
                "values (?, ?, ?, 'admin', 'plan', 'plan version #9', '{}', ?, ?)",
                [entry_id, at, who, previous, digest])


def test_the_chain_links_each_entry_to_the_one_before(chain: duckdb.DuckDBPyConnection) -> None:
    listed = activity.entries(chain)
    assert [e.id for e in listed] == [1, 2, 3, 4]
    assert [e.previous for e in listed] == [None, *(e.hash for e in listed[:-1])]
    assert [json.loads(e.details) for e in listed] == [{"files": [f"report-{n}.html"]} for n in range(1, 5)]


def test_an_edited_entry_is_found(chain: duckdb.DuckDBPyConnection) -> None:
    chain.execute("update activity set who = 'Mallory' where id = 2")
    assert activity.problems(activity.entries(chain)) == [
        "entry #2 (export by Mallory) was changed after it was written: its hash does not match its content"]


def test_an_edited_entry_with_its_hash_recomputed_cuts_the_chain_after_it(chain: duckdb.DuckDBPyConnection) -> None:
    e = activity.entries(chain)[1]
    digest = activity.hash_of(e.id, e.at, "Mallory", e.role, e.action, e.object, e.details, e.previous)
    chain.execute("update activity set who = 'Mallory', hash = ? where id = 2", [digest])
    assert activity.problems(activity.entries(chain)) == [f"entry #3 {CUT}"]


def test_a_removed_entry_is_found(chain: duckdb.DuckDBPyConnection) -> None:
    chain.execute("delete from activity where id = 2")
    assert activity.problems(activity.entries(chain)) == [
        "entry #3 follows #1: entries are missing between them", f"entry #3 {CUT}"]


def test_a_removed_first_entry_is_found(chain: duckdb.DuckDBPyConnection) -> None:
    chain.execute("delete from activity where id = 1")
    assert activity.problems(activity.entries(chain)) == [
        "entry #2 follows #0: entries are missing between them", f"entry #2 {CUT}"]


def test_removing_the_newest_entries_is_not_seen_by_the_chain_alone(chain: duckdb.DuckDBPyConnection) -> None:
    # What the chain cannot show: its end, cut off, leaves a shorter chain that checks. (Copies of the log kept
    # elsewhere — a backup, the CLI's output — are what show it.)
    chain.execute("delete from activity where id >= 3")
    assert activity.problems(activity.entries(chain)) == []
    assert activity.record(chain, ANALYST, Action.EXPORT, "snapshot #5") == 3  # and the next entry reuses the id


def test_a_forged_entry_that_does_not_link_to_the_newest_is_found(chain: duckdb.DuckDBPyConnection) -> None:
    third = activity.entries(chain)[2]
    _forge(chain, 5, third.hash)  # its own hash checks; its `previous` is the third entry's, not the fourth's
    assert activity.problems(activity.entries(chain)) == [f"entry #5 {CUT}"]


def test_a_forged_entry_starting_a_chain_of_its_own_is_found(chain: duckdb.DuckDBPyConnection) -> None:
    _forge(chain, 5, None)
    assert activity.problems(activity.entries(chain)) == [f"entry #5 {CUT}"]


def test_a_forged_entry_with_a_gap_before_it_is_found(chain: duckdb.DuckDBPyConnection) -> None:
    _forge(chain, 9, activity.entries(chain)[-1].hash)
    assert activity.problems(activity.entries(chain)) == ["entry #9 follows #4: entries are missing between them"]


def test_an_entry_slipped_in_and_the_rest_renumbered_is_found(chain: duckdb.DuckDBPyConnection) -> None:
    # Someone moves entries 3 and 4 to 4 and 5 and writes a forged #3 linked to #2, with its hash recomputed.
    chain.execute("update activity set id = id + 10 where id >= 3")
    chain.execute("update activity set id = id - 9 where id >= 13")
    _forge(chain, 3, activity.entries(chain)[1].hash)
    assert [e.id for e in activity.entries(chain)] == [1, 2, 3, 4, 5]
    assert activity.problems(activity.entries(chain)) == [
        "entry #4 (export by Ann Analyst <ann@example.org>) was changed after it was written: its hash does not "
        "match its content", f"entry #4 {CUT}",
        "entry #5 (export by Ann Analyst <ann@example.org>) was changed after it was written: its hash does not "
        "match its content"]


# -- cli.py activity -------------------------------------------------------------------------------------------

def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    for name in ("ROLLGATE_PLAN", "ROLLGATE_KEYS"):
        env.pop(name, None)
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_cli_lists_the_log_newest_first_and_says_it_checks(tmp_path: Path) -> None:
    db = demo_database(tmp_path)
    with store.connect(db) as con:
        listed = activity.entries(con)
    assert len(listed) == 8  # one import per demo export
    shown = cli("activity", db=db)
    assert (shown.returncode, shown.stderr) == (0, "")
    lines = shown.stdout.splitlines()
    assert len(lines) == 9
    user = getpass.getuser()
    newest = listed[-1]
    assert lines[0] == (f"#8    {newest.at:%Y-%m-%d %H:%M:%S} UTC  {user} (admin)  import  ingestion #8  "
                        f"{newest.details}")
    assert [line.split()[0] for line in lines[:8]] == [f"#{n}" for n in range(8, 0, -1)]
    assert lines[8] == "The activity log checks: 8 entries, each chained to the one before."
    limited = cli("activity", "--limit", "2", db=db)
    assert [line.split()[0] for line in limited.stdout.splitlines()] == ["#8", "#7", "The"]


def test_cli_exits_1_with_the_verdict_when_an_entry_was_edited(tmp_path: Path) -> None:
    db = demo_database(tmp_path)
    with store.connect(db) as con:
        con.execute("update activity set who = 'Mallory' where id = 3")
    shown = cli("activity", db=db)
    assert shown.returncode == 1
    assert shown.stderr == ("The activity log does NOT check (1 problem): an entry was changed, removed or inserted "
                            "outside Rollgate.\n")
    assert shown.stdout.splitlines()[-2:] == [
        "The activity log does NOT check (1 problem): an entry was changed, removed or inserted outside Rollgate.",
        "  entry #3 (import by Mallory) was changed after it was written: its hash does not match its content"]
    as_json = cli("activity", "--json", db=db)
    assert as_json.returncode == 1
    payload = json.loads(as_json.stdout)
    assert (payload["intact"], payload["problems"]) == (
        False, ["entry #3 (import by Mallory) was changed after it was written: its hash does not match its content"])


def test_cli_activity_json_shape(tmp_path: Path) -> None:
    db = demo_database(tmp_path)
    with store.connect(db) as con:
        listed = activity.entries(con)
    shown = cli("activity", "--json", "--limit", "3", db=db)
    assert (shown.returncode, shown.stderr) == (0, "")
    payload = json.loads(shown.stdout)
    assert sorted(payload) == ["entries", "intact", "problems"]
    assert (payload["intact"], payload["problems"]) == (True, [])
    assert [e["id"] for e in payload["entries"]] == [8, 7, 6]
    newest = listed[-1]
    assert payload["entries"][0] == {
        "id": 8, "at": newest.at.isoformat(), "who": getpass.getuser(), "role": "admin", "action": "import",
        "object": "ingestion #8", "details": newest.details, "previous": listed[-2].hash, "hash": newest.hash}


def test_cli_refuses_a_negative_limit(tmp_path: Path) -> None:
    shown = cli("activity", "--limit", "-1", db=tmp_path / "r.duckdb")
    assert shown.returncode == 2
    assert shown.stderr.endswith("argument --limit: a number of entries, 0 or more (0: all), not -1\n")


def test_cli_on_an_empty_log(tmp_path: Path) -> None:
    shown = cli("activity", db=tmp_path / "r.duckdb")
    assert (shown.returncode, shown.stdout, shown.stderr) == (0, "Nothing has been recorded yet.\n", "")


def test_cli_ingest_and_undo_as_someone_named(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    export = tmp_path / "tickets.csv"
    export.write_text(TICKETS, encoding="utf-8")
    made = cli("ingest", str(export), "--as", "Ann Analyst", db=db)
    assert made.returncode == 0, made.stderr
    undone = cli("undo", "1", "--as", "  Bo  ", db=db)
    assert undone.returncode == 0, undone.stderr
    with store.connect(db) as con:
        assert con.execute("select imported_by, undone_by from ingestions").fetchall() == [("Ann Analyst", "Bo")]
        assert [e[:5] for e in _log(con)] == [(1, "Ann Analyst", "admin", "import", "ingestion #1"),
                                              (2, "Bo", "admin", "undo", "ingestion #1")]


def test_cli_without_as_names_the_operating_system_user_and_logs_exports(tmp_path: Path) -> None:
    db = demo_database(tmp_path)
    made = cli("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "pause", "--as", "Chair",
               "--out", str(tmp_path / "out"), db=db)
    assert made.returncode == 0, made.stderr
    exported = cli("export", "1", "--out", str(tmp_path / "again"), db=db)
    assert exported.returncode == 0, exported.stderr
    with store.connect(db) as con:
        log = _log(con)
    assert log[-2][:5] == (9, "Chair", "admin", "decision", "snapshot #1")
    assert log[-2][5]["decided_by"] == "Chair"  # type: ignore[index]
    assert log[-1][:5] == (10, getpass.getuser(), "admin", "export", "snapshot #1")
    assert sorted(log[-1][5]["files"]) == sorted(p.name for p in (tmp_path / "again").iterdir())  # type: ignore[index]


def test_details_read_as_words() -> None:
    from loaders.activity import details_text

    digest = "ab" * 32
    assert details_text(json.dumps({"file": "usage.csv", "inserted": 4000, "sha256": digest, "files": ["a", "b"],
                                    "decided_by": "Ann", "ok": True})) == (
        "file usage.csv · inserted 4,000 · sha256 abababababab… · files a, b · decided by Ann · ok true")
    assert details_text("not json") == "not json"
    assert details_text("[1, 2]") == "[1, 2]"
