"""Reading files: formats, encodings, CSV dialects and physical line numbers (DESIGN.md §2).

Each test builds its file from bytes in the test, ingests it into a fresh database and
checks the exact accounting, the stored values and the reject lines; a refused file must
leave nothing behind and say why in one exact sentence.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import Ingest, Refuse, Rows, counts, expect, problems, write_file
from test_read_hostile import copies_beside

from core.errors import InputError
from loaders import read, scan
from loaders.read import peek, read_file
from loaders.scan import scan_file

ROSTER = "user_id,department,access_granted_on,role\n"
DETECTED_ROSTER = "Detected as roster (roster: 92.5% (3 of 3 required, 1 of 2 optional columns))."
DETECTED_ROSTER_3 = "Detected as roster (roster: 85% (3 of 3 required, 0 of 2 optional columns))."
ROSTER_COLS = "user_id, department, access_granted_on, role"


def _parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def _xlsx(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_excel(buf)
    return buf.getvalue()


ROSTER_FRAME = pl.DataFrame({
    "user_id": ["Ann@Corp.com", "bob", None, "dee"],
    "department": ["Legal", " HR ", None, "Sales"],
    "access_granted_on": ["2026-03-01", "2026-13-01", None, "2026-03-04"],
})


# --- extensions and content that does not match them -------------------------------------------

@pytest.mark.parametrize(("name", "message"), [
    ("export.xls", "export.xls: files ending in '.xls' are not supported; upload CSV, Parquet, XLSX, JSON or "
                   "NDJSON."),
    ("export", "export: files ending in '(no extension)' are not supported; upload CSV, Parquet, XLSX, JSON or "
               "NDJSON."),
])
def test_an_unsupported_extension_is_refused(refuse: Refuse, name: str, message: str) -> None:
    assert refuse(ROSTER + "a,legal,2026-03-01,x\n", name) == message


@pytest.mark.parametrize("name", ["empty.csv", "empty.tsv", "empty.parquet", "empty.xlsx", "empty.json",
                                  "empty.ndjson"])
def test_an_empty_file_is_refused_whatever_its_extension(refuse: Refuse, name: str) -> None:
    assert refuse(b"", name) == f"{name}: the file is empty; export it again with its header and rows."


NOT_PARQUET = ("r.parquet: this is not a complete Parquet file (it is corrupt, truncated or another format "
               "renamed .parquet); export it again.")
NOT_XLSX = ("r.xlsx: this is not an Excel workbook (.xlsx); if it is a CSV or an old .xls file, save it as CSV "
            "or .xlsx and upload that.")


@pytest.mark.parametrize(("name", "content", "message"), [
    pytest.param("r.parquet", _parquet(ROSTER_FRAME)[:200], NOT_PARQUET, id="truncated-parquet"),
    pytest.param("r.parquet", ROSTER + "a,legal,2026-03-01,x\n", NOT_PARQUET, id="csv-renamed-parquet"),
    pytest.param("r.xlsx", ROSTER + "a,legal,2026-03-01,x\n", NOT_XLSX, id="csv-renamed-xlsx"),
    pytest.param("r.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64), NOT_XLSX, id="png-renamed-xlsx"),
    pytest.param("r.xlsx", _xlsx(ROSTER_FRAME)[:300],
                 "r.xlsx: the workbook could not be read (calamine error: Xlsx error: Zip error: invalid Zip "
                 "archive: Could not find EOCD); save it again as .xlsx or export CSV.", id="truncated-xlsx"),
    pytest.param("r.csv", _xlsx(ROSTER_FRAME),
                 "r.csv: the file is an Excel workbook (.xlsx), not text; give it the extension .xlsx, or save it as "
                 "CSV UTF-8, and upload it again.", id="xlsx-renamed-csv"),
    pytest.param("r.csv", _parquet(ROSTER_FRAME),
                 "r.csv: the file is a Parquet file, not text; give it the right extension.",
                 id="parquet-renamed-csv"),
])
def test_content_that_does_not_match_its_extension_is_refused(refuse: Refuse, name: str, content: bytes,
                                                               message: str) -> None:
    assert refuse(content, name) == message


def test_a_file_whose_first_line_has_one_column_is_refused(refuse: Refuse) -> None:
    assert refuse("user_id\na\n") == (
        "upload.csv: line 1 has a single column ('user_id'); Rollgate reads CSV separated by commas, semicolons, "
        "tabs or pipes. Check that line 1 is the header.")


# --- delimiters, encodings and line endings --------------------------------------------------

@pytest.mark.parametrize(("delimiter", "word", "name"), [
    (";", "semicolons", "upload.csv"),
    ("\t", "tabs", "upload.csv"),
    ("\t", "tabs", "upload.tsv"),
    ("|", "pipes", "upload.txt"),
])
def test_common_delimiters_are_detected_from_the_header(ingest: Ingest, rows: Rows, delimiter: str, word: str,
                                                        name: str) -> None:
    text = "\n".join(delimiter.join(r) for r in [
        ["user_id", "department", "access_granted_on", "role"],
        ["ann", "Legal", "2026-03-01", "Head, Legal"],
        ["bob", "HR", "2026-03-31", "clerk"],
    ]) + "\n"
    report = ingest(text, name)
    assert counts(report) == expect(rows_read=2, accepted=2, inserted=2)
    assert (report.status, report.delimiter, report.encoding) == ("stored", delimiter, "UTF-8")
    assert report.notes == [f"Columns are separated by {word}.", DETECTED_ROSTER]
    assert rows("roster", "user_id, department, access_granted_on, role") == [
        ("ann", "legal", dt.date(2026, 3, 1), "Head, Legal"),
        ("bob", "hr", dt.date(2026, 3, 31), "clerk"),
    ]


def test_a_utf8_bom_is_not_part_of_the_first_header(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                    ingest: Ingest, rows: Rows) -> None:
    content = b"\xef\xbb\xbf" + (ROSTER + "ann,legal,2026-03-01,x\n").encode()
    raw = read_file(con, write_file(tmp_path, "bom.csv", content), "bom.csv")
    assert raw.headers == ["user_id", "department", "access_granted_on", "role"]
    report = ingest(content)
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert (report.dataset, report.encoding) == ("roster", "UTF-8 with BOM")
    assert report.mapping == {"user_id": "user_id", "department": "department",
                              "access_granted_on": "access_granted_on", "role": "role"}
    assert rows("roster", "user_id, department, access_granted_on, role") == [
        ("ann", "legal", dt.date(2026, 3, 1), "x")]


def test_windows_1252_is_read_as_such_and_said_so(ingest: Ingest, rows: Rows) -> None:
    content = ROSTER.encode() + b"ann,legal,2026-03-01,caf\xe9 \x80 na\xefve\nbob,hr,2026-03-02,plain\n"
    report = ingest(content)
    assert counts(report) == expect(rows_read=2, accepted=2, inserted=2)
    assert report.encoding == "Windows-1252"
    assert report.notes == ["The file is not UTF-8; it was read as Windows-1252 (Western European).",
                            DETECTED_ROSTER]
    assert rows("roster", "user_id, role") == [("ann", "café € naïve"), ("bob", "plain")]


def test_windows_1252_found_only_deep_in_a_large_file(ingest: Ingest, rows: Rows) -> None:
    body = "".join(f"u{i},legal,2026-03-01,r\n" for i in range(5000))
    content = (ROSTER + body).encode() + b"zed,legal,2026-03-01,caf\xe9\nyan,legal,2026-13-01,x\n"
    report = ingest(content)
    assert counts(report) == expect(rows_read=5002, accepted=5001, inserted=5001, rejected=1)
    assert report.encoding == "Windows-1252"
    assert problems(report) == [(5003, "access_granted_on", "'2026-13-01' is not a real date")]
    assert rows("roster where user_id in ('u0', 'u4999', 'zed')", "user_id, role") == [
        ("u0", "r"), ("u4999", "r"), ("zed", "café")]


def test_utf16_le_with_bom_is_transcoded(ingest: Ingest, rows: Rows) -> None:
    text = (ROSTER + "ann,legal,2026-03-01,café\nbob,hr,2026-13-01,x\n").replace("\n", "\r\n")
    report = ingest(b"\xff\xfe" + text.encode("utf-16-le"))
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert report.encoding == "UTF-16"
    assert problems(report) == [(3, "access_granted_on", "'2026-13-01' is not a real date")]
    assert rows("roster", "user_id, department, access_granted_on, role") == [
        ("ann", "legal", dt.date(2026, 3, 1), "café")]


def test_crlf_line_endings_leave_no_carriage_return_in_values(ingest: Ingest, rows: Rows) -> None:
    content = (ROSTER + "ann,legal,2026-03-01,x\nbob,hr,bad,y\ncy,hr,2026-03-02,z\n").replace("\n", "\r\n")
    report = ingest(content)
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(3, "access_granted_on", "'bad' is not a date (YYYY-MM-DD)")]
    assert rows("roster", "user_id, role") == [("ann", "x"), ("cy", "z")]


def test_cr_only_line_endings_are_split_into_lines(ingest: Ingest, rows: Rows) -> None:
    content = (ROSTER + "ann,legal,2026-03-01,x\nbob,hr,2026-0301,y\ncy,hr,2026-03-02,z\n").replace("\n", "\r")
    report = ingest(content)
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(3, "access_granted_on", "'2026-0301' is not a date (YYYY-MM-DD)")]
    assert rows("roster", "user_id, department, access_granted_on, role") == [
        ("ann", "legal", dt.date(2026, 3, 1), "x"), ("cy", "hr", dt.date(2026, 3, 2), "z")]


def test_a_last_line_without_a_newline_is_read(ingest: Ingest, rows: Rows) -> None:
    report = ingest(ROSTER + "ann,legal,2026-03-01,x\nbob,hr,2026-03-02,y")
    assert counts(report) == expect(rows_read=2, accepted=2, inserted=2)
    assert rows("roster", "user_id, role") == [("ann", "x"), ("bob", "y")]


def test_mixed_crlf_and_lf_line_endings_are_read(ingest: Ingest, rows: Rows) -> None:
    # An export saved on Windows with rows appended on another system.
    report = ingest(ROSTER.replace("\n", "\r\n") + "ann,legal,2026-03-01,x\r\nbob,hr,bad,y\ncy,hr,2026-03-02,z\n")
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(3, "access_granted_on", "'bad' is not a date (YYYY-MM-DD)")]
    assert rows("roster", "user_id, role") == [("ann", "x"), ("cy", "z")]


# --- quoting, blank lines and ragged rows: physical line numbers -------------------------------

def test_a_quoted_field_with_newlines_and_delimiters_is_stored_exactly_and_later_lines_stay_physical(
        ingest: Ingest, rows: Rows) -> None:
    content = (ROSTER
               + 'ann,legal,2026-03-01,"first line\nsecond, with a comma\nthird ""quoted"""\n'  # lines 2-4
               + "bob,hr,2026-13-01,x\n"                                                     # line 5
               + 'cy,hr,2026-03-02,"a\r\nb"\n'                                               # lines 6-7
               + "dee,hr,later,y\n")                                                         # line 8
    report = ingest(content)
    assert counts(report) == expect(rows_read=4, accepted=2, inserted=2, rejected=2)
    assert problems(report) == [(5, "access_granted_on", "'2026-13-01' is not a real date"),
                                (8, "access_granted_on", "'later' is not a date (YYYY-MM-DD)")]
    assert rows("roster", "user_id, role") == [("ann", 'first line\nsecond, with a comma\nthird "quoted"'),
                                                ("cy", "a\r\nb")]


