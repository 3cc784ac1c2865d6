"""Reading the exports presets work on: JSON shapes and the line where each record starts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import write_file

from core.errors import InputError
from loaders.presets.source import flatten, object_starts, probe_keys, read_json


def test_object_starts_skips_braces_inside_strings_and_escaped_quotes() -> None:
    text = '[\n {"a": "}{ \\" {"},\n {"b": {"c": 1}},\n\n {"d": "\\\\"}\n]'
    starts = object_starts(text.encode(), 1)
    assert [text[i] for i in starts] == ["{", "{", "{"]
    assert [text.count("\n", 0, i) + 1 for i in starts] == [2, 3, 5]
    assert [text.count("\n", 0, i) + 1 for i in object_starts(text.encode(), 2)] == [3]


@pytest.mark.parametrize(("content", "form", "keys"), [
    pytest.param('{"day": "2026-04-01", "user_login": "a"}\n{"day": "x"}\n', "ndjson", ["day", "user_login"],
                 id="ndjson"),
    pytest.param('[\n  {"day": "2026-04-01", "user_login": "a"}\n]', "json", ["day", "user_login"], id="array"),
    pytest.param('{\n "organization_id": "1",\n "day_totals": [{"day": "2026-04-01", "totals_by_feature": []}]\n}',
                 "json", ["organization_id", "day_totals", "day", "totals_by_feature"], id="wrapped"),
    pytest.param('{"@odata.context": "c",\n "value": [{"reportRefreshDate": "2026-03-31", "userPrincipalName": "a"}],'
                 ' "@odata.nextLink": "n"}', "json",
                 ["@odata.context", "value", "@odata.nextLink", "reportRefreshDate", "userPrincipalName"],
                 id="graph-page"),
    pytest.param("[]", "json", [], id="empty-array"),
    pytest.param("{broken", "json", [], id="broken"),
])
def test_probe_reads_the_first_records_keys(tmp_path: Path, content: str, form: str, keys: list[str]) -> None:
    assert probe_keys(write_file(tmp_path, "x.json", content), "x.json") == (form, keys)


def test_ndjson_with_bom_crlf_and_a_blank_line_keeps_line_numbers(con: duckdb.DuckDBPyConnection,
                                                                  tmp_path: Path) -> None:
    content = b'\xef\xbb\xbf{"day": "a"}\r\n\r\n{"day": "b"}\r\n[1]\r\n'
    source = read_json(con, write_file(tmp_path, "x.ndjson", content), "x.ndjson")
    assert source.format == "ndjson" and source.blank_lines == 1
    assert source.lines.tolist() == [1, 3]
    assert source.structural == [(4, "not a valid JSON object")]
    assert [json.loads(r[0]) for r in con.execute(f"select j from {source.table} order by pos").fetchall()] == [
        {"day": "a"}, {"day": "b"}]


def test_records_wrapped_in_an_array_of_reports_are_unwrapped_with_their_lines(con: duckdb.DuckDBPyConnection,
                                                                                tmp_path: Path) -> None:
    doc = [{"organization_id": "1", "day_totals": [{"day": "d1"}, {"day": "d2"}]},
           {"organization_id": "2", "day_totals": [{"day": "d3"}]}]
    text = json.dumps(doc, indent=1)
    source = read_json(con, write_file(tmp_path, "org.json", text), "org.json")
    lines = text.splitlines()
    expected = [i + 1 for i, t in enumerate(lines) if t.strip() == "{" and '"day"' in lines[i + 1]]
    assert source.lines.tolist() == expected and len(expected) == 3
    assert con.execute(f"select j ->> 'day', w ->> 'organization_id' from {source.table} order by pos").fetchall() == [
        ("d1", "1"), ("d2", "1"), ("d3", "2")]
    assert np.array_equal(source.lines, np.sort(source.lines))


def test_a_json_document_that_does_not_parse_is_refused_with_its_line(con: duckdb.DuckDBPyConnection,
                                                                      tmp_path: Path) -> None:
    with pytest.raises(InputError) as refused:
        read_json(con, write_file(tmp_path, "x.json", '[\n {"a": 1},\n {"a": }\n]'), "x.json")
    assert str(refused.value) == "x.json: line 3: the JSON could not be read (Expecting value); export the file again."


def test_json_that_is_not_utf8_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(InputError) as refused:
        read_json(con, write_file(tmp_path, "x.json", '[{"a": "caf\xe9"}]'.encode("cp1252")), "x.json")
    assert str(refused.value) == "x.json: JSON must be UTF-8 text, but byte 11 is not; export the file again."


def test_a_graph_page_is_unwrapped_and_flattened_to_text_columns(con: duckdb.DuckDBPyConnection,
                                                                  tmp_path: Path) -> None:
    page = {"@odata.context": "c", "value": [
        {"userPrincipalName": "a@contoso.com", "reportRefreshDate": "2026-03-31",
         "copilotActivityUserDetailsByPeriod": [{"reportPeriod": 30}]},
        {"userPrincipalName": "b@contoso.com", "wordCopilotLastActivityDate": None, "odd \"key'": 1}]}
    text = json.dumps(page, indent=1)
    source = read_json(con, write_file(tmp_path, "page.json", text), "page.json")
    assert source.headers == ["copilotActivityUserDetailsByPeriod", "reportRefreshDate", "userPrincipalName",
                              "odd \"key'", "wordCopilotLastActivityDate"]
    assert source.lines.tolist() == [4, 13]
    flat = flatten(con, source, {"period": "j -> 'copilotActivityUserDetailsByPeriod' -> 0 ->> 'reportPeriod'"})
    assert (flat.headers[-1], flat.is_json, source.is_json) == ("period", False, True)
    assert con.execute(f"select * from {flat.table} order by pos").fetchall() == [
        (0, '[{"reportPeriod":30}]', "2026-03-31", "a@contoso.com", None, None, "30"),
        (1, None, None, "b@contoso.com", "1", None, None)]
    assert flat.table in source.temp_tables
