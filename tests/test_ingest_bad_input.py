"""The whole ingest of awkward files: headers and detection, duplicate keys, re-uploads, derived
keys, row accounting, a large file and all-or-nothing writes (DESIGN.md §2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import time

import duckdb
import polars as pl
import pytest
from conftest import Ingest, Refuse, Rows, counts, expect, problems

from loaders import ingest as ingest_module
from loaders.ingest import IngestOptions

NEEDS = ("roster needs user_id, department, access_granted_on; training needs user_id, module, completed_on; "
         "usage needs occurred_at, user_id, use_case; reviews needs review_id, reviewed_at, use_case, outcome; "
         "costs needs month, category, amount; incidents needs incident_id, reported_at, category, severity; "
         "support needs ticket_id, opened_at, category; feedback needs response_id, submitted_at, satisfaction.")
HEADER_ONLY = "upload.csv: the file has a header but no data rows; export the month again with its rows."
USAGE = "event_id,occurred_at,user_id,use_case,interactions,output_action,minutes_saved,cost\n"


# --- headers and detection --------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    pytest.param("user_id,department,access_granted_on\n", id="lf"),
    pytest.param("user_id,department,access_granted_on", id="no-newline"),
    pytest.param(b"\xef\xbb\xbfuser_id;department;access_granted_on\r\n", id="bom-semicolon-crlf"),
    pytest.param("user_id,department,access_granted_on\n\n\n", id="only-blank-lines-below"),
])
def test_a_header_without_rows_is_refused(refuse: Refuse, content: str | bytes) -> None:
    assert refuse(content) == HEADER_ONLY


def test_unknown_columns_are_refused_listing_every_dataset_and_the_files_columns(refuse: Refuse) -> None:
    assert refuse("Product, Quantity ,Price\nwidget,2,3.5\n") == (
        f"upload.csv: no dataset matches its columns ('Product', 'Quantity', 'Price'). {NEEDS} Rename the columns, "
        "or choose the dataset and map the columns (--dataset, --map).")


def test_a_missing_required_column_with_the_dataset_given_is_refused(refuse: Refuse) -> None:
    message = refuse("user_id,department,role\nann,legal,clerk\n", options=IngestOptions(dataset="roster"))
    assert message == (
        "upload.csv: required column access_granted_on is missing for dataset roster; the file has 'user_id', "
        "'department', 'role'. Add the column or map one with --map \"Source=access_granted_on\".")


def test_several_missing_required_columns_are_all_named(refuse: Refuse) -> None:
    message = refuse("review_id,comment\nR1,fine\n", options=IngestOptions(dataset="reviews"))
    assert message == (
        "upload.csv: required columns reviewed_at, use_case, outcome are missing for dataset reviews; the file has "
        "'review_id', 'comment'. Add the column or map one with --map \"Source=reviewed_at\".")


def test_an_unknown_dataset_is_refused(refuse: Refuse) -> None:
    assert refuse("user_id,department,access_granted_on\nann,legal,2026-03-01\n",
                  options=IngestOptions(dataset="budget")) == (
        "upload.csv: unknown dataset 'budget'; choose one of roster, training, usage, reviews, costs, incidents, "
        "support, feedback.")


def test_two_columns_meaning_user_id_are_refused_with_the_dataset_given(refuse: Refuse) -> None:
    message = refuse("user,email,department,access_granted_on\nann,ann@corp.com,legal,2026-03-01\n",
                     options=IngestOptions(dataset="roster"))
    assert message == ("upload.csv: columns 'user' and 'email' both mean roster.user_id; choose one with --map "
                       "\"user=user_id\" (or the column mapping on Upload).")


def test_two_columns_meaning_user_id_are_refused_naming_them(refuse: Refuse) -> None:
    message = refuse("user,email,department,access_granted_on\nann,ann@corp.com,legal,2026-03-01\n")
    assert message == ("upload.csv: columns 'user' and 'email' both mean roster.user_id; choose one with --map "
                       "\"user=user_id\" (or the column mapping on Upload).")


def test_a_map_settles_two_columns_meaning_user_id(ingest: Ingest, rows: Rows) -> None:
    report = ingest("user,email,department,access_granted_on\nann,Ann@Corp.com,legal,2026-03-01\n",
                    options=IngestOptions(dataset="roster", column_map={"email": "user_id"}))
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert report.unused_columns == ["user"]
    assert rows("roster", "user_id, department") == [("ann@corp.com", "legal")]


def test_duplicate_header_names_are_refused(refuse: Refuse) -> None:
    assert refuse("user_id,department,access_granted_on,user_id\nann,legal,2026-03-01,bob\n") == (
        "upload.csv: columns 1 and 4 are both named 'user_id'; rename one of them so every column has its own name.")


def test_duplicate_header_names_differing_in_case_name_both_spellings(refuse: Refuse) -> None:
    assert refuse("user_id,department,access_granted_on, Role ,ROLE\nann,legal,2026-03-01,x,y\n") == (
        "upload.csv: columns 4 ('Role') and 5 ('ROLE') have the same name once case and spaces are ignored; "
        "rename one of them so every column has its own name.")


def test_a_blank_header_column_is_ignored_and_said_so(ingest: Ingest, rows: Rows) -> None:
    report = ingest("user_id,,department,access_granted_on, \nann,whatever,legal,2026-03-01,x\n")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert report.unused_columns == []
    assert report.mapping == {"user_id": "user_id", "department": "department",
                              "access_granted_on": "access_granted_on"}
    assert report.notes == ["Detected as roster (roster: 85% (3 of 3 required, 0 of 2 optional columns)).",
                            "Columns without a name in the header were ignored."]
    assert rows("roster", "user_id, department, access_granted_on, role") == [
        ("ann", "legal", dt.date(2026, 3, 1), None)]


def test_aliases_and_unused_columns_are_reported(ingest: Ingest, rows: Rows) -> None:
    report = ingest("Email, Team ,Start Date,Job Title,Notes\nAnn@Corp.com,Legal,2026-03-01,Counsel,x\n")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert report.unused_columns == ["Notes"]
    assert report.notes == [
        "Detected as roster (roster: 92.5% (3 of 3 required, 1 of 2 optional columns)).",
        "Columns read as: 'Email' → user_id, 'Team' → department, 'Start Date' → access_granted_on, "
        "'Job Title' → role.",
        "Not used (no such column in roster): 'Notes'.",
    ]
    assert rows("roster", "user_id, department, access_granted_on, role") == [
        ("ann@corp.com", "legal", dt.date(2026, 3, 1), "Counsel")]


# --- duplicate keys and re-uploads -------------------------------------------------------------

def test_duplicate_keys_in_one_file_keep_the_last_row(ingest: Ingest, rows: Rows, con: duckdb.DuckDBPyConnection
                                                      ) -> None:
    report = ingest("ticket_id,opened_at,category,topic\n"
                    "T1,2026-03-01,bug,first\n"       # 2: replaced by line 4
                    "T2,2026-03-01,bug,x\n"           # 3: replaced by line 6
                    " T1 ,2026-03-02,how_to,second\n"  # 4
                    "t1,2026-03-01,bug,other case\n"  # 5: a different key
                    "T2,2026-03-01,bug,y\n"           # 6
                    "T3,2026-03-01,bug,bad\n"         # 7
                    "T4,2026-03-01,nonsense,z\n")     # 8: rejected, not a duplicate
    assert counts(report) == expect(rows_read=7, accepted=6, inserted=4, rejected=1, duplicates=2)
    assert report.duplicate_lines == [2, 3]
    assert problems(report) == [(8, "category", "'nonsense' is not one of how_to, allowed_use, data_rules, review, "
                                                "access, output_quality, bug, other")]
    assert "2 rows repeat the key of a later row in this file (lines 2, 3); the last one was kept." in report.notes
    assert rows("support", "ticket_id, opened_at, category, topic") == [
        ("T1", dt.datetime(2026, 3, 2), "how_to", "second"), ("T2", dt.datetime(2026, 3, 1), "bug", "y"),
        ("T3", dt.datetime(2026, 3, 1), "bug", "bad"), ("t1", dt.datetime(2026, 3, 1), "bug", "other case")]
    assert con.execute("select rows_read, inserted, updated, unchanged, rejected, duplicates from ingestions"
                       ).fetchall() == [(7, 4, 0, 0, 1, 2)]


def test_the_same_file_uploaded_twice_is_skipped(ingest: Ingest, rows: Rows, con: duckdb.DuckDBPyConnection
                                                 ) -> None:
    content = "ticket_id,opened_at,category\nT1,2026-03-01,bug\nT2,2026-03-02,how_to\nT3,2026-03-02,nope\n"
    first = ingest(content, "tickets.csv")
    before = rows("support", "*")
    second = ingest(content, "tickets again.csv")
    uploaded_at = con.execute("select uploaded_at from ingestions where id = 1").fetchone()[0]  # type: ignore[index]
    assert (first.status, second.status) == ("stored", "skipped")
    assert second.message == (f"tickets again.csv: already imported as ingestion #1 on {uploaded_at:%Y-%m-%d %H:%M} "
                              "UTC; skipped, nothing loaded twice.")
    assert second.sha256 == first.sha256 == hashlib.sha256(content.encode()).hexdigest()
    assert counts(second) == expect()
    assert second.ingestion_id is None
    assert rows("support", "*") == before
    assert con.execute("select count(*) from ingestions").fetchone() == (1,)
    assert con.execute("select count(*) from rejects").fetchone() == (1,)


def test_an_overlapping_re_export_updates_inserts_and_leaves_identical_rows(ingest: Ingest, rows: Rows) -> None:
    first = ingest(USAGE + "e1,2026-03-01,ann,drafting,1,accepted,2,0.1\n"
                           "e2,2026-03-01,bob,drafting,1,edited,3,0.1\n"
                           "e3,2026-03-02,cy,search,2,,,\n", "march-1.csv")
    second = ingest(USAGE + "e2,2026-03-01,BOB,drafting,1,EDITED,3.0,0.10\n"  # identical once normalised
                            "e3,2026-03-02,cy,search,2,rejected,,\n"          # changed
                            "e4,2026-03-03,dee,search,1,,,\n"                # new
                            "e5,2026-03-03,dee,search,0,,,\n", "march-2.csv")  # rejected
    assert counts(first) == expect(rows_read=3, accepted=3, inserted=3)
    assert counts(second) == expect(rows_read=4, accepted=3, inserted=1, updated=1, unchanged=1, rejected=1)
    assert rows("usage", "event_id, user_id, output_action, minutes_saved, ingestion_id") == [
        ("e1", "ann", "accepted", 2.0, 1), ("e2", "bob", "edited", 3.0, 1), ("e3", "cy", "rejected", None, 2),
        ("e4", "dee", None, None, 2)]


def _derived_key(*values: str | None) -> str:
    """The documented derivation: sha256 of the canonical values (key excluded) in column order, nulls apart."""
    text = "\x1f".join("n" if v is None else "v:" + v for v in values)
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_missing_event_id_is_derived_stably(ingest: Ingest, rows: Rows) -> None:
    body = ("occurred_at,user_id,use_case,minutes_saved\n"
            "2026-03-01T10:00:00Z,Jane,drafting,1.5\n"
            "2026-03-01,bob,search,\n")
    first = ingest(body, "a.csv")
    k1 = _derived_key("2026-03-01 10:00:00", "jane", "drafting", "1", None, "1.5", None)
    k2 = _derived_key("2026-03-01 00:00:00", "bob", "search", "1", None, None, None)
    assert counts(first) == expect(rows_read=2, accepted=2, inserted=2)
    assert first.derived_keys == 2
    assert rows("usage", "event_id, user_id", order="user_id") == [(k2, "bob"), (k1, "jane")]
    # The same rows in another file (an extra newline changes its sha256, and the spelling differs).
    again = ingest(body.replace("Jane", " JANE ").replace("10:00:00Z", "11:00:00+01:00") + "\n", "b.csv")
    assert again.status == "stored"
    assert again.sha256 != first.sha256
    assert counts(again) == expect(rows_read=2, accepted=2, unchanged=2, blank_lines=1)
    assert rows("usage", "event_id, ingestion_id", order="user_id") == [(k2, 1), (k1, 1)]


def test_a_null_and_a_text_that_looks_like_its_encoding_get_different_keys(ingest: Ingest, rows: Rows) -> None:
    report = ingest("month,category,amount,currency,description\n"
                    "2026-03,other,1,,n\n"      # description 'n', currency null
                    "2026-03,other,1,n,\n"      # currency 'n', description null
                    "2026-03,other,1,,\n"       # both null
                    '2026-03,other,1,"",""\n')  # quoted empty text is missing too: the same row as line 4
    assert counts(report) == expect(rows_read=4, accepted=4, inserted=3, duplicates=1)
    assert report.derived_keys == 4
    assert report.duplicate_lines == [4]
    stored = rows("costs", "line_id, currency, description", order="currency nulls first, description nulls first")
    assert [r[1:] for r in stored] == [(None, None), (None, "n"), ("n", None)]
    assert len({r[0] for r in stored}) == 3
    assert all(len(str(r[0])) == 64 for r in stored)


def test_given_and_derived_keys_in_one_file(ingest: Ingest, rows: Rows) -> None:
    report = ingest("line_id,month,category,amount\nL1,2026-03,licence,10\n,2026-03,usage,2\n  ,2026-04,usage,3\n"
                    "L1,2026-03,licence,10\n")
    assert counts(report) == expect(rows_read=4, accepted=4, inserted=3, duplicates=1)
    assert report.derived_keys == 2
    assert report.duplicate_lines == [2]
    stored = rows("costs", "line_id, month, amount", order="amount")
    assert [r[1:] for r in stored] == [(dt.date(2026, 3, 1), 2.0), (dt.date(2026, 4, 1), 3.0),
                                       (dt.date(2026, 3, 1), 10.0)]
    assert stored[2][0] == "L1"
    assert len(str(stored[0][0])) == len(str(stored[1][0])) == 64 and stored[0][0] != stored[1][0]


def test_a_derived_line_id_is_the_hash_of_the_stored_canonical_values(ingest: Ingest, rows: Rows) -> None:
    report = ingest("month,category,amount,description\n2026-03-17,other,1,n\n")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert rows("costs", "line_id") == [(_derived_key("2026-03-01", "other", "1.0", None, None, None, "n"),)]


# --- accounting ------------------------------------------------------------------------------

def test_every_row_read_is_accepted_rejected_or_blank(ingest: Ingest, rows: Rows, stored_rejects: Rows,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    content = (USAGE
               + "e1,2026-03-01,ann,drafting,1,accepted,2,0.1\n"   # 2  accepted (then a duplicate)
               + "e2,2026-03-01,ann,drafting,x,accepted,2,0.1\n"   # 3  rejected
               + "\n"                                              # 4  empty line
               + ",,,,,,,\n"                                       # 5  a row of empty cells
               + "e3,2026-03-02,bob,search,2,,,\n"                 # 6  accepted
               + "e1,2026-03-03,ann,drafting,3,edited,4,0.2\n"     # 7  accepted, replaces line 2
               + ' , ,\t,"",,,,\n'                                  # 8  a row of blank cells
               + "e4,2026-03-02,bob,,2,,,\n"                       # 9  rejected
               + "\n")                                             # 10 empty line
    report = ingest(content)
    assert counts(report) == expect(rows_read=7, accepted=3, inserted=2, rejected=2, duplicates=1, blank_lines=4)
    blank_cell_rows = 2
    assert report.rows_read == report.accepted + report.rejected + blank_cell_rows
    assert report.accepted == report.inserted + report.updated + report.unchanged + report.duplicates
    assert problems(report) == [(3, "interactions", "'x' is not a whole number"),
                                (9, "use_case", "is empty; a value is required")]
    assert stored_rejects(report.ingestion_id) == problems(report)
    raw = con.execute('select raw from rejects where line = 3').fetchone()[0]  # type: ignore[index]
    assert json.loads(raw) == {"event_id": "e2", "occurred_at": "2026-03-01", "user_id": "ann",
                               "use_case": "drafting", "interactions": "x", "output_action": "accepted",
                               "minutes_saved": "2", "cost": "0.1"}
    assert rows("usage", "event_id, interactions, output_action") == [("e1", 3, "edited"), ("e3", 2, None)]
    assert con.execute("select rows_read, inserted, updated, unchanged, rejected, duplicates, blank_lines "
                       "from ingestions").fetchall() == [(7, 2, 0, 0, 2, 1, 4)]


def test_a_file_whose_rows_are_all_rejected_is_stored_with_its_rejects(ingest: Ingest, rows: Rows,
                                                                       stored_rejects: Rows) -> None:
    report = ingest("response_id,submitted_at,satisfaction\nr1,2026-03-01,9\nr2,someday,3\n")
    assert report.status == "stored"
    assert counts(report) == expect(rows_read=2, rejected=2)
    assert stored_rejects(report.ingestion_id) == [(2, "satisfaction", "9 is above the maximum of 5"),
                                                   (3, "submitted_at", "'someday' is not a timestamp (YYYY-MM-DD "
                                                                       "HH:MM:SS, optionally with Z or ±HH:MM)")]
    assert rows("feedback") == []


def test_a_preview_writes_nothing(ingest: Ingest, con: duckdb.DuckDBPyConnection) -> None:
    report = ingest("response_id,submitted_at,satisfaction\nr1,2026-03-01,5\nr2,2026-03-01,6\n", commit=False)
    assert report.status == "preview"
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert report.message == ("upload.csv: feedback, 2 rows read; would store 1 new, 0 updated, 0 unchanged; "
                              "1 rejected, 0 duplicates.")
    assert con.execute("select (select count(*) from feedback) + (select count(*) from ingestions) + "
                       "(select count(*) from rejects)").fetchone() == (0,)


def test_a_failure_while_writing_leaves_nothing_behind(ingest: Ingest, con: duckdb.DuckDBPyConnection,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    content = "response_id,submitted_at,satisfaction\nr1,2026-03-01,5\nr2,2026-03-01,6\n"

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ingest_module, "WRITE_STEPS", [*ingest_module.WRITE_STEPS, fail])
    with pytest.raises(OSError, match="disk full"):
        ingest(content)
    assert con.execute("select (select count(*) from feedback) + (select count(*) from ingestions) + "
                       "(select count(*) from rejects)").fetchone() == (0,)
    monkeypatch.undo()
    retry = ingest(content)
    assert (retry.status, retry.ingestion_id) == ("stored", 2)
    assert counts(retry) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)


# --- a large file -----------------------------------------------------------------------------

def test_a_hundred_thousand_rows(ingest: Ingest, con: duckdb.DuckDBPyConnection) -> None:
    n = 100_000
    i = pl.col("i")
    frame = pl.DataFrame({"i": pl.int_range(n, eager=True)}).select(
        event_id=pl.lit("E") + i.cast(pl.String).str.zfill(6),
        occurred_at=pl.lit("2026-03-01T") + (i % 24).cast(pl.String).str.zfill(2) + pl.lit(":30:00Z"),
        user_id=pl.lit("User") + (i % 500).cast(pl.String),
        use_case=pl.lit("drafting"),
        interactions=pl.when(i % 10_000 == 9_999).then(0).otherwise(i % 5 + 1),  # ten rows with 0
        minutes_saved=(i % 7) * 0.5,
    )
    buf = io.BytesIO()
    frame.write_csv(buf)
    started = time.perf_counter()
    report = ingest(buf.getvalue(), "big.csv")
    elapsed = time.perf_counter() - started
    assert counts(report) == expect(rows_read=n, accepted=n - 10, inserted=n - 10, rejected=10)
    assert problems(report) == [(k * 10_000 + 10_001, "interactions", "0 is below the minimum of 1")
                                for k in range(10)]
    good = frame.filter(pl.col("interactions") > 0)
    assert con.execute("select count(*), count(distinct user_id), sum(interactions), sum(minutes_saved), "
                       "min(occurred_at), max(occurred_at) from usage").fetchone() == (
        n - 10, 500, good["interactions"].sum(), good["minutes_saved"].sum(), dt.datetime(2026, 3, 1, 0, 30),
        dt.datetime(2026, 3, 1, 23, 30))
    assert con.execute("select user_id from usage where event_id = 'E000042'").fetchone() == ("user42",)
    assert elapsed < 20, f"100k rows took {elapsed:.1f} s"