def test_blank_lines_are_dropped_counted_and_do_not_shift_line_numbers(ingest: Ingest, rows: Rows) -> None:
    content = (ROSTER
               + "ann,legal,2026-03-01,x\n"   # 2
               + "\n"                         # 3
               + "bob,hr,2026-02-30,y\n"      # 4
               + "\n\n"                       # 5, 6
               + "cy,hr,2026-03-02,z\n"       # 7
               + "dee,hr,soon,w\n"            # 8
               + "\n")                        # 9
    report = ingest(content)
    assert counts(report) == expect(rows_read=4, accepted=2, inserted=2, rejected=2, blank_lines=4)
    assert problems(report) == [(4, "access_granted_on", "'2026-02-30' is not a real date"),
                                (8, "access_granted_on", "'soon' is not a date (YYYY-MM-DD)")]
    assert rows("roster", "user_id") == [("ann",), ("cy",)]


def test_crlf_blank_lines_are_blank_too(ingest: Ingest, rows: Rows) -> None:
    content = b"\xef\xbb\xbf" + (ROSTER + 'ann,legal,2026-03-01,"x\r\ny"\r\n\r\nbob,hr,bad,z\r\n\r\n'
                                 ).replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode()
    report = ingest(content)
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1, blank_lines=2)
    assert problems(report) == [(5, "access_granted_on", "'bad' is not a date (YYYY-MM-DD)")]
    assert rows("roster", "user_id, role") == [("ann", "x\r\ny")]


