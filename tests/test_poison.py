"""Intake never poisons the store (DESIGN.md §2): files mixing every kind of bad value with good rows are
imported into the demo database; every bad row is a reject with its reason, the good rows are stored, and
then every page, `metrics`, `evaluate` and `snapshot` work on September as before."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pages_fixture import PAGES, app
from test_snapshot_cli import cli
from test_tables import Error, workbook

from loaders import store
from loaders.ingest import IngestReport, ingest_file

HEADER = "event_id,occurred_at,user_id,use_case,interactions,output_action,minutes_saved,cost\n"
GOOD = "2026-09-10T09:00:00Z,ann@corp.com,drafting,2,accepted,12,0.5"
# (the row, the reason of its reject: None for a good row), one per line from line 2
USAGE: list[tuple[bytes, tuple[str | None, str] | None]] = [
    (b"p01," + GOOD.encode(), None),
    (b"p02,9999-09-10T09:00:00Z,ann@corp.com,drafting,2,accepted,12,0.5",
     ("occurred_at", "'9999-09-10T09:00:00Z' is outside the plausible dates (2000-01-01 to 2099-12-31)")),
    (b"p03,0001-01-01,ann@corp.com,drafting,2,accepted,12,0.5",
     ("occurred_at", "'0001-01-01' is outside the plausible dates (2000-01-01 to 2099-12-31)")),
    (b"p04,0000-01-01,ann@corp.com,drafting,2,accepted,12,0.5",
     ("occurred_at", "'0000-01-01' is outside the plausible dates (2000-01-01 to 2099-12-31)")),
    (b"p05,2026-09-10 10:00:00 PST,ann@corp.com,drafting,2,accepted,12,0.5",
     ("occurred_at", "'2026-09-10 10:00:00 PST' has text after the time; time zone names are not read; write an "
                     "offset such as -08:00")),
    (b"p06,2026-09-10 10:00:00 Europe/Berlin,ann@corp.com,drafting,2,accepted,12,0.5",
     ("occurred_at", "'2026-09-10 10:00:00 Europe/Berlin' has text after the time; time zone names are not read; "
                     "write an offset such as -08:00")),
    (b"p07,2026-09-10 10:00:00+99:99,ann@corp.com,drafting,2,accepted,12,0.5",
     ("occurred_at", "'2026-09-10 10:00:00+99:99' has an offset beyond ±14:00 or with minutes of 60 or more; write "
                     "an offset from -14:00 to +14:00")),
    (b"p08,2026-09-10T09:00:00Z,ann@corp.com,drafting,2,accepted,1e12,0.5",
     ("minutes_saved", "1e12 is above the maximum of 1,440")),
    (b"p09,2026-09-10T09:00:00Z,ann@corp.com,drafting,2,accepted,1e308,0.5",
     ("minutes_saved", "1e308 is above the maximum of 1,440")),
    (b"p10,2026-09-10T09:00:00Z,ann@corp.com,drafting,2,accepted,NaN,0.5",
     ("minutes_saved", "'NaN' is not a finite number")),
    (b"p11,2026-09-10T09:00:00Z,ann@corp.com,drafting,2,accepted,12,Infinity",
     ("cost", "'Infinity' is not a finite number")),
    (b"p12,2026-09-10T09:00:00Z,ann@corp.com,drafting,100001,accepted,12,0.5",
     ("interactions", "100001 is above the maximum of 100,000")),
    (b"p13,2026-09-10T09:00:00Z,bad\x00user,drafting,2,accepted,12,0.5",
     ("user_id", "holds a control character (U+0000); remove it and export again")),
    (b"p14,2026-09-10T09:00:00Z,bad\x07user,drafting,2,accepted,12,0.5",
     ("user_id", "holds a control character (U+0007); remove it and export again")),
    (b"p15,2026-09-10T09:00:00Z,ann@corp.com,#DIV/0!,2,accepted,12,0.5",
     ("use_case", "'#DIV/0!' is an Excel error cell (a formula that failed); fix the formula in the sheet, or clear "
                  "the cell, and export again")),
    ("p16,2026-09-11 08:00:00+02:00,\u00a0Zoë@Corp.com\u3000,drafting,1,edited,5,0.1".encode(), None),
    (b"p18,2026-09-10T09:00:00Z,jos\xe9@corp.com,drafting,2,accepted,12,0.5",
     (None, "byte 29 of the line is not valid UTF-8 (a character saved in another encoding)")),
    (b"p17," + GOOD.encode(), None),
]


def _usage_file(tmp_path: Path) -> Path:
    path = tmp_path / "usage-september.csv"
    path.write_bytes(HEADER.encode() + b"\n".join(row for row, _ in USAGE) + b"\n")
    return path


FEEDBACK = [
    '{"response_id": "f1", "submitted_at": "2026-09-12", "satisfaction": 4}',
    '{"response_id": "f2", "submitted_at": "2026-09-12", "satisfaction": {"value": 5}}',
    '{"response_id": "f3", "submitted_at": "2026-09-12", "satisfaction": 3, "satisfaction": 1}',
    '{"response_id": "f4", "submitted_at": "2026-09-12T10:00:00 CET", "satisfaction": 2}',
    '{"response_id": "f5", "submitted_at": "2026-09-12", "satisfaction": 5, "comment": "fine\\u0000"}',
    '{"response_id": "f6", "submitted_at": "2026-09-12", "satisfaction": 5, "comment": "=HYPERLINK(\\"x\\")"}',
]


def _import(db: Path, path: Path) -> IngestReport:
    with store.connect(db) as con:
        return ingest_file(con, path)


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[IngestReport]]:
    """The demo database with the three poisoned files imported."""
    from snapshot_fixture import demo_database

    tmp_path = tmp_path_factory.mktemp("poison")
    db = demo_database(tmp_path)
    feedback = tmp_path / "feedback.ndjson"
    feedback.write_text("\n".join(FEEDBACK) + "\n")
    incidents = tmp_path / "incidents.xlsx"
    incidents.write_bytes(workbook({"Incidents": [
        ["incident_id", "reported_at", "category", "severity", "people_affected"],
        ["X1", "2026-09-15", "privacy", "low", 1.0],
        ["X2", "2026-09-15", "privacy", "low", Error("#DIV/0!")],
        ["X3", "2026-09-15", Error("#N/A"), "low", 2.0],
        ["X4", "2026-09-16", "complaint", "low", 1e9],
    ], "Summary": [["total"], [3.0]]}))
    return db, [_import(db, _usage_file(tmp_path)), _import(db, feedback), _import(db, incidents)]


def test_each_bad_row_is_a_reject_with_its_reason_and_the_good_rows_are_stored(
        poisoned: tuple[Path, list[IngestReport]]) -> None:
    db, (usage, feedback, incidents) = poisoned
    assert [(r.line, r.column, r.reason) for r in usage.rejects] == [
        (line, *problem) for line, (_, problem) in enumerate(USAGE, start=2) if problem is not None]
    assert (usage.inserted, usage.rejected) == (3, 15)
    assert [(r.line, r.column, r.reason) for r in feedback.rejects] == [
        (2, None, "nested value in column satisfaction"),
        (3, None, "the key 'satisfaction' appears twice in this record"),
        (4, "submitted_at", "'2026-09-12T10:00:00 CET' has text after the time; time zone names are not read; write "
                            "an offset such as -08:00"),
        (5, "comment", "holds a control character (U+0000); remove it and export again")]
    assert [(r.line, r.column, r.reason) for r in incidents.rejects] == [
        (3, "people_affected", "'#DIV/0!' is an Excel error cell (a formula that failed); fix the formula in the "
                               "sheet, or clear the cell, and export again"),
        (4, "category", "'#N/A' is an Excel error cell (a formula that failed); fix the formula in the sheet, or "
                        "clear the cell, and export again"),
        (5, "people_affected", "1000000000 is above the maximum of 10,000,000")]
    assert "not read: 'Summary'" in " ".join(incidents.notes)
    with store.connect(db) as con:
        assert con.execute("select event_id, occurred_at, user_id from usage where event_id like 'p%' "
                           "order by event_id").fetchall() == [
            ("p01", dt.datetime(2026, 9, 10, 9), "ann@corp.com"), ("p16", dt.datetime(2026, 9, 11, 6), "zoë@corp.com"),
            ("p17", dt.datetime(2026, 9, 10, 9), "ann@corp.com")]
        assert con.execute("select response_id, comment from feedback where response_id like 'f_' order by 1"
                           ).fetchall() == [("f1", None), ("f6", '=HYPERLINK("x")')]
        assert con.execute("select incident_id from incidents where incident_id like 'X_'").fetchall() == [("X1",)]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_the_poisoned_store(poisoned: tuple[Path, list[IngestReport]], page: str,
                                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pages_fixture import route_through_app, use_plan

    route_through_app(monkeypatch)
    use_plan(tmp_path, monkeypatch)
    monkeypatch.setenv("ROLLGATE_DB", str(poisoned[0]))
    at = app(page)
    assert not at.exception, [e.value for e in at.exception]


def test_metrics_evaluate_and_a_snapshot_work_on_the_poisoned_store(poisoned: tuple[Path, list[IngestReport]],
                                                                    tmp_path: Path) -> None:
    db = poisoned[0]
    metrics = cli("metrics", "--month", "2026-09", "--json", db=db)
    assert metrics.returncode == 0, metrics.stderr
    assert json.loads(metrics.stdout)["metrics"]["adoption.interactions"]["value"] > 0
    evaluated = cli("evaluate", "--stage", "extra-review", "--month", "2026-09", "--json", db=db)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "NaN" not in evaluated.stdout and "Infinity" not in evaluated.stdout
    snap = cli("snapshot", "--stage", "extra-review", "--month", "2026-09", "--decision", "continue", "--by",
               "Head of Legal Ops", "--rationale", "Poisoned rows were rejected; the evidence holds.", "--out",
               str(tmp_path), db=db)
    assert snap.returncode == 0, snap.stderr
    written = sorted(tmp_path.glob("*.json"))
    assert len(written) == 1
    assert cli("verify", str(written[0]), db=db).returncode == 0
