"""The append-only store of snapshots: ids, the chain, refusals, tamper detection, the migration, and
recording a review of the demo data end to end."""

from __future__ import annotations

import ast
import inspect
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from snapshot_fixture import demo_database, plan, pure_snapshot

import snapshots
from core.access import local
from core.errors import InputError, NotFound
from gates.review import evaluate
from loaders import store as db
from loaders.ingest import ingest_file
from metrics.window import month_window
from snapshots import build, compare, evidence, exports, provenance, record, store, verify
from snapshots import html as html_mod
from snapshots.record import Decision, Snapshot, canonical_json, content_sha256
from snapshots.store import SnapshotAltered, append, entries, get


def add(con: duckdb.DuckDBPyConnection, supersedes: int | None = None, by: str = "Steering group") -> Snapshot:
    decision = Decision(outcome="continue", decided_by=by)
    return append(con, lambda i, prev: pure_snapshot(snapshot_id=i, previous=prev, decision=decision,
                                                     supersedes=supersedes), local(by))


def test_snapshots_get_ids_in_order_and_each_names_the_one_before(con: duckdb.DuckDBPyConnection) -> None:
    first, second, third = add(con), add(con), add(con, supersedes=2, by="Correction")
    assert [s.id for s in (first, second, third)] == [1, 2, 3]
    assert first.previous_sha256 is None
    assert second.previous_sha256 == first.content_sha256 and third.previous_sha256 == second.content_sha256
    assert get(con, 2) == second
    listed = entries(con)
    assert [(e.id, e.intact, e.supersedes, e.superseded_by, e.decided_by) for e in listed] == [
        (3, True, 2, None, "Correction"), (2, True, None, 3, "Steering group"), (1, True, None, None, "Steering group")]
    assert listed[0].content_sha256 == third.content_sha256


def test_superseding_a_snapshot_that_does_not_exist_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    add(con)
    with pytest.raises(InputError) as refused:
        add(con, supersedes=9)
    assert str(refused.value) == "--supersedes 9: there is no snapshot #9 (snapshots run from #1 to #1)."
    assert con.execute("select count(*) from gate_reviews").fetchone() == (1,)


def test_get_names_a_missing_snapshot(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NotFound) as missing:
        get(con, 4)
    assert str(missing.value) == ("There is no snapshot #4 (no snapshot is recorded yet); list them with "
                                  "`cli.py snapshots`.")


# -- append-only ----------------------------------------------------------------------------------------

def test_the_store_offers_no_way_to_change_or_remove_a_snapshot() -> None:
    public = {name for name, obj in vars(store).items() if callable(obj) and not name.startswith("_")
              and getattr(obj, "__module__", None) == store.__name__}
    assert public == {"append", "check_supersedes", "earlier_reviews", "entries", "get", "head_problem", "latest_id",
                      "SnapshotAltered", "SnapshotEntry"}
    assert not [n for n in dir(store) if re.search(r"update|delete|remove|replace|edit|drop", n, re.I)]


@pytest.mark.parametrize("module", [snapshots, build, compare, evidence, exports, provenance, record, store, verify,
                                    html_mod])
def test_no_snapshot_module_writes_sql_that_changes_or_removes_rows(module: object) -> None:
    source = inspect.getsource(module)  # type: ignore[arg-type]
    texts = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    writes = [t for t in texts if re.search(r"^\s*(update|delete|drop|truncate|alter|insert or replace)\b", t, re.I)]
    assert writes == []


