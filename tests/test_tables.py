"""Reading workbooks and JSON (loaders.tables): the sheet read and the sheets not read, Excel error cells
kept as their codes, and JSON records that are not flat — nested values, a key written twice, wrapped
lists (DESIGN.md §2 "Plausible values", "Encoding and shape").

Workbooks are written in each test with xlsxwriter (an error cell is a formula with its saved result, as
Excel stores it); JSON is written as text. The exact reasons, notes and refusals are asserted.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from conftest import Ingest, Refuse, Rows, counts, expect, problems, write_file

from core.errors import InputError
from loaders.ingest import IngestOptions
from loaders.read import read_file
from loaders.tables import excel_error_text, peek_sheet, read_json, read_xlsx, sheet_names

ROSTER_HEADER = ["user_id", "department", "access_granted_on"]
SHEETS_NOT_READ = "Read sheet 'Usage'; not read: 'Summary', 'Notes'."
ROWS_NOTE = "Row numbers are the sheet's rows."
CODES = ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]


@dataclass(frozen=True)
class Error:
    """A cell whose formula failed: Excel saves the formula with the error as its result."""

    code: str


Cell = str | float | Error | None
Sheets = dict[str, Sequence[Sequence[Cell]]]


def workbook(sheets: Sheets, first_row: dict[str, int] | None = None) -> bytes:
    """An .xlsx with these sheets in this order; each sheet's rows start at its `first_row` (0 = row 1)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows, start=(first_row or {}).get(name, 0)):
            for c, value in enumerate(row):
                if isinstance(value, Error):
                    sheet.write_formula(r, c, "=1/0", None, value.code)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return buf.getvalue()


def usage_rows() -> list[list[Cell]]:
    return [["occurred_at", "user_id", "use_case"], ["2026-03-02", "Ann", "drafting"], ["2026-03-03", "bob", "search"]]


THREE_SHEETS: Sheets = {"Usage": usage_rows(), "Summary": [["user", "events"], ["ann", 1.0]],
                        "Notes": [["written by hand"]]}


# --- XLSX: which sheet is read -------------------------------------------------------------------

def test_the_first_sheet_is_read_and_the_report_names_the_sheets_not_read(ingest: Ingest, rows: Rows) -> None:
    report = ingest(workbook(THREE_SHEETS), "usage.xlsx")
    assert (report.status, report.dataset, report.source_format) == ("stored", "usage", "xlsx")
    assert counts(report) == expect(rows_read=2, accepted=2, inserted=2)
    assert report.notes[:2] == [SHEETS_NOT_READ, ROWS_NOTE]
    assert rows("usage", "user_id, use_case") == [("ann", "drafting"), ("bob", "search")]


@pytest.mark.parametrize("asked", ["Roster", "roster", " ROSTER "])
def test_a_chosen_sheet_is_read_with_its_own_row_numbers(ingest: Ingest, rows: Rows, asked: str) -> None:
    # The roster's header sits on row 3 of its sheet, under two blank rows; row 5 has a month 13.
    sheets: Sheets = {"Usage": usage_rows(), "Roster": [ROSTER_HEADER, ["ann", "legal", "2026-03-01"],
                                                ["bob", "hr", "2026-13-01"], ["cy", "hr", "2026-03-04"]]}
    report = ingest(workbook(sheets, first_row={"Roster": 2}), "staff.xlsx", IngestOptions(sheet=asked))
    assert report.dataset == "roster"
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(5, "access_granted_on", "'2026-13-01' is not a real date")]
    assert report.notes[:2] == ["Read sheet 'Roster'; not read: 'Usage'.", ROWS_NOTE]
    assert rows("roster", "user_id, access_granted_on") == [("ann", dt.date(2026, 3, 1)), ("cy", dt.date(2026, 3, 4))]