def test_ragged_rows_are_rejected_with_their_line_and_the_rest_stored(ingest: Ingest, rows: Rows,
                                                                      stored_rejects: Rows) -> None:
    content = ("event_id,occurred_at,user_id,use_case,interactions,output_action,minutes_saved,cost\n"
               "e1,2026-03-01,ann,drafting,1,accepted,2,0.1\n"        # 2
               "e2,2026-03-01,ann,drafting,1,accepted,2,0.1,extra\n"  # 3: too many
               '"e3\nstill e3",2026-03-01,bob,drafting,1\n'           # 4-5: too few
               "e4,2026-03-02,bob,drafting,2,edited,3,0.2\n")         # 6
    report = ingest(content)
    assert counts(report) == expect(rows_read=4, accepted=2, inserted=2, rejected=2)
    assert problems(report) == [(3, None, "too many fields: expected 8, found 9"),
                                (4, None, "too few fields: expected 8, found 5")]
    assert [r.raw for r in report.rejects] == ["e2,2026-03-01,ann,drafting,1,accepted,2,0.1,extra",
                                               '"e3\nstill e3",2026-03-01,bob,drafting,1']
    assert stored_rejects(report.ingestion_id) == problems(report)
    assert rows("usage", "event_id, interactions") == [("e1", 1), ("e4", 2)]