def _tamper(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> None:
    """A change made behind the app's back, straight in SQL."""
    con.execute(sql, params or [])


def test_a_changed_record_is_detected_when_read(con: duckdb.DuckDBPyConnection) -> None:
    add(con), add(con)
    _tamper(con, "update gate_reviews set record = replace(record, '\"decided_by\":\"Steering group\"', "
                 "'\"decided_by\":\"Someone else\"') where id = 1")
    with pytest.raises(SnapshotAltered) as altered:
        get(con, 1)
    assert str(altered.value).startswith("snapshot #1 was altered after it was recorded: its content no longer "
                                         "matches its content_sha256 ")
    assert [(e.id, e.intact) for e in entries(con)] == [(2, False), (1, False)]
    # #2's own content is intact; its link to #1 is what no longer holds.
    with pytest.raises(SnapshotAltered, match="snapshot #1, recorded before #2, was replaced or altered"):
        get(con, 2)


def test_a_changed_listing_column_is_detected(con: duckdb.DuckDBPyConnection) -> None:
    add(con)
    _tamper(con, "update gate_reviews set decision = 'proceed' where id = 1")
    with pytest.raises(SnapshotAltered, match="its listing no longer matches its record"):
        get(con, 1)
    assert entries(con)[0].problem == ("snapshot #1 was altered after it was recorded: its listing no longer matches "
                                       "its record")


def test_a_rehashed_replacement_breaks_the_chain(con: duckdb.DuckDBPyConnection) -> None:
    add(con), add(con), add(con)
    row = con.execute("select record from gate_reviews where id = 2").fetchone()
    assert row is not None
    data = json.loads(row[0])
    data["decision"]["decided_by"] = "Forger"
    data["content_sha256"] = content_sha256(data)
    _tamper(con, "update gate_reviews set record = ?, content_sha256 = ?, decided_by = 'Forger' where id = 2",
            [canonical_json(data).decode(), data["content_sha256"]])
    # re-hashed, the record's signature no longer matches it...
    with pytest.raises(SnapshotAltered, match="snapshot #2 was altered after it was recorded: its signature does not "
                                              "match its content"):
        get(con, 2)
    with pytest.raises(SnapshotAltered, match="snapshot #2, recorded before #3, was replaced or altered"):
        get(con, 3)  # ...and its successor still names the original
    assert [(e.id, e.intact) for e in entries(con)] == [(3, False), (2, False), (1, True)]


def test_a_removed_snapshot_is_detected(con: duckdb.DuckDBPyConnection) -> None:
    add(con), add(con), add(con)
    _tamper(con, "delete from gate_reviews where id = 2")
    with pytest.raises(SnapshotAltered, match="snapshot #2, recorded before #3, was removed"):
        get(con, 3)
    assert [(e.id, e.intact, e.problem) for e in entries(con)] == [
        (3, False, "snapshot #2 was removed before #3"), (1, True, None)]


# -- the migration ---------------------------------------------------------------------------------------

def test_a_version_1_database_gains_the_snapshot_table_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for stmt in db.MIGRATIONS[1]:
        con.execute(stmt)
    con.execute("insert into rollgate_meta values ('schema_version', '1')")
    con.execute("insert into roster values ('a', 'legal', date '2026-01-01', null, null, 1)")
    con.close()
    with db.connect(path) as migrated:
        assert db.schema_version(migrated) == db.SCHEMA_VERSION == 6
        assert migrated.execute("select count(*) from roster").fetchone() == (1,)
        assert migrated.execute("select count(*) from gate_reviews").fetchone() == (0,)
        assert add(migrated).id == 1


# -- recording a review of the demo data -------------------------------------------------------------------

def test_recording_a_review_of_the_demo_keeps_its_evidence(tmp_path: Path) -> None:
    p = plan()
    with db.connect(demo_database(tmp_path)) as con:
        ev = evaluate(con, p, "department", month_window("2026-06"))
        snap = build.record_review(con, p, ev, Decision(outcome="pause", decided_by="Head of Legal Operations",
                                                        rationale="A data exposure incident."))
        assert get(con, snap.id) == snap
    assert (snap.id, snap.recommendation.outcome, snap.decision.outcome) == (1, "pause", "pause")
    assert [c.model_dump() for c in snap.criteria] == [record.rounded(c.model_dump()) for c in ev.criteria]
    assert [t.name for t in snap.fired] == ["Unexpected data exposure", "Repeated poor outputs",
                                            "Use outside approved scope"]
    assert snap.metrics["quality.error_rate"].value == record.round_float(ev.metrics["quality.error_rate"].value or 0)
    assert [p.month for p in snap.trends["quality.error_rate"]] == ["2026-01", "2026-02", "2026-03", "2026-04",
                                                                    "2026-05", "2026-06"]
    assert snap.trends["quality.error_rate"][-1].value == snap.metrics["quality.error_rate"].value
    assert (snap.provenance.from_, snap.provenance.to) == (date(2026, 1, 1), date(2026, 6, 30))
    assert [(s.dataset, s.file_name) for s in snap.provenance.sources] == [
        ("roster", "roster.csv"), ("costs", "costs.csv"), ("feedback", "feedback.csv"), ("incidents", "incidents.csv"),
        ("reviews", "reviews.csv"), ("support", "support.csv"), ("training", "training.csv"), ("usage", "usage.csv")]
    usage = snap.provenance.sources[-1]
    assert len(usage.sha256) == 64 and 0 < usage.rows < usage.rows_in_file == 4000
    assert snap.incidents.total == len(snap.incidents.listed) > 0
    assert {i.category for i in snap.incidents.listed} >= {"data_exposure"}
    assert snap.incidents.listed[0].severity in ("critical", "high")


def test_a_decision_on_evidence_that_changed_since_it_was_shown_is_refused(tmp_path: Path) -> None:
    p = plan()
    upload = tmp_path / "late-incident.csv"
    upload.write_text("incident_id,reported_at,category,severity\nLATE-1,2026-05-20,complaint,low\n", encoding="utf-8")
    with db.connect(demo_database(tmp_path)) as con:
        shown = evaluate(con, p, "department", month_window("2026-05"))
        assert ingest_file(con, upload).status == "stored"  # an import lands while the page is open
        with pytest.raises(InputError) as refused:
            build.record_review(con, p, shown, Decision(outcome=shown.recommendation.outcome, decided_by="Chair"))
        assert str(refused.value) == ("The data changed since this review was computed (an import or an undo in "
                                      "between); nothing was recorded. Look at the review again, then record the "
                                      "decision.")
        assert con.execute("select count(*) from gate_reviews").fetchone() == (0,)