def test_a_chosen_sheet_is_read_when_the_dataset_is_chosen_too(ingest: Ingest, rows: Rows) -> None:
    sheets: Sheets = {"Usage": usage_rows(), "Staff": [["login", "team", "since"], ["ann", "legal", "2026-03-01"]]}
    options = IngestOptions(sheet="Staff", dataset="roster",
                            column_map={"login": "user_id", "team": "department", "since": "access_granted_on"})
    report = ingest(workbook(sheets), "staff.xlsx", options)
    assert (report.dataset, report.notes[0]) == ("roster", "Read sheet 'Staff'; not read: 'Usage'.")
    assert rows("roster", "user_id, department") == [("ann", "legal")]


def test_a_workbook_of_one_sheet_says_it_read_the_first(ingest: Ingest) -> None:
    report = ingest(workbook({"Sheet1": usage_rows()}), "usage.xlsx", IngestOptions(sheet="Sheet1"))
    assert report.notes[0] == "Read from the first sheet; row numbers are the sheet's rows."


def test_an_unknown_sheet_is_refused_listing_the_sheets_there_are(refuse: Refuse) -> None:
    assert refuse(workbook(THREE_SHEETS), "usage.xlsx", IngestOptions(sheet="March")) == (
        "usage.xlsx: the workbook has no sheet 'March'; its sheets are 'Usage', 'Summary', 'Notes'. Choose one of "
        "those.")


@pytest.mark.parametrize(("sheets", "sheet", "message"), [
    pytest.param({**THREE_SHEETS, "Notes": []}, "Notes ",
                 "u.xlsx: sheet 'Notes' is empty; choose the sheet that holds the export (the workbook has 'Usage', "
                 "'Summary', 'Notes').", id="chosen"),
    pytest.param({"Cover": [], "Usage": usage_rows()}, None,
                 "u.xlsx: the first sheet, 'Cover', is empty; choose the sheet that holds the export (the workbook "
                 "has 'Cover', 'Usage').", id="first-of-several"),
    pytest.param({"Sheet1": []}, None, "u.xlsx: the first sheet is empty; put the header in row 1 of the first "
                                       "sheet.", id="only"),
])
def test_an_empty_sheet_is_refused_naming_it(refuse: Refuse, sheets: Sheets,
                                             sheet: str | None, message: str) -> None:
    assert refuse(workbook(sheets), "u.xlsx", IngestOptions(sheet=sheet)) == message