def test_an_unterminated_quote_refuses_the_file_naming_its_line(refuse: Refuse) -> None:
    content = ROSTER + "ann,legal,2026-03-01,x\nbob,hr,2026-03-01,\"never closed\ncy,hr,2026-03-02,z\n"
    assert refuse(content) == ("upload.csv: line 3: a quoted value is never closed (the file ends inside "
                               "quotes); fix the quotes on that line or export the file again.")


def test_doubled_quotes_inside_a_quoted_value_are_one_quote(ingest: Ingest, rows: Rows) -> None:
    report = ingest(ROSTER + 'ann,legal,2026-03-01,"say ""hi"", then go"\n')
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert rows("roster", "role") == [('say "hi", then go',)]


# --- decimal commas -------------------------------------------------------------------------

def test_a_semicolon_file_reads_decimal_commas(ingest: Ingest, rows: Rows) -> None:
    content = ("line_id;month;category;amount;description\n"
               "L1;2026-03;licence;2,5;seats\n"
               "L2;2026-03;usage;1.234,5;thousands\n"
               "L3;2026-03;usage;3;plain\n"
               "L4;2026-03;usage;0,75;\"quoted; text\"\n")
    report = ingest(content)
    assert counts(report) == expect(rows_read=4, accepted=3, inserted=3, rejected=1)
    assert problems(report) == [(3, "amount", "'1.234,5' is not a number")]
    assert rows("costs", "line_id, amount, description") == [("L1", 2.5, "seats"), ("L3", 3.0, "plain"),
                                                             ("L4", 0.75, "quoted; text")]


def test_a_comma_file_does_not_read_decimal_commas(ingest: Ingest, rows: Rows) -> None:
    report = ingest('line_id,month,category,amount\nL1,2026-03,licence,"2,5"\nL2,2026-03,licence,2.5\n')
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert problems(report) == [(2, "amount", "'2,5' is not a number")]
    assert rows("costs", "line_id, amount") == [("L2", 2.5)]


# --- Parquet and XLSX ------------------------------------------------------------------------

def test_a_valid_parquet_file_is_ingested_with_typed_values_and_row_numbers(ingest: Ingest, rows: Rows) -> None:
    frame = pl.DataFrame({
        "event_id": ["e1", "e2", "e3"],
        "occurred_at": [dt.datetime(2026, 3, 1, 10, 30, 15), dt.datetime(2026, 3, 2, 8, 0), None],
        "user_id": ["Ann@Corp.com", "bob", "cy"],
        "use_case": ["Drafting", "search", "search"],
        "interactions": [2, 3, 1],
        "minutes_saved": [1.5, 2.0, 0.0],
        "cost": [0.25, 0.001, 0.0],
    })
    report = ingest(_parquet(frame), "usage.parquet")
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert (report.source_format, report.dataset) == ("parquet", "usage")
    assert problems(report) == [(3, "occurred_at", "is empty; a value is required")]
    assert report.notes == ["Parquet rows are numbered from 1 in the messages below.",
                            "Detected as usage (usage: 97% (3 of 3 required, 4 of 5 optional columns))."]
    assert rows("usage", "event_id, occurred_at, user_id, use_case, interactions, output_action, minutes_saved, "
                         "cost") == [
        ("e1", dt.datetime(2026, 3, 1, 10, 30, 15), "ann@corp.com", "drafting", 2, None, 1.5, 0.25),
        ("e2", dt.datetime(2026, 3, 2, 8, 0), "bob", "search", 3, None, 2.0, 0.001),
    ]


def test_a_parquet_timestamp_with_a_zone_is_stored_in_utc(ingest: Ingest, rows: Rows) -> None:
    frame = pl.DataFrame({
        "response_id": ["r1", "r2"],
        "submitted_at": [dt.datetime(2026, 3, 1, 10, 0), dt.datetime(2026, 7, 1, 10, 0)],
        "satisfaction": [4, 5],
    }).with_columns(pl.col("submitted_at").dt.replace_time_zone("Europe/Paris"))
    report = ingest(_parquet(frame), "feedback.parquet")
    assert counts(report) == expect(rows_read=2, accepted=2, inserted=2)
    assert rows("feedback", "response_id, submitted_at") == [("r1", dt.datetime(2026, 3, 1, 9, 0)),
                                                             ("r2", dt.datetime(2026, 7, 1, 8, 0))]


