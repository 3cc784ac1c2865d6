"""Coverage (DESIGN.md §2): every ingestion records the period it covers — given on import, stated by the
export, or the whole months of its rows — and an export with a header and no rows, given a period, is the
evidence that nothing happened in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from conftest import Ingest, Refuse, counts, expect

from core.errors import InputError
from loaders import store
from loaders.ingest import IngestOptions, history
from loaders.period import Period, parse_period

INCIDENTS = "incident_id,reported_at,category,severity\n"
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _period(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("select dataset, period_from, period_to, period_source from ingestions order by id").fetchall()


def test_a_period_is_read_as_whole_months() -> None:
    assert parse_period("2026-03") == MARCH
    assert parse_period(" 2026-01..2026-03 ") == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert parse_period("2024-02") == Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert [parse_period(p).label() for p in ("2026-03", "2026-01..2026-03", "2025-11..2026-02")] == [
        "March 2026", "January–March 2026", "November 2025–February 2026"]
    assert Period(dt.date(2026, 2, 15), dt.date(2026, 3, 14)).label() == "15 Feb 2026–14 Mar 2026"


@pytest.mark.parametrize(("text", "message"), [
    ("2026-13", "the period '2026-13' is not a month; write YYYY-MM (e.g. 2026-03) or a range YYYY-MM..YYYY-MM "
                "(e.g. 2026-01..2026-03)."),
    ("March", "the period 'March' is not a month; write YYYY-MM (e.g. 2026-03) or a range YYYY-MM..YYYY-MM "
              "(e.g. 2026-01..2026-03)."),
    ("2026-03..", "the period '' is not a month; write YYYY-MM (e.g. 2026-03) or a range YYYY-MM..YYYY-MM "
                  "(e.g. 2026-01..2026-03)."),
    ("9999-01", "the period '9999-01' is outside the plausible years (2000 to 2099)."),
    ("2026-03..2026-01", "the period '2026-03..2026-01' ends before it starts; write the earlier month first."),
])
def test_a_bad_period_is_refused_saying_how_to_write_it(text: str, message: str) -> None:
    with pytest.raises(InputError) as e:
        parse_period(text)
    assert str(e.value) == message


def test_an_empty_export_with_a_period_is_stored_as_evidence_of_nothing(ingest: Ingest,
                                                                       con: duckdb.DuckDBPyConnection) -> None:
    report = ingest(INCIDENTS, "incidents.csv", IngestOptions(period="2026-03"))
    assert report.status == "stored"
    assert counts(report) == expect()
    assert (report.period_from, report.period_to, report.period_source) == (MARCH.first, MARCH.last, "given")
    assert report.notes == ["Detected as incidents (incidents: 85% (4 of 4 required, 0 of 8 optional columns)).",
                            "Covers March 2026 (as given)."]
    # The same empty export for April is another fact, not a re-upload.
    april = ingest(INCIDENTS, "incidents.csv", IngestOptions(period="2026-04"))
    assert april.status == "stored"
    again = ingest(INCIDENTS, "incidents.csv", IngestOptions(period="2026-03"))
    assert again.status == "skipped"
    assert _period(con) == [("incidents", MARCH.first, MARCH.last, "given"),
                            ("incidents", dt.date(2026, 4, 1), dt.date(2026, 4, 30), "given")]


def test_an_empty_export_without_a_period_is_refused_saying_how_to_give_one(refuse: Refuse) -> None:
    assert refuse(INCIDENTS, "incidents.csv") == (
        "incidents.csv: the file has a header but no data rows; export the month again with its rows, or give the "
        "period it covers (--period 2026-03, or the period on Upload) to record that nothing happened in it.")


@pytest.mark.parametrize(("name", "content", "note"), [
    ("incidents.json", "[]", "Records of the JSON array are numbered from 1."),
    ("incidents.json", '{"value": []}',
     'Read the records of a Microsoft Graph response (its "value" list); they are numbered from 1.'),
    ("incidents.ndjson", "\n", None),
])
def test_a_json_export_with_no_record_is_stored_as_evidence_of_nothing_for_its_dataset(
        ingest: Ingest, con: duckdb.DuckDBPyConnection, name: str, content: str, note: str | None) -> None:
    report = ingest(content, name, IngestOptions(dataset="incidents", period="2026-03"))
    assert report.status == "stored"
    assert (report.dataset, report.rows_read, report.accepted, report.rejected) == ("incidents", 0, 0, 0)
    assert report.notes == [*([note] if note else []), "Covers March 2026 (as given)."]
    assert _period(con) == [("incidents", MARCH.first, MARCH.last, "given")]


def test_a_json_export_with_no_record_needs_its_dataset_and_period(refuse: Refuse) -> None:
    assert refuse("[]", "incidents.json", IngestOptions(period="2026-03")) == (
        "incidents.json: the file holds no records; to record that nothing happened in a period, choose its dataset "
        "and give the period it covers (--dataset incidents --period 2026-03, or the dataset and period on Upload).")
    assert refuse('{"value": []}', "incidents.json", IngestOptions(dataset="incidents")) == (
        "incidents.json: the file holds no records; export the month again with its rows, or give the period it "
        "covers (--period 2026-03, or the period on Upload) to record that nothing happened in it.")


def test_an_empty_roster_is_refused_even_with_a_period(refuse: Refuse) -> None:
    assert refuse("user_id,department,access_granted_on\n", "roster.csv", IngestOptions(period="2026-03")) == (
        "roster.csv: the file has a header but no data rows; export the month again with its rows.")


def test_without_a_period_an_export_covers_the_whole_months_of_its_rows(ingest: Ingest,
                                                                       con: duckdb.DuckDBPyConnection) -> None:
    report = ingest(INCIDENTS + "I1,2026-02-27T23:00:00Z,privacy,high\nI2,2026-04-02,privacy,low\n"
                    "I3,not a date,privacy,low\n", "incidents.csv")
    assert (report.period_from, report.period_to, report.period_source) == (
        dt.date(2026, 2, 1), dt.date(2026, 4, 30), "rows")
    assert not any(n.startswith("Covers") for n in report.notes)
    costs = ingest("month,category,amount\n2026-01,licence,10\n2026-03,usage,5\n", "costs.csv")
    assert (costs.period_from, costs.period_to) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    roster = ingest("user_id,department,access_granted_on\nann,legal,2026-01-05\n", "roster.csv",
                    IngestOptions(period="2026-03"))
    assert (roster.period_from, roster.period_to, roster.period_source) == (None, None, "always")
    assert roster.notes[-1] == ("Roster and training describe who has access and who is trained: once loaded they "
                                "cover every date, so the period given is not used.")
    assert [r["period_source"] for r in history(con)] == ["always", "rows", "rows"]


def test_rows_outside_a_given_period_are_stored_and_named(ingest: Ingest) -> None:
    report = ingest(INCIDENTS + "I1,2026-03-02,privacy,high\nI2,2026-04-02,privacy,low\nI3,2026-02-28,other,low\n",
                    "incidents.csv", IngestOptions(period="2026-03"))
    assert counts(report) == expect(rows_read=3, accepted=3, inserted=3)
    assert report.notes[-2:] == ["Covers March 2026 (as given).",
                                 "2 rows lie outside that period; they are stored, but only March 2026 counts as "
                                 "covered."]


def test_a_bad_period_refuses_the_file_before_reading_it(refuse: Refuse) -> None:
    assert refuse(INCIDENTS, "incidents.csv", IngestOptions(period="2026-3")) == (
        "incidents.csv: the period '2026-3' is not a month; write YYYY-MM (e.g. 2026-03) or a range "
        "YYYY-MM..YYYY-MM (e.g. 2026-01..2026-03).")


def _migrated(db: Path, monkeypatch: pytest.MonkeyPatch, ingestions: list[tuple[int, str]], *inserts: str
              ) -> list[tuple[object, ...]]:
    """A schema-2 database holding these ingestions (id, dataset) and rows, opened again at the current schema: the
    periods migration 3 gave each ingestion."""
    monkeypatch.setattr(store, "SCHEMA_VERSION", 2)
    with store.connect(db) as con:
        for ingestion_id, dataset in ingestions:
            con.execute("insert into ingestions (id, dataset, file_name, sha256, uploaded_at, rows_read, inserted, "
                        "updated, unchanged, rejected, duplicates, blank_lines, mapping, source_format, notes) values "
                        "(?, ?, 'f.csv', ?, now(), 1, 1, 0, 0, 0, 0, 0, '{}', 'csv', '[]')",
                        [ingestion_id, dataset, str(ingestion_id)])
        for sql in inserts:
            con.execute(sql)
    monkeypatch.undo()
    store._schema_ready.clear()
    with store.connect(db) as con:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        return _period(con)


def test_a_version_2_file_gets_the_periods_of_its_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _migrated(tmp_path / "old.duckdb", monkeypatch, [(1, "usage"), (2, "roster")],
                     "insert into usage (event_id, occurred_at, user_id, use_case, interactions, ingestion_id) values "
                     "('e1', timestamp '2026-01-31 23:00:00', 'ann', 'drafting', 1, 1), "
                     "('e2', timestamp '2026-03-01 00:00:00', 'ann', 'drafting', 1, 1)") == [
        ("usage", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "rows"), ("roster", None, None, "always")]


def test_the_command_line_takes_a_period_and_lists_what_each_ingestion_covers(tmp_path: Path) -> None:
    from test_cli import cli

    db = tmp_path / "r.duckdb"
    empty = tmp_path / "incidents.csv"
    empty.write_text(INCIDENTS)
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("ticket_id,opened_at,category\nT1,2026-02-27,how_to\nT2,2026-03-02,bug\n")
    assert cli("ingest", str(empty), "--period", "2026-01..2026-03", db=db).returncode == 0
    assert cli("ingest", str(tickets), db=db).returncode == 0
    listed = cli("ingestions", db=db).stdout.splitlines()
    assert [line.split(maxsplit=3)[3] for line in listed] == [
        "support   tickets.csv  2 new, 0 updated, 0 rejected  covers February–March 2026",
        "incidents incidents.csv  0 new, 0 updated, 0 rejected  covers January–March 2026 (as given)"]
    bad = cli("ingest", str(empty), "--period", "2026-3", db=db)
    assert bad.returncode == 2
    assert bad.stderr.endswith("argument --period: '2026-3' is not a month; write YYYY-MM (e.g. 2026-03) or a range "
                               "YYYY-MM..YYYY-MM (e.g. 2026-01..2026-03).\n")


def test_a_file_whose_every_row_is_rejected_covers_nothing_even_with_a_period(ingest: Ingest) -> None:
    report = ingest(INCIDENTS + "I1,2026-03-45,privacy,high\nI2,2026-03-02,privacy,extreme\n", "incidents.csv",
                    IngestOptions(period="2026-03"))
    assert counts(report) == expect(rows_read=2, rejected=2)
    assert (report.period_from, report.period_to, report.period_source) == (None, None, None)
    assert report.notes[-1] == ("No row was accepted, so the file does not count as covering March 2026; correct the "
                                "rejected rows and import it again.")


def test_a_version_2_file_counts_the_rows_a_later_file_replaced(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # the second file replaced the first one's January ticket with its March version, kept in the history
    assert _migrated(tmp_path / "old.duckdb", monkeypatch, [(1, "support"), (2, "support")],
                     "insert into support (ticket_id, opened_at, category, ingestion_id) values "
                     "('T1', timestamp '2026-03-02 00:00:00', 'bug', 2)",
                     "insert into support_replaced (ticket_id, opened_at, category, ingestion_id, replaced_by) values "
                     "('T1', timestamp '2026-01-10 00:00:00', 'bug', 1, 2)") == [
        ("support", dt.date(2026, 1, 1), dt.date(2026, 1, 31), "rows"),
        ("support", dt.date(2026, 3, 1), dt.date(2026, 3, 31), "rows")]


def test_a_version_3_file_marks_the_organisation_reports_as_without_people(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "old.duckdb"
    monkeypatch.setattr(store, "SCHEMA_VERSION", 3)
    with store.connect(db) as con:
        for ingestion_id, preset in [(1, "github-copilot-org"), (2, "github-copilot-users"), (3, None)]:
            con.execute("insert into ingestions (id, dataset, file_name, sha256, uploaded_at, rows_read, inserted, "
                        "updated, unchanged, rejected, duplicates, blank_lines, mapping, source_format, notes, preset) "
                        "values (?, 'usage', 'f.json', ?, now(), 1, 1, 0, 0, 0, 0, 0, '{}', 'json', '[]', ?)",
                        [ingestion_id, str(ingestion_id), preset])
    monkeypatch.undo()
    store._schema_ready.clear()
    with store.connect(db) as con:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert con.execute("select id, user_level from ingestions order by id").fetchall() == [
            (1, False), (2, True), (3, True)]
