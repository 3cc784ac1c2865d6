"""Value rules (DESIGN.md §2): types, ranges, enumerations, dates and timestamps, identifiers and keys.

Each bad value sits in a file between good rows: the bad row is rejected with its physical
line, the canonical column and the reason; the good rows are stored with exact values.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb
import pytest
from conftest import Ingest, Refuse, Rows, counts, expect, problems

from loaders import ingest as ingest_module
from loaders.ingest import IngestOptions, ingest_file
from loaders.read import Builder, RawFile
from loaders.schema import DATASETS
from loaders.validate import DateOrder

USAGE = ["event_id", "occurred_at", "user_id", "use_case", "interactions", "output_action", "minutes_saved", "cost"]
GOOD = {"event_id": "e1", "occurred_at": "2026-03-01T09:00:00Z", "user_id": "ann", "use_case": "drafting",
        "interactions": "2", "output_action": "accepted", "minutes_saved": "1.5", "cost": "0.25"}
LAST = {**GOOD, "event_id": "e9", "user_id": "zed"}


def _usage(**bad: str) -> str:
    """A usage CSV: a good row (line 2), the row with `bad` values (line 3) and another good row (line 4)."""
    row = {**GOOD, "event_id": "e2", **bad}
    return "\n".join(",".join(r[c] for c in USAGE) for r in (dict(zip(USAGE, USAGE, strict=True)), GOOD, row, LAST)
                     ) + "\n"


def _stored_good(rows: Rows) -> None:
    assert rows("usage", "event_id, occurred_at, user_id, use_case, interactions, output_action, minutes_saved, "
                         "cost") == [
        ("e1", dt.datetime(2026, 3, 1, 9, 0), "ann", "drafting", 2, "accepted", 1.5, 0.25),
        ("e9", dt.datetime(2026, 3, 1, 9, 0), "zed", "drafting", 2, "accepted", 1.5, 0.25),
    ]


TS_WORDS = "is not a timestamp (YYYY-MM-DD HH:MM:SS, optionally with Z or ±HH:MM)"


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("interactions", "x", "'x' is not a whole number"),
    ("interactions", "12h", "'12h' is not a whole number"),
    ("interactions", "0", "0 is below the minimum of 1"),
    ("interactions", "-3", "-3 is below the minimum of 1"),
    ("interactions", "2.5", "'2.5' is not a whole number"),
    # DuckDB's own cast to a whole number would read these; Rollgate does not
    ("interactions", "1e3", "'1e3' is not a whole number"),
    ("interactions", "1_000", "'1_000' is not a whole number"),
    ("interactions", "0x10", "'0x10' is not a whole number"),
    ("interactions", ".5", "'.5' is not a whole number"),
    ("output_action", "maybe", "'maybe' is not one of accepted, edited, rejected, discarded"),
    ("output_action", "Accepted!", "'Accepted!' is not one of accepted, edited, rejected, discarded"),
    ("output_action", "accept ed", "'accept ed' is not one of accepted, edited, rejected, discarded"),
    ("minutes_saved", "-1", "-1 is negative; it must be 0 or more"),
    ("minutes_saved", "abc", "'abc' is not a number"),
    ("minutes_saved", "NaN", "'NaN' is not a finite number"),
    ("minutes_saved", "inf", "'inf' is not a finite number"),
    ("minutes_saved", "-inf", "'-inf' is not a finite number"),
    ("minutes_saved", "Infinity", "'Infinity' is not a finite number"),
    ("minutes_saved", "1e309", "'1e309' is not a finite number"),
    ("cost", "-0.5", "-0.5 is negative; it must be 0 or more"),
    ("cost", '"1,234"', "'1,234' is not a number"),
    ("occurred_at", "2026-02-30", "'2026-02-30' is not a real date and time"),
    ("occurred_at", "2026-02-29T10:00:00Z", "'2026-02-29T10:00:00Z' is not a real date and time"),
    ("occurred_at", "2026-03-01T25:00:00", "'2026-03-01T25:00:00' is not a real date and time"),
    ("occurred_at", "yesterday", f"'yesterday' {TS_WORDS}"),
    ("occurred_at", "2026-3-1", f"'2026-3-1' {TS_WORDS}"),
    ("occurred_at", "05/03/2026x", f"'05/03/2026x' {TS_WORDS}"),
    ("occurred_at", "", "is empty; a value is required"),
    ("occurred_at", "   ", "is empty; a value is required"),
    ("user_id", "", "is empty; a value is required"),
    ("use_case", " \t ", "is empty; a value is required"),
])
def test_a_bad_value_rejects_its_row_only(ingest: Ingest, rows: Rows, stored_rejects: Rows, column: str,
                                          value: str, reason: str) -> None:
    report = ingest(_usage(**{column: value}))
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(3, column, reason)]
    assert stored_rejects(report.ingestion_id) == [(3, column, reason)]
    _stored_good(rows)


def test_every_problem_of_a_row_is_reported_but_the_row_counts_once(ingest: Ingest, rows: Rows) -> None:
    report = ingest(_usage(interactions="0", output_action="kept", minutes_saved="-2", user_id=""))
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(3, "interactions", "0 is below the minimum of 1"),
                                (3, "minutes_saved", "-2 is negative; it must be 0 or more"),
                                (3, "output_action", "'kept' is not one of accepted, edited, rejected, discarded"),
                                (3, "user_id", "is empty; a value is required")]
    _stored_good(rows)


@pytest.mark.parametrize(("column", "value", "stored"), [
    ("output_action", "Edited", "edited"),
    ("output_action", " REJECTED ", "rejected"),
    ("output_action", "\tDiscarded", "discarded"),
    ("output_action", "", None),           # missing, never an unknown value
    ("output_action", "   ", None),
    ("interactions", "", 1),               # the column's default
    ("interactions", " 3 ", 3),
    ("interactions", "007", 7),
    ("interactions", "3.0", 3),
    ("interactions", "3.", 3),
    ("interactions", "+4", 4),
    ("minutes_saved", "1e2", 100.0),
    ("minutes_saved", "0", 0.0),
    ("minutes_saved", " 2.75 ", 2.75),
    ("minutes_saved", "", None),
    ("cost", ".5", 0.5),
    ("event_id", "007", "007"),            # keys are text: the leading zeros stay
    ("event_id", " E-2 ", "E-2"),          # trimmed, case kept
    ("user_id", "007", "007"),
    ("user_id", " Jane.Doe@Corp.com ", "jane.doe@corp.com"),
    ("use_case", "Drafting Emails", "drafting emails"),
])
def test_a_value_is_normalised_and_stored(ingest: Ingest, rows: Rows, column: str, value: str,
                                          stored: object) -> None:
    report = ingest(_usage(**{column: value}))
    assert counts(report) == expect(rows_read=3, accepted=3, inserted=3)
    assert report.rejects == []
    key = stored if column == "event_id" else "e2"
    assert rows(f"usage where event_id = '{key}'", column) == [(stored,)]


# --- ranges of other datasets ------------------------------------------------------------------

@pytest.mark.parametrize(("content", "reject", "stored"), [
    pytest.param("response_id,submitted_at,satisfaction\nr1,2026-03-01,5\nr2,2026-03-01,6\nr3,2026-03-01,1\n",
                 (3, "satisfaction", "6 is above the maximum of 5"), [("r1",), ("r3",)], id="satisfaction-6"),
    pytest.param("response_id,submitted_at,satisfaction\nr1,2026-03-01,5\nr2,2026-03-01,0\nr3,2026-03-01,1\n",
                 (3, "satisfaction", "0 is below the minimum of 1"), [("r1",), ("r3",)], id="satisfaction-0"),
    pytest.param("response_id,submitted_at,satisfaction\nr1,2026-03-01,5\nr2,2026-03-01,4.5\nr3,2026-03-01,1\n",
                 (3, "satisfaction", "'4.5' is not a whole number"), [("r1",), ("r3",)], id="satisfaction-4.5"),
    pytest.param("user_id,module,completed_on,score\nann,m1,2026-03-01,100\nann,m2,2026-03-01,101\n"
                 "ann,m3,2026-03-01,0\n",
                 (3, "score", "101 is above the maximum of 100"), [("m1",), ("m3",)], id="score-101"),
    pytest.param("user_id,module,completed_on,score\nann,m1,2026-03-01,100\nann,m2,2026-03-01,-0.5\n"
                 "ann,m3,2026-03-01,0\n",
                 (3, "score", "-0.5 is negative; it must be 0 or more"), [("m1",), ("m3",)], id="score-negative"),
    pytest.param("incident_id,reported_at,category,severity,people_affected\nI1,2026-03-01,privacy,high,0\n"
                 "I2,2026-03-01,privacy,high,-1\nI3,2026-03-01,Poor_Output,LOW,3\n",
                 (3, "people_affected", "-1 is negative; it must be 0 or more"), [("I1",), ("I3",)],
                 id="people-affected-negative"),
    pytest.param("incident_id,reported_at,category,severity\nI1,2026-03-01,privacy,high\n"
                 "I2,2026-03-01,privacy,severe\nI3,2026-03-01,other,low\n",
                 (3, "severity", "'severe' is not one of low, medium, high, critical"), [("I1",), ("I3",)],
                 id="severity-unknown"),
    pytest.param("incident_id,reported_at,category,severity,escalated\nI1,2026-03-01,privacy,high,yes\n"
                 "I2,2026-03-01,privacy,high,perhaps\nI3,2026-03-01,other,low,N\n",
                 (3, "escalated", "'perhaps' is not yes/no (true/false, yes/no, 1/0, y/n)"), [("I1",), ("I3",)],
                 id="bool-unknown"),
    pytest.param("ticket_id,opened_at,category,handling_minutes\nT1,2026-03-01,bug,5\nT2,2026-03-01,bug,-5\n"
                 "T3,2026-03-01,how_to,0\n",
                 (3, "handling_minutes", "-5 is negative; it must be 0 or more"), [("T1",), ("T3",)],
                 id="handling-minutes-negative"),
])
def test_ranges_and_enumerations_of_each_dataset(ingest: Ingest, rows: Rows, content: str,
                                                 reject: tuple[int, str, str], stored: list[tuple[str]]) -> None:
    report = ingest(content)
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [reject]
    key = {"feedback": "response_id", "incidents": "incident_id", "support": "ticket_id", "training": "module"}
    assert report.dataset is not None
    assert rows(report.dataset, key[report.dataset]) == stored


def test_booleans_and_enumerations_in_any_case(ingest: Ingest, rows: Rows) -> None:
    report = ingest("incident_id,reported_at,category,severity,output_used,escalated,status\n"
                    "I1,2026-03-01,Data_Exposure,CRITICAL,Yes,true,Resolved\n"
                    "I2,2026-03-01, privacy ,Low,n,0,\n"
                    "I3,2026-03-01,other,medium,1,FALSE, open \n"
                    "I4,2026-03-01,other,medium,,Y,mitigating\n")
    assert counts(report) == expect(rows_read=4, accepted=4, inserted=4)
    assert rows("incidents", "incident_id, category, severity, output_used, escalated, status") == [
        ("I1", "data_exposure", "critical", True, True, "resolved"),
        ("I2", "privacy", "low", False, False, None),
        ("I3", "other", "medium", True, False, "open"),
        ("I4", "other", "medium", None, True, "mitigating"),
    ]


# --- timestamps and dates ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "utc"), [
    ("2026-03-01T10:00:00Z", dt.datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01T10:00:00z", dt.datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01t10:00:00Z", dt.datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01T10:00:00+02:00", dt.datetime(2026, 3, 1, 8, 0)),
    ("2026-03-01T10:00:00-0530", dt.datetime(2026, 3, 1, 15, 30)),
    ("2026-03-01T10:00+02", dt.datetime(2026, 3, 1, 8, 0)),
    ("2026-03-01 23:30:00-01:00", dt.datetime(2026, 3, 2, 0, 30)),
    ("2026-03-01T00:15:00+01:00", dt.datetime(2026, 2, 28, 23, 15)),
    ("2026-03-01T10:00:00", dt.datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01 10:00:00", dt.datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01T10:00", dt.datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01", dt.datetime(2026, 3, 1, 0, 0)),
    ("2026-03-01T10:00:00.5", dt.datetime(2026, 3, 1, 10, 0, 0, 500000)),
    ("2026-03-01T10:00:00.123456Z", dt.datetime(2026, 3, 1, 10, 0, 0, 123456)),
    ("2026-03-01T10:00Z", dt.datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01T9:05:00Z", dt.datetime(2026, 3, 1, 9, 5)),
    ("2026-03-01 10:00:00.25+01:00", dt.datetime(2026, 3, 1, 9, 0, 0, 250000)),
    (" 2026-03-01T10:00:00Z ", dt.datetime(2026, 3, 1, 10, 0)),
])
def test_iso_timestamps_are_stored_in_utc(ingest: Ingest, rows: Rows, text: str, utc: dt.datetime) -> None:
    report = ingest(f"response_id,submitted_at,satisfaction\nr1,{text},4\n")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert rows("feedback", "response_id, submitted_at") == [("r1", utc)]


ROSTER = "user_id,department,access_granted_on\n"
AMBIGUOUS = ("upload.csv: column 'access_granted_on' has slash dates such as 05/03/2026 that could be day/month or "
             "month/day. Choose the order (--date-order dmy or mdy, or the date order on Upload), or export ISO "
             "dates (YYYY-MM-DD).")


def test_ambiguous_slash_dates_refuse_the_file_naming_the_column(refuse: Refuse) -> None:
    assert refuse(ROSTER + "ann,legal,05/03/2026\nbob,legal,12/11/2026\ncy,legal,2026-03-20\n") == AMBIGUOUS


def test_ambiguous_slash_dates_under_an_alias_name_the_files_column(refuse: Refuse) -> None:
    assert refuse("email,team,Start Date\nann,legal,05/03/2026\n") == AMBIGUOUS.replace(
        "'access_granted_on'", "'Start Date'")


@pytest.mark.parametrize(("values", "stored"), [
    pytest.param(["05/03/2026", "25/02/2026", "2026-01-04"],
                 [dt.date(2026, 3, 5), dt.date(2026, 2, 25), dt.date(2026, 1, 4)], id="day-first"),
    pytest.param(["05/03/2026", "02/25/2026", "2026-01-04"],
                 [dt.date(2026, 5, 3), dt.date(2026, 2, 25), dt.date(2026, 1, 4)], id="month-first"),
    pytest.param(["5/3/2026", "31/12/2026", "1/1/2026"],
                 [dt.date(2026, 3, 5), dt.date(2026, 12, 31), dt.date(2026, 1, 1)], id="single-digit-parts"),
])
def test_slash_dates_settled_by_the_file(ingest: Ingest, rows: Rows, values: list[str],
                                         stored: list[dt.date]) -> None:
    users = ["ann", "bob", "cy"]
    report = ingest(ROSTER + "".join(f"{u},legal,{v}\n" for u, v in zip(users, values, strict=True)))
    assert counts(report) == expect(rows_read=3, accepted=3, inserted=3)
    assert rows("roster", "user_id, access_granted_on") == list(zip(users, stored, strict=True))


@pytest.mark.parametrize(("order", "stored"), [
    ("dmy", [dt.date(2026, 3, 5), dt.date(2026, 11, 12)]),
    ("mdy", [dt.date(2026, 5, 3), dt.date(2026, 12, 11)]),
])
def test_the_chosen_date_order_reads_ambiguous_slash_dates(ingest: Ingest, rows: Rows, order: DateOrder,
                                                           stored: list[dt.date]) -> None:
    report = ingest(ROSTER + "ann,legal,05/03/2026\nbob,legal,12/11/2026\n",
                    options=IngestOptions(date_order=order))
    assert counts(report) == expect(rows_read=2, accepted=2, inserted=2)
    assert rows("roster", "user_id, access_granted_on") == [("ann", stored[0]), ("bob", stored[1])]


def test_a_chosen_order_the_file_contradicts_is_refused(refuse: Refuse) -> None:
    assert refuse(ROSTER + "ann,legal,13/03/2026\nbob,legal,02/03/2026\n", options=IngestOptions(date_order="mdy")
                  ) == ("upload.csv: column 'access_granted_on' has dates that only read as day first, but "
                        "month-first was chosen.")


def test_a_column_mixing_both_orders_is_refused(refuse: Refuse) -> None:
    assert refuse(ROSTER + "ann,legal,13/03/2026\nbob,legal,02/25/2026\ncy,legal,01/01/2026\n") == (
        "upload.csv: column 'access_granted_on' mixes day/month/year and month/day/year dates; export it with "
        "ISO dates (YYYY-MM-DD).")


def test_the_slash_order_is_settled_per_column(ingest: Ingest, rows: Rows) -> None:
    report = ingest("user_id,department,access_granted_on,access_revoked_on\n"
                    "ann,legal,25/01/2026,02/20/2026\nbob,legal,05/02/2026,12/31/2026\n")
    assert counts(report) == expect(rows_read=2, accepted=2, inserted=2)
    assert rows("roster", "user_id, access_granted_on, access_revoked_on") == [
        ("ann", dt.date(2026, 1, 25), dt.date(2026, 2, 20)), ("bob", dt.date(2026, 2, 5), dt.date(2026, 12, 31))]


def test_slash_timestamps_with_a_time(ingest: Ingest, rows: Rows) -> None:
    report = ingest("response_id,submitted_at,satisfaction\nr1,25/03/2026 14:30,3\nr2,05/03/2026 9:05:01,4\n"
                    "r3,31/02/2026 10:00,5\n")
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(4, "submitted_at", "'31/02/2026 10:00' is not a real date and time")]
    assert rows("feedback", "response_id, submitted_at") == [("r1", dt.datetime(2026, 3, 25, 14, 30)),
                                                             ("r2", dt.datetime(2026, 3, 5, 9, 5, 1))]


def test_a_slash_date_that_is_not_a_real_day_is_rejected(ingest: Ingest, rows: Rows) -> None:
    report = ingest(ROSTER + "ann,legal,31/02/2026\nbob,legal,31/12/2026\n")
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert problems(report) == [(2, "access_granted_on", "'31/02/2026' is not a real date")]
    assert rows("roster", "user_id, access_granted_on") == [("bob", dt.date(2026, 12, 31))]


def test_iso_only_dates_ignore_the_chosen_order(ingest: Ingest, rows: Rows) -> None:
    report = ingest(ROSTER + "ann,legal,2026-03-05\n", options=IngestOptions(date_order="mdy"))
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert rows("roster", "access_granted_on") == [(dt.date(2026, 3, 5),)]


def test_cost_months_are_stored_as_the_first_day(ingest: Ingest, rows: Rows) -> None:
    report = ingest("line_id,month,category,amount\nL1,2026-03,Licence,100\nL2,2026-03-17, usage ,2.5\n"
                    "L3,2026-13,other,1\nL4,2026-3,other,1\nL5,2026-02-30,other,1\nL6,2026-12-31T23:00:00Z,other,1\n")
    assert counts(report) == expect(rows_read=6, accepted=3, inserted=3, rejected=3)
    assert problems(report) == [(4, "month", "'2026-13' is not a real month"),
                                (5, "month", "'2026-3' is not a month (YYYY-MM)"),
                                (6, "month", "'2026-02-30' is not a real month")]
    assert rows("costs", "line_id, month, category, amount") == [
        ("L1", dt.date(2026, 3, 1), "licence", 100.0), ("L2", dt.date(2026, 3, 1), "usage", 2.5),
        ("L6", dt.date(2026, 12, 1), "other", 1.0)]


# --- identifiers, keys and free text ----------------------------------------------------------

def test_identifiers_from_two_exports_are_the_same_person(ingest: Ingest, rows: Rows) -> None:
    first = ingest(ROSTER + "Jane.Doe@Corp.com,Legal,2026-03-01\n", "january.csv")
    second = ingest(ROSTER + " jane.doe@corp.com , LEGAL ,2026-03-01\n", "february.csv")
    assert counts(first) == expect(rows_read=1, accepted=1, inserted=1)
    assert counts(second) == expect(rows_read=1, accepted=1, unchanged=1)
    assert rows("roster", "user_id, department, ingestion_id") == [("jane.doe@corp.com", "legal", 1)]


def test_keys_are_trimmed_and_keep_their_case(ingest: Ingest, rows: Rows) -> None:
    report = ingest("ticket_id,opened_at,category\n T-1 ,2026-03-01,bug\nt-1,2026-03-01,bug\nT-2\t,2026-03-01,bug\n")
    assert counts(report) == expect(rows_read=3, accepted=3, inserted=3)
    assert rows("support", "ticket_id") == [("T-1",), ("T-2",), ("t-1",)]


@pytest.mark.parametrize("text", [
    "=1+2", "+SUM(A1)", "-1+2", "@SUM(A1)", "=HYPERLINK(\"http://example.com\",\"x\")", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "'; DROP TABLE feedback;--", "  padded  ", "NULL", "N/A", "a\u200bb",
])
def test_free_text_is_stored_exactly_as_written(ingest: Ingest, rows: Rows, text: str) -> None:
    quoted = '"' + text.replace('"', '""') + '"'
    report = ingest(f"response_id,submitted_at,satisfaction,comment\nr1,2026-03-01,4,{quoted}\n")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert rows("feedback", "response_id, comment") == [("r1", text)]


def test_formula_like_text_unquoted_in_several_columns(ingest: Ingest, rows: Rows) -> None:
    report = ingest("incident_id,reported_at,category,severity,description,correction\n"
                    "=A1,2026-03-01,other,low,+cmd|' /C calc'!A0,-2+3\n"
                    "@x,2026-03-01,other,low,<script>x</script>,=SUM(1)\n")
    assert counts(report) == expect(rows_read=2, accepted=2, inserted=2)
    assert rows("incidents", "incident_id, description, correction") == [
        ("=A1", "+cmd|' /C calc'!A0", "-2+3"), ("@x", "<script>x</script>", "=SUM(1)")]


# --- a rule across columns --------------------------------------------------------------------

def test_roster_access_revoked_on_or_before_granted_is_rejected(ingest: Ingest, rows: Rows) -> None:
    report = ingest("user_id,department,access_granted_on,access_revoked_on\n"
                    "ann,legal,2026-03-01,2026-03-01\n"
                    "bob,legal,2026-03-01,2026-02-01\n"
                    "cy,legal,2026-03-01,2026-03-02\n"
                    "dee,legal,2026-03-01,\n")
    assert counts(report) == expect(rows_read=4, accepted=2, inserted=2, rejected=2)
    assert problems(report) == [
        (2, "access_revoked_on", "access is revoked on or before the day it was granted"),
        (3, "access_revoked_on", "access is revoked on or before the day it was granted")]
    assert rows("roster", "user_id, access_granted_on, access_revoked_on") == [
        ("cy", dt.date(2026, 3, 1), dt.date(2026, 3, 2)), ("dee", dt.date(2026, 3, 1), None)]


def test_a_bad_revocation_date_is_reported_once_for_its_own_reason(ingest: Ingest, rows: Rows) -> None:
    report = ingest("user_id,department,access_granted_on,access_revoked_on\n"
                    "ann,legal,2026-03-01,2026-02-30\nbob,legal,2026-03-01,2026-03-05\n")
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert problems(report) == [(2, "access_revoked_on", "'2026-02-30' is not a real date")]
    assert rows("roster", "user_id") == [("bob",)]


# --- acceptance and reasons come from the same checks --------------------------------------------

CELLS = {  # per usage column: values that pass and values that fail, as a file may hold them
    "occurred_at": ["2026-03-01T10:00:00Z", "2026-03-01 10:00:00+02:00", "2026-03-01t10:00:00z", "2026-02-30", "x", ""],
    "user_id": ["Ann", "bob", ""],
    "use_case": ["drafting", "Summarise", ""],
    "interactions": ["1", "007", "3.0", "2.5", "1e3", "0", "", "-1"],
    "output_action": ["accepted", "EDITED", "maybe", ""],
    "minutes_saved": ["1.5", "0", "-1", "abc", "inf", ""],
    "cost": ["0.25", ".5", "-0.5", ""],
}


@pytest.mark.parametrize("padded", [False, True], ids=["clean", "padded"])
def test_every_rejected_row_has_a_reason_and_every_row_with_a_reason_is_rejected(
        ingest: Ingest, stored_rejects: Rows, rows: Rows, padded: bool) -> None:
    rng = random.Random(7)
    columns = list(CELLS)
    lines = [",".join(["event_id", *columns])]
    for k in range(400):
        cells = [rng.choice(CELLS[c]) for c in columns]
        lines.append(",".join([f"e{k}", *(f" {v} " if padded and v else v for v in cells)]))
    report = ingest("\n".join(lines) + "\n")
    found = stored_rejects(report.ingestion_id)
    rejected_lines = {line for line, _, _ in found}
    assert all(reason for _, _, reason in found)
    assert report.rejected == len(rejected_lines) > 0
    assert report.accepted == rows("usage", "count(*)")[0][0] == 400 - len(rejected_lines) > 0
    stored = {int(e[0][1:]) + 2 for e in rows("usage", "event_id")}  # event e<k> is on line k + 2
    assert stored.isdisjoint(rejected_lines) and stored | rejected_lines == set(range(2, 402))


@pytest.mark.parametrize("name", list(DATASETS))
def test_the_validating_query_keeps_the_rows_in_file_order(name: str, con: duckdb.DuckDBPyConnection,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The order of the typed rows ties each row to its line and makes the last of a repeated key win.
    # DuckDB keeps a scan's order through projections and filters, not through a join, which it makes of
    # an IN or list_contains over five values or more: a big file read in pieces would come out of order.
    plans: list[str] = []
    real = ingest_module.load

    def spy(c: duckdb.DuckDBPyConnection, raw: RawFile, target: str, build: Builder) -> RawFile:
        sql, params = build(raw)
        plans.append(c.execute(f"explain {sql}", params).fetchall()[0][1])
        return real(c, raw, target, build)

    monkeypatch.setattr(ingest_module, "load", spy)
    columns = [c.name for c in DATASETS[name].columns]
    path = tmp_path / "export.csv"
    path.write_text(",".join(columns) + "\n" + ",".join("x" for _ in columns) + "\n", encoding="utf-8")
    ingest_file(con, path, "export.csv", IngestOptions(dataset=name))
    assert len(plans) == 1 and "JOIN" not in plans[0].upper()