def test_a_valid_xlsx_workbook_is_ingested_with_sheet_row_numbers(ingest: Ingest, rows: Rows) -> None:
    report = ingest(_xlsx(ROSTER_FRAME), "roster.xlsx")
    # Sheet row 1 is the header; the empty row 4 is a blank row; row 3 has a month 13.
    assert counts(report) == expect(rows_read=4, accepted=2, inserted=2, rejected=1, blank_lines=1)
    assert (report.source_format, report.dataset) == ("xlsx", "roster")
    assert problems(report) == [(3, "access_granted_on", "'2026-13-01' is not a real date")]
    assert report.notes == ["Read from the first sheet; row numbers are the sheet's rows.", DETECTED_ROSTER_3]
    assert rows("roster", "user_id, department, access_granted_on") == [
        ("ann@corp.com", "legal", dt.date(2026, 3, 1)), ("dee", "sales", dt.date(2026, 3, 4))]


def test_xlsx_typed_cells_are_read_as_their_values(ingest: Ingest, rows: Rows) -> None:
    frame = pl.DataFrame({
        "event_id": ["007", "e2"],
        "occurred_at": [dt.datetime(2026, 3, 1, 10, 30, 15), dt.datetime(2026, 3, 2, 8, 0)],
        "user_id": ["ann", "bob"],
        "use_case": ["drafting", "search"],
        "interactions": [2, 0],
        "minutes_saved": [1.5, 2.0],
    })
    report = ingest(_xlsx(frame), "usage.xlsx")
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert problems(report) == [(3, "interactions", "0 is below the minimum of 1")]
    assert rows("usage", "event_id, occurred_at, user_id, interactions, minutes_saved") == [
        ("007", dt.datetime(2026, 3, 1, 10, 30, 15), "ann", 2, 1.5)]


# --- JSON and NDJSON -------------------------------------------------------------------------

JSON_BUG = ("BUG loaders/read.py _read_json: the CASE mixing `j -> ?` (JSON) with `j ->> ?` (text) casts every "
            "text value back to JSON and fails, and `json_valid(j) and json_type(j)` / `case when ok` do not "
            "short-circuit, so a malformed NDJSON line fails the whole file with a raw DuckDB error")


def test_ndjson_with_a_malformed_line_and_a_blank_line(ingest: Ingest, rows: Rows, stored_rejects: Rows) -> None:
    content = ('{"user_id": "Ann", "department": "Legal", "access_granted_on": "2026-03-01", "role": "a, b"}\n'  # 1
               '{"user_id": "bob", "department":\n'                                                           # 2
               "\n"                                                                                           # 3
               '{"user_id": "cy", "department": "hr", "access_granted_on": "2026-03-02", "role": null}\n'     # 4
               "[1, 2]\n"                                                                                     # 5
               '{"user_id": "dee", "department": "hr", "access_granted_on": "2026-02-30"}\n')                 # 6
    report = ingest(content, "roster.ndjson")
    assert counts(report) == expect(rows_read=5, accepted=2, inserted=2, rejected=3, blank_lines=1)
    assert report.source_format == "ndjson"
    assert problems(report) == [(2, None, "not a valid JSON object"), (5, None, "not a valid JSON object"),
                                (6, "access_granted_on", "'2026-02-30' is not a real date")]
    assert stored_rejects(report.ingestion_id) == problems(report)
    assert rows("roster", "user_id, department, access_granted_on, role") == [
        ("ann", "legal", dt.date(2026, 3, 1), "a, b"), ("cy", "hr", dt.date(2026, 3, 2), None)]


def test_a_json_array_of_objects_with_numbers_and_nulls(ingest: Ingest, rows: Rows) -> None:
    content = ('[{"event_id": "e1", "occurred_at": "2026-03-01T10:00:00+01:00", "user_id": "Ann", '
               '"use_case": "drafting", "interactions": 2, "minutes_saved": 1.5, "cost": null},\n'
               ' {"event_id": "e2", "occurred_at": "2026-03-01", "user_id": "bob", "use_case": "search", '
               '"interactions": 0},\n'
               ' {"event_id": "e3", "occurred_at": "2026-03-02", "user_id": "cy", "use_case": "search", '
               '"cost": "0.5"}]')
    report = ingest(content, "usage.json")
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert report.source_format == "json"
    assert problems(report) == [(2, "interactions", "0 is below the minimum of 1")]
    assert rows("usage", "event_id, occurred_at, user_id, use_case, interactions, minutes_saved, cost") == [
        ("e1", dt.datetime(2026, 3, 1, 9, 0), "ann", "drafting", 2, 1.5, None),
        ("e3", dt.datetime(2026, 3, 2, 0, 0), "cy", "search", 1, None, 0.5),
    ]