def test_sheet_names_and_the_first_rows_of_a_chosen_sheet(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_file(tmp_path, "u.xlsx", workbook(THREE_SHEETS))
    assert sheet_names(path, "u.xlsx") == ["Usage", "Summary", "Notes"]
    before = con.execute("select count(*) from duckdb_tables() where temporary").fetchall()
    assert peek_sheet(con, path, "u.xlsx", "Summary", rows=5) == (["user", "events"], [["ann", "1"]])
    assert peek_sheet(con, path, "u.xlsx", None, rows=1) == (["occurred_at", "user_id", "use_case"],
                                                              [["2026-03-02", "Ann", "drafting"]])
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall() == before


def test_read_file_passes_the_sheet_to_the_workbook_reader(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    raw = read_file(con, write_file(tmp_path, "u.xlsx", workbook(THREE_SHEETS)), "u.xlsx", sheet="Summary")
    assert (raw.format, raw.headers, raw.notes[0]) == ("xlsx", ["user", "events"],
                                                       "Read sheet 'Summary'; not read: 'Usage', 'Notes'.")


def test_a_file_that_is_not_a_workbook_is_refused_when_its_sheets_are_asked(tmp_path: Path) -> None:
    path = write_file(tmp_path, "u.xlsx", workbook(THREE_SHEETS)[:300])
    with pytest.raises(InputError) as refused:
        sheet_names(path, "u.xlsx")
    assert str(refused.value) == ("u.xlsx: the workbook could not be read (calamine error: Xlsx error: Zip error: "
                                  "invalid Zip archive: Could not find EOCD); save it again as .xlsx or export CSV.")


# --- XLSX: Excel error cells ---------------------------------------------------------------------

def test_excel_error_cells_reach_validation_as_their_codes(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # Column B holds each error as a failed formula; column C the same codes typed as text; row 9 is plain.
    grid: list[list[Cell]] = [["user_id", "cost", "note"]]
    grid += [[f"u{i}", Error(code), code] for i, code in enumerate(CODES)]
    grid += [["u7", 2.5, None], ["u8", None, Error("#REF!")]]
    raw = read_xlsx(con, write_file(tmp_path, "e.xlsx", workbook({"Usage": grid})), "e.xlsx", "sha")
    assert raw.headers == ["user_id", "cost", "note"]
    assert con.execute(f"select * from {raw.relation}").fetchall() == [
        *[(f"u{i}", code, code) for i, code in enumerate(CODES)], ("u7", "2.5", None), ("u8", None, "#REF!")]
    assert raw.lines is not None and list(raw.lines) == list(range(2, 11))


def test_an_error_cell_below_blank_rows_keeps_its_sheet_row(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    grid: list[list[Cell]] = [["user_id", "cost"], ["ann", 1.0], ["bob", Error("#N/A")]]
    path = write_file(tmp_path, "e.xlsx", workbook({"Usage": grid}, first_row={"Usage": 3}))
    raw = read_xlsx(con, path, "e.xlsx", "sha")
    assert con.execute(f"select * from {raw.relation}").fetchall() == [("ann", "1"), ("bob", "#N/A")]
    assert raw.lines is not None and list(raw.lines) == [5, 6]


@pytest.mark.parametrize(("detail", "text"), [
    ("Expected string but got 'Error(Div0)'", "#DIV/0!"),
    ("Expected string but got 'Error(NA)'", "#N/A"),
    ("Expected string but got 'Error(Value)'", "#VALUE!"),
    ("Expected string but got 'Error(Ref)'", "#REF!"),
    ("Expected string but got 'Error(Name)'", "#NAME?"),
    ("Expected string but got 'Error(Num)'", "#NUM!"),
    ("Expected string but got 'Error(Null)'", "#NULL!"),
    ("Expected string but got 'Error(GettingData)'", "#GETTING_DATA"),
    ("Expected string but got 'Error(Spill)'", None),
    ("Expected string but got 'Float(1.0)'", None),
])
def test_fastexcels_note_on_an_error_cell_gives_the_code_excel_shows(detail: str, text: str | None) -> None:
    assert excel_error_text(detail) == text


def test_an_error_value_the_reader_does_not_know_refuses_the_sheet_naming_it(refuse: Refuse) -> None:
    # Newer Excel errors (#SPILL!, #CALC!) stop calamine from reading the sheet at all.
    content = workbook({"Usage": [["user_id", "cost"], ["ann", Error("#N/A")]]})
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>#N/A</v>", b"<v>#SPILL!</v>")
            target.writestr(item, data)
    assert refuse(out.getvalue(), "u.xlsx") == (
        "u.xlsx: sheet 'Usage' has a cell showing the Excel error #SPILL!, which Rollgate cannot read; correct that "
        "formula, or paste the sheet as values, and save the workbook again.")


# --- JSON: records that are not flat --------------------------------------------------------------

ANN = '"user_id": "ann", "department": "legal", "access_granted_on": "2026-03-01"'
BOB = '"user_id": "bob", "department": "hr", "access_granted_on": "2026-03-02"'


def test_ndjson_records_with_a_nested_value_or_a_repeated_key_are_rejected(ingest: Ingest, rows: Rows,
                                                                           stored_rejects: Rows) -> None:
    content = (f"{{{ANN}}}\n"                                                            # 1
               f'{{{BOB}, "user_id": "eve"}}\n'                                          # 2
               "\n"                                                                      # 3
               f'{{"user_id": "cy", "department": {{"name": "hr"}}, "access_granted_on": "2026-03-03"}}\n'  # 4
               f'{{{BOB}, "role": ["a"], "tags": {{}}}}\n'                               # 5
               f'{{{BOB}, "user_id": "x", "user_id": "y", "role": [1]}}\n'               # 6
               '{"user_id": "dee", "department": "hr", "access_granted_on": "2026-03-05", "role": null}\n')  # 7
    report = ingest(content, "roster.ndjson")
    assert counts(report) == expect(rows_read=6, accepted=2, inserted=2, rejected=4, blank_lines=1)
    assert problems(report) == [(2, None, "the key 'user_id' appears twice in this record"),
                                (4, None, "nested value in column department"),
                                (5, None, "nested values in columns role, tags"),
                                (6, None, "the key 'user_id' appears 3 times in this record")]
    assert stored_rejects(report.ingestion_id) == problems(report)
    assert rows("roster", "user_id, role") == [("ann", None), ("dee", None)]


def test_json_array_records_that_are_not_flat_are_rejected_by_their_number(ingest: Ingest, rows: Rows) -> None:
    content = f'[{{{ANN}}}, {{{BOB}, "department": "it"}}, {{{BOB}, "role": {{"a": 1}}}}, 7, {{{BOB}}}]'
    report = ingest(content, "roster.json")
    assert report.notes[0] == "Records of the JSON array are numbered from 1."
    assert problems(report) == [(2, None, "the key 'department' appears twice in this record"),
                                (3, None, "nested value in column role"), (4, None, "not a valid JSON object")]
    assert rows("roster", "user_id, department") == [("ann", "legal"), ("bob", "hr")]


GRAPH = ('{\n  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roster",\n  "value": [\n'
         f"    {{{ANN}}},\n"
         f'    {{{BOB}, "role": {{"title": "clerk"}}}},\n'
         '    {"user_id": "cy", "department": "hr", "access_granted_on": "2026-03-03"}\n  ],\n'
         '  "@odata.nextLink": "https://graph.microsoft.com/v1.0/next?$skiptoken=2"\n}\n')


def test_a_graph_response_is_read_as_the_records_of_its_value_list(ingest: Ingest, rows: Rows) -> None:
    report = ingest(GRAPH, "roster.json")
    assert (report.dataset, report.source_format) == ("roster", "json")
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(2, None, "nested value in column role")]
    assert report.notes[:2] == [
        'Read the records of a Microsoft Graph response (its "value" list); they are numbered from 1.',
        "The response says more records follow on another page (@odata.nextLink): only this page was read. Download "
        "every page and upload each one."]
    assert rows("roster", "user_id") == [("ann",), ("cy",)]


def test_a_graph_response_on_one_line_is_read_the_same(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_file(tmp_path, "g.json", f'{{"value": [{{{ANN}}}, {{{BOB}}}], "@odata.context": "x"}}')
    raw = read_json(con, path, "g.json", "sha", "json")
    assert (raw.format, raw.headers, raw.notes) == ("json", ROSTER_HEADER, [
        'Read the records of a Microsoft Graph response (its "value" list); they are numbered from 1.'])
    assert con.execute(f"select * from {raw.relation}").fetchall() == [("ann", "legal", "2026-03-01"),
                                                                     ("bob", "hr", "2026-03-02")]
    assert raw.lines is not None and list(raw.lines) == [1, 2]


WRAPPED = ("r.json: the records are wrapped in an object, under 'records'; Rollgate reads a JSON array of objects, "
           'one object per line (NDJSON), or a Microsoft Graph response (its "value" list). Choose the import preset '
           "made for this export, or export the records as a JSON array.")


@pytest.mark.parametrize("content", [
    pytest.param(f'{{"total": 1, "records": [{{{ANN}}}]}}', id="one-line"),
    pytest.param(f'{{\n  "total": 1,\n  "records": [\n    {{{ANN}}}\n  ]\n}}\n', id="pretty"),
])
def test_another_wrapped_list_is_refused_naming_its_key(refuse: Refuse, content: str) -> None:
    assert refuse(content, "r.json") == WRAPPED


def test_a_single_record_written_over_several_lines_is_one_record(ingest: Ingest, rows: Rows) -> None:
    report = ingest('\n{\n  "user_id": "ann",\n  "department": "legal",\n  "access_granted_on": "2026-03-01"\n}\n',
                    "roster.json")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert rows("roster", "user_id, department") == [("ann", "legal")]


def test_a_truncated_json_document_is_refused_saying_where(refuse: Refuse) -> None:
    assert refuse('{\n  "value": [\n    {"user_id": "ann"', "r.json") == (
        "r.json: the JSON could not be read (Malformed JSON at byte 36 of input: unexpected end of data.); export it "
        "again.")


def test_an_ndjson_line_that_is_not_utf8_is_rejected_and_the_others_stored(ingest: Ingest, rows: Rows) -> None:
    content = (f"{{{ANN}}}\n".encode()
               + b'{"user_id": "b\xe9a", "department": "hr", "access_granted_on": "2026-03-02"}\n'
               + b"\n"
               + b'{"user_id": "cy", "department": "rd", "access_granted_on": "2026-03-03"}\n')
    report = ingest(content, "roster.ndjson")
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1, blank_lines=1)
    assert problems(report) == [
        (2, None, "byte 15 of the line is not valid UTF-8 (a character saved in another encoding)")]
    assert report.rejects[0].raw == '{"user_id": "b\ufffda", "department": "hr", "access_granted_on": "2026-03-02"}'
    assert rows("roster", "user_id") == [("ann",), ("cy",)]


def test_a_json_array_record_that_is_not_utf8_is_rejected_and_the_others_stored(ingest: Ingest, rows: Rows,
                                                                                 tmp_path: Path) -> None:
    # Two stray bytes in one record, one in another: each record is rejected at its first, counted in the file.
    content = (f"[{{{ANN}}},\n".encode()
               + b' {"user_id": "b\xe9a", "department": "h\xe9r", "access_granted_on": "2026-03-02"},\n'
               + b' {"user_id": "cy", "department": "rd", "access_granted_on": "2026-03-03"},\n'
               + b' {"user_id": "dee", "department": "\xff", "access_granted_on": "2026-03-04"}]')
    report = ingest(content, "roster.json")
    assert counts(report) == expect(rows_read=4, accepted=2, inserted=2, rejected=2)
    assert problems(report) == [
        (2, None, "byte 95 of the file is not valid UTF-8 (a character saved in another encoding)"),
        (4, None, "byte 267 of the file is not valid UTF-8 (a character saved in another encoding)")]
    assert report.rejects[0].raw == ('{"user_id": "b\ufffda", "department": "h\ufffdr", '
                                  '"access_granted_on": "2026-03-02"}')
    assert rows("roster", "user_id") == [("ann",), ("cy",)]
    assert [p.name for p in tmp_path.rglob("rollgate-tmp-*.json")] == []  # the cleaned copy is gone


def test_a_json_array_with_a_stray_byte_between_records_is_refused_whole(refuse: Refuse) -> None:
    assert refuse(f"[{{{ANN}}}, \xe9 {{{ANN}}}]".encode("latin-1"), "roster.json") == (
        "roster.json: the JSON could not be read (Malformed JSON in file \"roster.json\", at byte 1 in "
        "record/value 3: unexpected character.); export it again.")


def test_any_key_is_read_whatever_its_characters(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_file(tmp_path, "k.ndjson", '{"": 1, "a\\"b": 2, "a/b": 3, "a~b": 4, "a.b": 5, "$": 6}\n')
    before = con.execute("select count(*) from duckdb_tables() where temporary").fetchone()
    raw = read_json(con, path, "k.ndjson", "sha", "ndjson")
    assert raw.headers == ["", 'a"b', "a/b", "a~b", "a.b", "$"]
    assert con.execute(f"select * from {raw.relation}").fetchall() == [("1", "2", "3", "4", "5", "6")]
    # Only the table of rows is left, for the ingest to drop.
    assert before is not None and con.execute("select count(*) from duckdb_tables() where temporary").fetchone() == (
        before[0] + 1,)