def test_a_corrupt_parquet_with_valid_magic_bytes_is_refused_without_leaking_the_server_path(refuse: Refuse) -> None:
    content = _parquet(ROSTER_FRAME)
    assert refuse(content[:-8] + b"XXXXPAR1", "r.parquet") == (
        "r.parquet: the Parquet file could not be read (Footer length error in file 'r.parquet'); it may be "
        "corrupt or incomplete — export it again.")


def test_json_without_objects_is_refused(refuse: Refuse) -> None:
    assert refuse("[1, 2, 3]", "r.json") == (
        "r.json: no JSON records with fields were found; Rollgate reads a JSON array of objects or one object "
        "per line (NDJSON).")


def test_a_truncated_json_array_is_refused_without_leaking_the_server_path(refuse: Refuse) -> None:
    assert refuse('[{"user_id": "a",', "r.json") == (
        'r.json: the JSON could not be read (Malformed JSON in file "r.json", at byte 17 in record/value 2: '
        "unexpected end of data.); export it again.")


# --- peek: the first rows as written, for the Upload page ------------------------------------------

@pytest.mark.parametrize(("name", "content", "rows", "headers", "first"), [
    pytest.param("r.csv", "user_id;department\nann;Légal\nbob\ncy;HR\ndee;Sales\n".encode("cp1252"), 2,
                 ["user_id", "department"], [["ann", "Légal"], ["cy", "HR"]], id="csv-cp1252-ragged-row-left-out"),
    pytest.param("r.csv", ("user_id,note\r\nann,\"two\nlines\"\r\nbob,\r\n").encode("utf-16"), 5,
                 ["user_id", "note"], [["ann", "two\nlines"], ["bob", None]], id="csv-utf16"),
    pytest.param("r.ndjson", '{"user_id": "ann", "n": 2}\n{"user_id": "bob", "extra": {"k": [1]}}\n', 5,
                 ["user_id", "n", "extra"], [["ann", "2", None]], id="ndjson-nested-record-left-out"),
    pytest.param("r.xlsx", _xlsx(ROSTER_FRAME), 2, ["user_id", "department", "access_granted_on"],
                 [["Ann@Corp.com", "Legal", "2026-03-01"], ["bob", " HR ", "2026-13-01"]], id="xlsx"),
    pytest.param("r.parquet", _parquet(pl.DataFrame({"user_id": ["ann"], "n": [3]})), 5, ["user_id", "n"],
                 [["ann", "3"]], id="parquet"),
])
def test_peek_gives_the_headers_and_first_rows_as_text_and_leaves_nothing_behind(
        con: duckdb.DuckDBPyConnection, tmp_path: Path, name: str, content: bytes | str, rows: int,
        headers: list[str], first: list[list[str | None]]) -> None:
    before = con.execute("select count(*) from duckdb_tables() where temporary").fetchall()
    assert peek(con, write_file(tmp_path, name, content), name, rows=rows) == (headers, first)
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall() == before
    assert copies_beside(tmp_path / "rollgate.duckdb") == []


def test_peek_refuses_an_unreadable_file_as_the_ingest_does(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(InputError) as refused:
        peek(con, write_file(tmp_path, "r.csv", 'user_id,note\nann,"open\n'), "r.csv")
    assert str(refused.value) == ("r.csv: line 2: a quoted value is never closed (the file ends inside quotes); fix "
                                  "the quotes on that line or export the file again.")
    # bytes that are neither UTF-8 nor Windows-1252 (0x81 is undefined there)
    with pytest.raises(InputError) as refused:
        peek(con, write_file(tmp_path, "r2.csv", b"user_id,note\nann,\x81\n"), "r2.csv")
    assert str(refused.value) == ("r2.csv: the file is neither UTF-8 nor Windows-1252 text (byte 18 cannot be "
                                  "read); save it as CSV UTF-8 and upload that.")


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_plainly(refuse: Refuse) -> None:
    # 0x81 has no character in Windows-1252 either.
    assert refuse(b"user_id,department,access_granted_on\nann,leg\x81al,2026-03-01\n") == (
        "upload.csv: the file is neither UTF-8 nor Windows-1252 text (byte 45 cannot be read); save it as CSV "
        "UTF-8 and upload that.")


def test_no_temporary_copy_is_left_behind_when_a_transcoded_file_is_refused(refuse: Refuse, tmp_path: Path) -> None:
    # Windows-1252 text (so a UTF-8 copy is made beside the database) with a quote never closed: refused after
    # the copy.
    refuse(b"user_id,department,access_granted_on,role\nann,caf\xe9,2026-03-01,\"never closed\n")
    assert (tmp_path / "rollgate.duckdb.tmp").is_dir()
    assert copies_beside(tmp_path / "rollgate.duckdb") == []


# --- the trimming shortcut: cells are trimmed unless the scan proves none needs it ----------------

@pytest.mark.parametrize(("data", "padded"), [
    pytest.param(b"x,y\nz,w\n", False, id="clean"),
    pytest.param(b"x y,z\nw,v\n", False, id="inner-space"),
    pytest.param(b"x,y\r\nz,w\r\n", False, id="crlf"),
    pytest.param(b"x ,y\n", True, id="space-before-delimiter"),
    pytest.param(b"x, y\n", True, id="space-after-delimiter"),
    pytest.param(b"x;y \n", True, id="space-before-newline"),
    pytest.param(b"x|y \r\n", True, id="space-before-crlf"),
    pytest.param(b"x,y\n z,w\n", True, id="space-starting-a-line"),
    pytest.param(b"x,y\n  \n", True, id="line-of-spaces"),
    pytest.param(b"x,y\nz\tw,v\n", True, id="any-tab"),
    pytest.param(b"x,y\nz\rw,v\n", True, id="stray-cr"),
    pytest.param(b'x,""\n', True, id="quoted"),
    pytest.param(b"x,y \n", True, id="whitespace-last-byte"),
])
def test_the_scan_says_whether_any_cell_may_need_trimming(tmp_path: Path, data: bytes, padded: bool) -> None:
    path = write_file(tmp_path, "f.csv", b"a , b\n" + data)  # the header's own spaces never count
    assert scan_file(path).padded is padded


def test_a_clean_file_and_its_padded_twin_store_the_same_rows(ingest: Ingest, rows: Rows) -> None:
    clean = "ticket_id,opened_at,category\nT-1,2026-03-01T10:00:00+02:00,How_To\nT-2,2026-03-02,oops\n"
    first = ingest(clean)
    stored = rows("support", "ticket_id, opened_at, category")
    padded = clean.replace(",How_To", ", How_To ").replace("T-2,", " T-2 ,")
    second = ingest(padded, "padded.csv")
    assert counts(first) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert counts(second) == expect(rows_read=2, accepted=1, unchanged=1, rejected=1)
    assert problems(first) == problems(second) == [
        (3, "category", "'oops' is not one of how_to, allowed_use, data_rules, review, access, output_quality, "
                        "bug, other")]
    assert rows("support", "ticket_id, opened_at, category") == stored == [
        ("T-1", dt.datetime(2026, 3, 1, 8), "how_to")]


@pytest.mark.parametrize("data", [
    pytest.param(b"x,y\nz,w \n", id="space-before-newline"),
    pytest.param(b"x,y\nz, w\n", id="space-after-delimiter"),
    pytest.param(b"x,y\n z,w\n", id="space-starting-a-line"),
    pytest.param(b"x,y\r\nz,w \r\n", id="space-before-crlf"),
    pytest.param(b"x,y\nz,w ", id="space-at-the-end-without-newline"),
    pytest.param(b"x;y\nz;\tw\n", id="tab"),
    pytest.param(b"x|y\nz|w\r|v\n", id="stray-cr"),
])
def test_a_cell_that_needs_trimming_is_found_wherever_the_chunks_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    path = write_file(tmp_path, "f.csv", b"a,b\n" + data)
    for chunk in range(1, len(data) + 5):
        monkeypatch.setattr(scan, "CHUNK", chunk)
        assert scan_file(path).padded, chunk


def test_a_clean_file_is_clean_in_any_chunks_that_hold_its_header(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_file(tmp_path, "f.csv", b"a , b\nx-y,z\n\nw,v")  # no newline at the end
    for chunk in range(1, 20):
        monkeypatch.setattr(scan, "CHUNK", chunk)
        assert scan_file(path).padded is (chunk < 6), chunk  # a header longer than a chunk: trimmed


def test_padded_cells_past_the_first_chunk_are_trimmed(
        ingest: Ingest, rows: Rows, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "CHUNK", 64)
    clean = "".join(f"u{i},legal,2026-03-01,member\r\n" for i in range(10))
    padded = "ann ,legal, 2026-03-02,admin\r\nbob,legal ,2026-03-03,admin"  # past the first chunk, no end newline
    report = ingest(ROSTER.replace("\n", "\r\n") + clean + padded)
    assert counts(report) == expect(rows_read=12, accepted=12, inserted=12)
    assert rows("roster", ROSTER_COLS, "user_id")[:2] == [
        ("ann", "legal", dt.date(2026, 3, 2), "admin"), ("bob", "legal", dt.date(2026, 3, 3), "admin")]


# --- the hash and the scan in one go -----------------------------------------------------------------

def _usage_csv(tmp_path: Path, name: str = "usage.csv", rows: int = 2000) -> Path:
    lines = ["occurred_at,user_id,use_case"] + [f"2026-03-01T10:00:00Z,u{i},drafting" for i in range(rows)]
    return write_file(tmp_path, name, "\n".join(lines) + "\n\n")


def _scans_of(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The scans loaders.read makes from now on, in order: "hashing" for one made as the file is hashed, else
    the name of the file scanned."""
    scanned: list[str] = []

    def scan_chunks(chunks: Iterable[bytes], positions: bool = False) -> scan.Scan:
        scanned.append("hashing")
        return scan.scan_chunks(chunks, positions)

    def scan_file(path: Path, positions: bool = False) -> scan.Scan:
        scanned.append(path.name)
        return scan.scan_file(path, positions)

    monkeypatch.setattr(read, "scan_chunks", scan_chunks)
    monkeypatch.setattr(read, "scan_file", scan_file)
    return scanned


@pytest.mark.parametrize(("content", "found"), [
    pytest.param(None, (2001, 1, False, False, False, 0), id="ascii"),
    pytest.param("a,b\nzoë,y\n".encode() + b"caf\xe9,z\n", (2, 0, False, True, True, 1), id="utf8-with-a-stray-byte"),
])
def test_a_csv_is_scanned_as_it_is_hashed_and_read_without_a_second_scan(
        con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None,
        found: tuple[object, ...]) -> None:
    path = _usage_csv(tmp_path) if content is None else write_file(tmp_path, "usage.csv", content)
    scanned = _scans_of(monkeypatch)
    assert read.file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    raw = read_file(con, path, "usage.csv", sha256="given")
    assert scanned == ["hashing"]
    assert raw.scan == scan_file(path)
    assert (raw.scan.records, raw.scan.blank, raw.scan.padded, raw.scan.non_ascii, raw.scan.multibyte,
            raw.scan.invalid) == found


@pytest.mark.parametrize("change", ["rewritten", "rewritten-keeping-size-and-mtime", "replaced"])
def test_a_file_changed_after_it_was_hashed_is_scanned_again(
        con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    path = _usage_csv(tmp_path)
    read.file_sha256(path)
    before = os.stat(path)
    if change == "rewritten":
        path.write_text("occurred_at,user_id\n2026-03-01,u1\n", encoding="utf-8")
    elif change == "rewritten-keeping-size-and-mtime":  # `cp -p`, `rsync -t` or an unzip put the old time back
        path.write_bytes(path.read_bytes().replace(b"u1,", b"u2,", 1))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert os.stat(path).st_size == before.st_size
    else:
        other = _usage_csv(tmp_path, "other.csv")
        other.replace(path)
    scanned = _scans_of(monkeypatch)
    raw = read_file(con, path, "usage.csv", sha256="given")
    assert scanned == ["usage.csv"]
    assert raw.scan == scan_file(path)


@pytest.mark.parametrize(("name", "content"), [
    pytest.param("usage.parquet", _parquet(pl.DataFrame({"user_id": ["u1"]})), id="parquet"),
    pytest.param("usage.json", b'[{"user_id": "u1"}]', id="json"),
    pytest.param("usage.csv", gzip.compress(b"user_id,department\nu1,legal\n"), id="gzip"),
    pytest.param("usage.csv", "user_id,department\nu1,legal\n".encode("utf-16"), id="utf-16"),
    pytest.param("usage.csv", b"", id="empty"),
])
def test_a_file_the_reader_does_not_scan_as_it_is_is_only_hashed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes) -> None:
    path = write_file(tmp_path, name, content)
    scanned = _scans_of(monkeypatch)
    assert read.file_sha256(path) == hashlib.sha256(content).hexdigest()
    assert scanned == []


def test_a_file_changed_while_it_is_hashed_is_scanned_again(
        con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _usage_csv(tmp_path)

    def scan_then_append(chunks: Iterable[bytes], positions: bool = False) -> scan.Scan:
        found = scan.scan_chunks(chunks, positions)
        with path.open("a", encoding="utf-8") as f:
            f.write("2026-03-02T10:00:00Z,u9,drafting\n")
        return found

    monkeypatch.setattr(read, "scan_chunks", scan_then_append)
    read.file_sha256(path)
    scanned = _scans_of(monkeypatch)
    raw = read_file(con, path, "usage.csv", sha256="given")
    assert scanned == ["usage.csv"]
    assert raw.scan == scan_file(path) and raw.scan.records == 2002
