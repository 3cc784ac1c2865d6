"""Hostile and odd files (DESIGN.md §2 "Encoding and shape"): stray bytes in UTF-8, UTF-16 without a byte-order
mark, gzip, archives and other binary files, huge headers, and the temporary copies left by a killed import.

Each test builds its file from bytes in the test and checks the exact accounting, the stored values and the
reject lines, or the one exact sentence that refuses the file. Nothing ends in a traceback or a hang.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import Ingest, Refuse, Rows, counts, expect, problems, write_file

from core.errors import InputError
from loaders import read, scratch
from loaders.read import peek, read_file
from loaders.scan import Utf8Check, scan_file

ROSTER = "user_id,department,access_granted_on,role\n"
DETECTED_ROSTER = "Detected as roster (roster: 92.5% (3 of 3 required, 1 of 2 optional columns))."
NOT_UTF8 = "is not valid UTF-8 (a character saved in another encoding)"
GZIP_NOTE = "The file is gzip-compressed; it was unpacked, and line numbers are those of the unpacked text."


def copies_beside(database: Path) -> list[str]:
    """The temporary copies in the database's scratch folder (a process's own lock file is not a copy)."""
    folder = Path(f"{database}.tmp")
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) if folder.exists() else []


# --- UTF-8 with stray bytes: the line is rejected, the file is never read as another encoding ---------------

NAMES = ["José", "Zoë", "Łukasz", "Ægir", "Renée"]


def test_a_stray_byte_in_a_large_utf8_file_rejects_only_its_line(ingest: Ingest, rows: Rows) -> None:
    lines = [f"u{i}.{NAMES[i % 5]}@corp.com,Légal,2026-03-01,rôle {i}\n" for i in range(50_000)]
    lines[31_337] = lines[31_337].replace("u31337.", "u31337.caf\udce9")  # one Windows-1252 é among UTF-8
    content = (ROSTER + "".join(lines)).encode("utf-8", "surrogateescape")
    report = ingest(content, "roster.csv")
    assert counts(report) == expect(rows_read=50_000, accepted=49_999, inserted=49_999, rejected=1)
    assert report.encoding == "UTF-8"
    assert problems(report) == [(31_339, None, f"byte 11 of the line {NOT_UTF8}")]
    assert [r.raw for r in report.rejects] == ["u31337.caf\ufffdŁukasz@corp.com,Légal,2026-03-01,rôle 31337"]
    assert report.notes == ["Line 31339 holds bytes that are not valid UTF-8; it was set aside and the rest of the "
                            "file read as UTF-8.", DETECTED_ROSTER]
    assert rows("roster", "count(*), count(distinct department), min(role), max(role)") == [
        (49_999, 1, "rôle 0", "rôle 9999")]
    by_name: dict[str, int] = dict(rows("roster group by 1",
                                        "split_part(split_part(user_id, '@', 1), '.', 2), count(*)"))
    assert by_name == {"josé": 10_000, "zoë": 10_000, "łukasz": 9_999, "ægir": 10_000, "renée": 10_000}
    assert rows("roster where user_id in ('u31336.zoë@corp.com', 'u31338.ægir@corp.com')", "user_id") == [
        ("u31336.zoë@corp.com",), ("u31338.ægir@corp.com",)]


@pytest.mark.parametrize(("body", "found", "raw"), [
    pytest.param(b"bad,hr,2026-03-01,caf\xe9\n", [(3, f"byte 22 of the line {NOT_UTF8}")],
                 ["bad,hr,2026-03-01,caf\ufffd"], id="windows-1252-byte-at-the-line-end"),
    pytest.param(b"bad,h\x80r,2026-03-01,x\n", [(3, f"byte 6 of the line {NOT_UTF8}")], ["bad,h\ufffdr,2026-03-01,x"],
                 id="lone-continuation-byte"),
    pytest.param(b"bad,hr,2026-03-01,\xe2\x82\n", [(3, f"byte 19 of the line {NOT_UTF8}")],
                 ["bad,hr,2026-03-01,\ufffd"], id="sequence-cut-short"),
    pytest.param(b"bad,\xc0\xafhr,2026-03-01,x\n", [(3, f"byte 5 of the line {NOT_UTF8}")],
                 ["bad,\ufffd\ufffdhr,2026-03-01,x"], id="overlong-slash"),
    pytest.param(b"bad,hr,2026-03-01,\xed\xa0\x80\r\n", [(3, f"byte 19 of the line {NOT_UTF8}")],
                 ["bad,hr,2026-03-01,\ufffd\ufffd\ufffd"], id="surrogate-crlf"),
    pytest.param(b'bad,hr,2026-03-01,"two\nli\xffnes"\n', [(3, f"byte 3 of line 4 {NOT_UTF8}")],
                 ['bad,hr,2026-03-01,"two\nli\ufffdnes"'], id="in-the-second-line-of-a-quoted-value"),
    pytest.param(b"bad,hr,2026-03-01,\xff\xfe\n\nbad2,hr,2026-03-01,\xe9t\xe9\n",
                 [(3, f"byte 19 of the line {NOT_UTF8}"), (5, f"byte 20 of the line {NOT_UTF8}")],
                 ["bad,hr,2026-03-01,\ufffd\ufffd", "bad2,hr,2026-03-01,\ufffdt\ufffd"], id="two-lines-and-a-blank"),
    pytest.param(b"bad,hr,2026-03-01\xe9\n", [(3, f"byte 18 of the line {NOT_UTF8}")], ["bad,hr,2026-03-01\ufffd"],
                 id="short-of-a-field-too"),
])
def test_each_line_that_is_not_utf8_is_rejected_with_where_its_first_bad_byte_is(
        ingest: Ingest, rows: Rows, stored_rejects: Rows, body: bytes, found: list[tuple[int, str]],
        raw: list[str]) -> None:
    # A valid multi-byte sequence (Zoë) makes the file UTF-8 however many stray bytes it holds.
    content = ROSTER.encode() + "zoë,legal,2026-03-01,x\n".encode() + body + b"last,hr,2026-03-02,y"
    report = ingest(content)
    assert counts(report) == expect(rows_read=2 + len(found), accepted=2, inserted=2, rejected=len(found),
                                    blank_lines=body.count(b"\n\n"))
    assert (report.encoding, problems(report)) == ("UTF-8", [(line, None, reason) for line, reason in found])
    assert [r.raw for r in report.rejects] == raw
    assert stored_rejects(report.ingestion_id) == problems(report)
    assert rows("roster", "user_id") == [("last",), ("zoë",)]


def test_a_utf8_byte_order_mark_makes_the_file_utf8_even_without_a_multibyte_character(ingest: Ingest,
                                                                                       rows: Rows) -> None:
    report = ingest(b"\xef\xbb\xbf" + ROSTER.encode() + b"ann,legal,2026-03-01,caf\xe9\nbob,hr,2026-03-02,x\n")
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert (report.encoding, problems(report)) == ("UTF-8 with BOM", [(2, None, f"byte 25 of the line {NOT_UTF8}")])
    assert rows("roster", "user_id") == [("bob",)]


def test_without_a_multibyte_character_bytes_above_0x7f_are_windows_1252(ingest: Ingest, rows: Rows) -> None:
    report = ingest(ROSTER.encode() + b"ann,l\xe9gal,2026-03-01,caf\xe9 \x80\n")
    assert (report.encoding, report.notes[0]) == (
        "Windows-1252", "The file is not UTF-8; it was read as Windows-1252 (Western European).")
    assert rows("roster", "department, role") == [("légal", "café €")]


def test_the_header_of_a_utf8_file_must_be_utf8(refuse: Refuse) -> None:
    content = b"user_id,d\xe9partement,access_granted_on\n" + "zoë,legal,2026-03-01\n".encode()
    assert refuse(content) == (
        "upload.csv: line 1 (the header): byte 10 is not valid UTF-8, so the columns cannot be named; correct the "
        "header, or save the file as CSV UTF-8, and upload it again.")


def test_peek_leaves_out_a_line_that_is_not_utf8_as_the_ingest_does(con: duckdb.DuckDBPyConnection,
                                                                     tmp_path: Path) -> None:
    content = "user_id,note\nzoë,a\n".encode() + b"bad,caf\xe9\n" + b"cy,c\n"
    assert peek(con, write_file(tmp_path, "r.csv", content), "r.csv") == (
        ["user_id", "note"], [["zoë", "a"], ["cy", "c"]])


def _python_invalid(data: bytes) -> list[int]:
    """Offsets of the bytes Python's strict UTF-8 decoder refuses."""
    bad: list[int] = []

    def note(e: UnicodeError) -> tuple[str, int]:
        assert isinstance(e, UnicodeDecodeError)
        bad.extend(range(e.start, e.end))
        return "", e.end

    codecs.register_error("rollgate_test_note", note)
    data.decode("utf-8", "rollgate_test_note")
    return bad


def test_the_scan_finds_exactly_the_bytes_pythons_strict_decoder_refuses_in_any_chunks() -> None:
    pieces = [b"a", b",", b"\n", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xe9", b"\x80", b"\xc0\x80",
              b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\xa0\x80", b"\xef\xbf\xbf", b"\xf0", b"\xe2\x82", b"\xff",
              b"\xc2", b"\xf4\x8f\xbf\xbf", b"\xe0\x9f\xbf", b"\xf0\x8f\xbf\xbf"]
    rnd = random.Random(7)
    for _ in range(400):
        data = b"".join(rnd.choice(pieces) if rnd.random() < 0.8 else bytes([rnd.randrange(256)])
                        for _ in range(rnd.randint(0, 30)))
        want = _python_invalid(data)
        multibyte = any(ord(c) > 0x7F for c in data.decode("utf-8", "ignore"))
        for chunk in (1, 2, 3, 4, 7, 64):
            check = Utf8Check(positions=True)
            buf = np.frombuffer(data, dtype=np.uint8)
            for i in range(0, len(data), chunk):
                check.feed(buf[i:i + chunk], i)
            check.finish(len(data))
            assert (check.invalid_positions().tolist(), check.invalid, check.multibyte, check.non_ascii) == (
                want, len(want), multibyte, not data.isascii()), (data, chunk)


# --- UTF-16 -------------------------------------------------------------------------------------

UTF16_TEXT = ROSTER + "ann,légal,2026-03-01,東京\nbob,hr,2026-13-01,x\n"


@pytest.mark.parametrize(("codec", "note"), [
    ("utf-16", "The file is UTF-16 (Excel's \"Unicode text\"); it was read as such."),
    ("utf-16-le", "The file is UTF-16 (little-endian, without a byte-order mark); it was read as such."),
    ("utf-16-be", "The file is UTF-16 (big-endian, without a byte-order mark); it was read as such."),
])
def test_utf16_is_read_with_or_without_a_byte_order_mark(ingest: Ingest, rows: Rows, codec: str, note: str) -> None:
    report = ingest(UTF16_TEXT.replace("\n", "\r\n").encode(codec))
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert (report.encoding, report.notes) == ("UTF-16", [note, DETECTED_ROSTER])
    assert problems(report) == [(3, "access_granted_on", "'2026-13-01' is not a real date")]
    assert rows("roster", "user_id, department, role") == [("ann", "légal", "東京")]


def test_utf16_without_a_byte_order_mark_mostly_in_another_script_is_read(ingest: Ingest, rows: Rows) -> None:
    text = ROSTER + "".join(f"山田{i},営業部門,2026-03-01,東京本社の担当者\n" for i in range(20))
    report = ingest(text.encode("utf-16-le"))
    assert counts(report) == expect(rows_read=20, accepted=20, inserted=20)
    assert rows("roster", "user_id, department", "user_id")[:2] == [("山田0", "営業部門"), ("山田1", "営業部門")]


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(ROSTER.encode("utf-16-le") + b"\x00\xd8a\x00", "upload.csv: the file looks like UTF-16 text, but "
                 "byte 85 cannot be read as UTF-16; save it as CSV UTF-8 and upload that.", id="lone-surrogate"),
    pytest.param(b"\xff\xfe" + ROSTER.encode("utf-16-le") + b"a", "upload.csv: the file looks like UTF-16 text, but "
                 "byte 87 cannot be read as UTF-16; save it as CSV UTF-8 and upload that.", id="odd-length"),
    pytest.param(b"\xff\xfe\x00\x00" + ROSTER.encode("utf-32-le"), "upload.csv: the file is UTF-32 text, which "
                 "Rollgate does not read; save it as CSV UTF-8 and upload that.", id="utf-32"),
])
def test_utf16_that_cannot_be_read_is_refused_saying_so(refuse: Refuse, content: bytes, message: str) -> None:
    assert refuse(content) == message


def test_peek_shows_utf16_without_a_byte_order_mark_as_text(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # Read as 8-bit text, every column name held NUL bytes, which the Upload page's table cannot show: its script
    # died on them and the page stayed on "Running".
    path = write_file(tmp_path, "r.csv", "user_id,note\nann,café\n".encode("utf-16-be"))
    assert peek(con, path, "r.csv") == (["user_id", "note"], [["ann", "café"]])


# --- gzip ---------------------------------------------------------------------------------------------------

GZ_CSV = ROSTER + "ann,legal,2026-03-01,x\n\nbob,hr,2026-13-01,y\n"


@pytest.mark.parametrize("name", ["roster.csv.gz", "roster.gz", "roster.csv", "roster.txt.gz"])
def test_a_gzip_csv_is_unpacked_and_its_lines_are_those_of_the_unpacked_text(
        ingest: Ingest, rows: Rows, tmp_path: Path, name: str) -> None:
    report = ingest(gzip.compress(GZ_CSV.encode()), name)
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1, blank_lines=1)
    assert (report.source_format, report.encoding, report.notes) == ("csv", "UTF-8", [GZIP_NOTE, DETECTED_ROSTER])
    assert problems(report) == [(4, "access_granted_on", "'2026-13-01' is not a real date")]
    assert rows("roster", "user_id") == [("ann",)]
    assert copies_beside(tmp_path / "rollgate.duckdb") == []


def test_a_gzip_file_of_several_members_is_read_whole(ingest: Ingest, rows: Rows) -> None:
    content = gzip.compress(ROSTER.encode()) + gzip.compress(b"ann,legal,2026-03-01,x\n")
    report = ingest(content, "roster.csv.gz")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)


def test_gzip_windows_1252_is_unpacked_then_read_as_windows_1252(ingest: Ingest, rows: Rows) -> None:
    report = ingest(gzip.compress(ROSTER.encode() + b"ann,l\xe9gal,2026-03-01,x\n"), "roster.csv.gz")
    assert (report.encoding, report.notes[:2]) == (
        "Windows-1252", [GZIP_NOTE, "The file is not UTF-8; it was read as Windows-1252 (Western European)."])
    assert rows("roster", "department") == [("légal",)]


@pytest.mark.parametrize(("name", "content", "source_format"), [
    pytest.param("usage.json.gz", b'[{"occurred_at": "2026-03-01", "user_id": "ann", "use_case": "drafting"},\n'
                 b' {"occurred_at": "2026-13-01", "user_id": "bob", "use_case": "search"}]', "json", id="json-array"),
    pytest.param("usage.gz", b'{"occurred_at": "2026-03-01", "user_id": "ann", "use_case": "drafting"}\n'
                 b'{"occurred_at": "2026-13-01", "user_id": "bob", "use_case": "search"}\n', "ndjson", id="ndjson"),
])
def test_gzip_json_is_unpacked(ingest: Ingest, rows: Rows, name: str, content: bytes, source_format: str) -> None:
    report = ingest(gzip.compress(content), name)
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert (report.source_format, report.notes[0]) == (source_format, GZIP_NOTE)
    assert problems(report) == [(2, "occurred_at", "'2026-13-01' is not a real date and time")]
    assert rows("usage", "user_id") == [("ann",)]


@pytest.mark.parametrize(("name", "content"), [
    ("r.json", '[{"user_id": "zoë"}]'.encode("utf-16")),
    ("r.json", '[{"user_id": "zoë"}]'.encode("utf-16-le")),
    ("r.json.gz", gzip.compress(b'[{"user_id": "zo\xc3\xab"}]')),
    ("r.json", b'[{"user_id": "zo\xc3\xab"}]'),
])
def test_a_reader_that_takes_the_file_whole_gets_its_text_unpacked_and_in_utf8(
        tmp_path: Path, name: str, content: bytes) -> None:
    assert read.plain_bytes(write_file(tmp_path, name, content), name) == '[{"user_id": "zoë"}]'.encode()


def test_plain_bytes_refuses_what_read_file_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "GUNZIP_BYTES", 1 << 20)
    with pytest.raises(InputError) as refused:
        read.plain_bytes(write_file(tmp_path, "r.json.gz", gzip.compress(b" " * (2 << 20))), "r.json.gz")
    assert str(refused.value) == ("r.json.gz: the file unpacks to more than 1 MiB, more than Rollgate reads at once; "
                                  "split the export (a month per file) and upload the parts.")
    with pytest.raises(InputError) as refused:
        read.plain_bytes(write_file(tmp_path, "r.json", _zip("a.json")), "r.json")
    assert str(refused.value) == "r.json: the file is a zip archive, not text; unzip it and upload the JSON inside."


def test_utf16_json_is_read(ingest: Ingest, rows: Rows) -> None:
    content = '[{"user_id": "Zoë", "department": "légal", "access_granted_on": "2026-03-01"}]'.encode("utf-16")
    report = ingest(content, "roster.json")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert (report.encoding, report.notes[0]) == ("UTF-16", "The file is UTF-16 (Excel's \"Unicode text\"); it was "
                                                            "read as such.")
    assert rows("roster", "user_id, department") == [("zoë", "légal")]


def test_a_column_name_with_a_nul_is_refused_whatever_the_format(con: duckdb.DuckDBPyConnection, tmp_path: Path
                                                                   ) -> None:
    # The Upload page's table cannot show such a name: its script died on it and the page stayed on "Running".
    with pytest.raises(InputError) as refused:
        peek(con, write_file(tmp_path, "r.ndjson", b'{"user\\u0000id": "ann"}\n'), "r.ndjson")
    assert str(refused.value) == ("r.ndjson: a column name holds a NUL character; the file is damaged or not an "
                                  "export. Export it again and upload that.")
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall() == [(0,)]


def test_peek_unpacks_gzip(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_file(tmp_path, "r.csv.gz", gzip.compress(b"user_id,note\nann,a\n"))
    assert peek(con, path, "r.csv.gz") == (["user_id", "note"], [["ann", "a"]])
    assert copies_beside(tmp_path / "rollgate.duckdb") == []


def _corrupt_crc(data: bytes) -> bytes:
    return data[:-8] + bytes([data[-8] ^ 0xFF]) + data[-7:]


@pytest.mark.parametrize(("name", "content", "message"), [
    pytest.param("r.csv.gz", gzip.compress(GZ_CSV.encode() * 50)[:60],
                 "r.csv.gz: the gzip file is damaged or incomplete (Compressed file ended before the end-of-stream "
                 "marker was reached); compress the export again and upload that.", id="cut-short"),
    pytest.param("r.csv.gz", _corrupt_crc(gzip.compress(GZ_CSV.encode())),
                 "r.csv.gz: the gzip file is damaged or incomplete (CRC check failed 0xd5779685 != 0xd577967a); "
                 "compress the export again and upload that.", id="bad-checksum"),
    pytest.param("r.csv.gz", GZ_CSV.encode(), "r.csv.gz: the name ends in .gz but the file is not gzip-compressed; "
                 "give it its real extension (.csv, .json) and upload it again.", id="not-gzip"),
    pytest.param("r.csv.gz", gzip.compress(gzip.compress(GZ_CSV.encode())),
                 "r.csv.gz: the file is compressed twice; decompress it and upload the CSV or JSON inside.",
                 id="twice"),
    pytest.param("r.csv.gz", gzip.compress(b""),
                 "r.csv.gz: the compressed file is empty; export it again with its header and rows.", id="empty"),
    pytest.param("r.parquet.gz", gzip.compress(b"PAR1...PAR1"), "r.parquet.gz: Rollgate reads gzip-compressed CSV and "
                 "JSON only; upload the Parquet file itself, not compressed.", id="parquet"),
    pytest.param("r.parquet", gzip.compress(b"PAR1...PAR1"), "r.parquet: Rollgate reads gzip-compressed CSV and "
                 "JSON only; upload the Parquet file itself, not compressed.", id="parquet-named-as-such"),
    pytest.param("r.xml.gz", gzip.compress(b"<a/>"), "r.xml.gz: files ending in '.xml.gz' are not supported; upload "
                 "CSV or JSON, compressed with gzip or not.", id="xml"),
    pytest.param("r.csv.gz", gzip.compress(b"PK\x03\x04" + bytes(40)),
                 "r.csv.gz: the file is a zip archive, not text; unzip it and upload the CSV inside.", id="zip-inside"),
])
def test_gzip_that_cannot_be_read_is_refused_saying_why(refuse: Refuse, tmp_path: Path, name: str, content: bytes,
                                                        message: str) -> None:
    assert refuse(content, name) == message
    assert copies_beside(tmp_path / "rollgate.duckdb") == []


def test_gzip_that_unpacks_past_the_limit_is_refused_and_leaves_no_copy(
        refuse: Refuse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "GUNZIP_BYTES", 1 << 20)  # the real limit is 4 GiB
    bomb = gzip.compress(ROSTER.encode() + b"a" * (2 << 20))
    assert len(bomb) < 4096
    assert refuse(bomb, "r.csv.gz") == ("r.csv.gz: the file unpacks to more than 1 MiB, more than Rollgate reads at "
                                        "once; split the export (a month per file) and upload the parts.")
    assert copies_beside(tmp_path / "rollgate.duckdb") == []


# --- archives, documents, images and binary data named as text ---------------------------------------------

def _zip(member: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member, "x")
    return buf.getvalue()


@pytest.mark.parametrize(("name", "content", "message"), [
    pytest.param("r.csv", _zip("data.csv"), "r.csv: the file is a zip archive, not text; unzip it and upload the CSV "
                 "inside.", id="zip"),
    pytest.param("r.json", _zip("data.json"), "r.json: the file is a zip archive, not text; unzip it and upload the "
                 "JSON inside.", id="zip-as-json"),
    pytest.param("r.csv", _zip("word/document.xml"), "r.csv: the file is a Word document (.docx), not text; export "
                 "the data as CSV and upload that.", id="docx"),
    pytest.param("r.csv", b"PK\x05\x06" + bytes(18), "r.csv: the file is an empty zip archive, not text; upload the "
                 "CSV export itself.", id="empty-zip"),
    pytest.param("r.csv", b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24), "r.csv: the file is a 7-Zip archive, not text; "
                 "extract it and upload the CSV inside.", id="7z"),
    pytest.param("r.csv", b"Rar!\x1a\x07\x01\x00" + bytes(24), "r.csv: the file is a RAR archive, not text; extract it "
                 "and upload the CSV inside.", id="rar"),
    pytest.param("r.csv", b"BZh91AY&SY" + bytes(24), "r.csv: the file is compressed with bzip2, not text; decompress "
                 "it and upload the CSV, or compress it with gzip (.gz).", id="bzip2"),
    pytest.param("r.ndjson", b"\xfd7zXZ\x00\x00\x04" + bytes(24), "r.ndjson: the file is compressed with xz, not text; "
                 "decompress it and upload the JSON, or compress it with gzip (.gz).", id="xz"),
    pytest.param("r.csv", b"\x28\xb5\x2f\xfd\x20" + bytes(24), "r.csv: the file is compressed with zstd, not text; "
                 "decompress it and upload the CSV, or compress it with gzip (.gz).", id="zstd"),
    pytest.param("r.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "r.csv: the file is a PDF document, not text; export the "
                 "data as CSV and upload that.", id="pdf"),
    pytest.param("r.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "r.csv: the file is an old-format Excel "
                 "workbook (.xls), not text; open it in Excel, save it as CSV UTF-8 or .xlsx, and upload that.",
                 id="xls"),
    pytest.param("r.csv", b"\x89PNG\r\n\x1a\n" + bytes(24), "r.csv: the file is a PNG image, not text; upload the CSV "
                 "export itself.", id="png"),
    pytest.param("r.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF", "r.csv: the file is a JPEG image, not text; upload the CSV "
                 "export itself.", id="jpeg"),
    pytest.param("r.csv", b"SQLite format 3\x00\x10\x00\x01\x01" + bytes(80), "r.csv: the file holds binary data (NUL "
                 "bytes), not CSV text; export the data again as CSV and upload that.", id="binary"),
    pytest.param("r.json", random.Random(3).randbytes(4096), "r.json: the file holds binary "
                 "data (NUL bytes), not JSON text; export the data again as JSON and upload that.", id="random-bytes"),
])
def test_a_file_that_is_not_text_is_refused_saying_what_it_is(refuse: Refuse, name: str, content: bytes,
                                                                message: str) -> None:
    assert refuse(content, name) == message


def test_a_stray_nul_in_a_small_file_is_neither_utf16_nor_binary(con: duckdb.DuckDBPyConnection, tmp_path: Path
                                                                   ) -> None:
    path = write_file(tmp_path, "r.csv", b"user_id,note\nann,\x00\n")  # one NUL, on one side of the byte pairs
    assert peek(con, path, "r.csv") == (["user_id", "note"], [["ann", "\x00"]])


def test_a_stray_nul_in_a_cell_rejects_its_row_not_the_file(ingest: Ingest, rows: Rows) -> None:
    report = ingest(ROSTER.encode() + b"ann,le\x00gal,2026-03-01,x\nbob,hr,2026-03-01,y\n")
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert problems(report) == [(2, "department", "holds a control character (U+0000); remove it and export again")]
    assert rows("roster", "user_id") == [("bob",)]


# --- the header line ----------------------------------------------------------------------------------------

def _header_of(length: int) -> bytes:
    """A roster header exactly `length` bytes long (without its line end): its last column name is padded."""
    start = b"user_id,department,access_granted_on,"
    return start + b"n" * (length - len(start))


def test_a_header_of_1_mib_is_read(ingest: Ingest, rows: Rows) -> None:
    # Past 128 KiB a single column name used to end in a traceback (Python's csv field limit).
    report = ingest(_header_of(1 << 20) + b"\nann,legal,2026-03-01,x\n")
    assert counts(report) == expect(rows_read=1, accepted=1, inserted=1)
    assert report.unused_columns == ["n" * ((1 << 20) - len("user_id,department,access_granted_on,"))]
    assert rows("roster", "user_id") == [("ann",)]


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(_header_of((1 << 20) + 1) + b"\nann,legal,2026-03-01,x\n", "upload.csv: line 1 (the header) is longer "
                 "than 1 MiB; a header names the columns and is far shorter. Check that line 1 is the header and that "
                 "the file is a CSV export.", id="longer-than-1-mib"),
    pytest.param(b"a," * (2 << 20), "upload.csv: line 1 (the header) is longer than 1 MiB; a header names the columns "
                 "and is far shorter. Check that line 1 is the header and that the file is a CSV export.",
                 id="one-line-without-end"),
    pytest.param(b",".join(b"c%d" % i for i in range(4_097)) + b"\n1\n", "upload.csv: line 1 (the header) has 4,097 "
                 "columns; Rollgate reads at most 4,096. Export only the columns the dataset needs, or check that the "
                 "header is where it should be.", id="too-many-columns"),
    pytest.param(b"user_id,depa\x00rtment,access_granted_on\nann,legal,2026-03-01\n", "upload.csv: line 1 (the header) "
                 "holds a NUL byte (byte 13), which no column name can hold; the file is damaged or not a CSV export. "
                 "Export it again and upload that.", id="nul"),
])
def test_a_header_that_cannot_be_read_is_refused_with_the_reason(refuse: Refuse, content: bytes, message: str
                                                                 ) -> None:
    assert refuse(content) == message


def test_a_windows_1252_header_is_read_as_windows_1252(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_file(tmp_path, "r.csv", b"user_id,d\xe9partement,note\nann,l\xe9gal,x\n")
    assert peek(con, path, "r.csv") == (["user_id", "département", "note"], [["ann", "légal", "x"]])


# --- temporary copies: beside the database, swept after a killed import, never from a live one --------------

def test_copies_are_made_beside_the_database_or_in_the_temp_folder_for_one_in_memory(
        con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_file(tmp_path, "r.csv", b"user_id,note\nann,caf\xe9\n")
    raw = read_file(con, path, "r.csv")
    memory = duckdb.connect()
    in_memory = read_file(memory, path, "r.csv")
    try:
        assert [f.parent for f in raw.temp_files] == [tmp_path / "rollgate.duckdb.tmp"]
        assert [f.parent for f in in_memory.temp_files] == [Path(tempfile.gettempdir())]
        assert all(f.name.startswith(f"rollgate-tmp-{os.getpid()}-") and f.suffix == ".csv"
                   for f in raw.temp_files + in_memory.temp_files)
        assert oct((tmp_path / "rollgate.duckdb.tmp").stat().st_mode & 0o777) == "0o700"
    finally:
        for f in raw.temp_files + in_memory.temp_files:
            f.unlink()
        memory.close()


def test_a_copy_that_cannot_be_made_beside_the_database_refuses_the_file_plainly(refuse: Refuse, tmp_path: Path
                                                                                  ) -> None:
    (tmp_path / "rollgate.duckdb.tmp").write_text("a file where the folder for copies would go")
    assert refuse(ROSTER.encode() + b"ann,l\xe9gal,2026-03-01,x\n") == (
        "upload.csv: a working copy of the file could not be written beside the database (File exists); check that "
        "the database's folder can be written to and has free space, then try again.")


_MAKE_COPY = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from loaders.scratch import new_copy
copy = new_copy(Path(sys.argv[2]), ".csv")
copy.write_text("a,b\\n")
print(copy, flush=True)
if sys.argv[3] == "die":
    os.kill(os.getpid(), 9)  # an import killed halfway: nothing of it runs any more
time.sleep(60)
"""


def _copy_in_another_process(folder: Path, fate: str) -> tuple[subprocess.Popen[str], Path]:
    root = str(Path(__file__).resolve().parent.parent)
    proc = subprocess.Popen([sys.executable, "-c", _MAKE_COPY, root, str(folder), fate], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    return proc, Path(proc.stdout.readline().strip())


def test_a_killed_imports_copies_are_swept_and_a_live_imports_are_kept(tmp_path: Path) -> None:
    db = tmp_path / "rollgate.duckdb"
    folder = tmp_path / "rollgate.duckdb.tmp"
    live, live_copy = _copy_in_another_process(folder, "live")
    killed, killed_copy = _copy_in_another_process(folder, "die")
    try:
        assert killed.wait(10) == -signal.SIGKILL
        lock = {p.name for p in folder.iterdir() if p.name.endswith(".lock")}
        assert len(lock) == 2 and live_copy.exists() and killed_copy.exists()
        removed = scratch.sweep(db)
        killed_lock = killed_copy.name.rsplit("-", 1)[0] + ".lock"
        assert sorted(p.name for p in removed) == sorted([killed_copy.name, killed_lock])
        assert sorted(p.name for p in folder.iterdir()) == sorted([live_copy.name,
                                                                   live_copy.name.rsplit("-", 1)[0] + ".lock"])
    finally:
        live.kill()
        live.wait(10)
    # the live import has ended too (killed): now its copy goes as well
    assert [p.name for p in scratch.sweep(db)] == [live_copy.name, live_copy.name.rsplit("-", 1)[0] + ".lock"]
    assert list(folder.iterdir()) == []


def test_a_leftover_named_after_a_dead_or_reused_pid_is_swept_but_never_this_process_copies(tmp_path: Path) -> None:
    folder = tmp_path / "rollgate.duckdb.tmp"
    ours = scratch.new_copy(folder, ".csv")  # this process, alive: its lock is held
    folder.joinpath(f"rollgate-tmp-{os.getpid()}-0badc0de-1.csv").write_text("a")  # same pid, an earlier process
    folder.joinpath("rollgate-tmp-4194303-0123abcd-7.json").write_text("b")  # a pid that is gone, no lock left
    folder.joinpath("rollgate-tmp-4194303-0123abcd.lock").write_text("")
    folder.joinpath("notes.txt").write_text("not ours")  # anything else is left alone
    try:
        assert sorted(p.name for p in scratch.sweep(tmp_path / "rollgate.duckdb")) == sorted([
            "rollgate-tmp-4194303-0123abcd-7.json", "rollgate-tmp-4194303-0123abcd.lock",
            f"rollgate-tmp-{os.getpid()}-0badc0de-1.csv"])
        assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == ["notes.txt", ours.name]
    finally:
        ours.unlink()
    assert scratch.sweep(tmp_path / "nothing-here.duckdb") == []


# --- whatever the bytes, a refusal or a report: never a traceback ------------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_random_bytes_under_any_text_name_end_in_a_report_or_a_refusal(
        con: duckdb.DuckDBPyConnection, tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    alphabet = [b"a", b",", b";", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"\xe9", b"\xc3\xa9", b"{", b"[", b"\xff\xfe",
                b"\x1f\x8b", b" ", b"2026-03-01"]
    body = b"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 300)))
    for name, content in [("r.csv", body), ("r.json", body), ("r.csv.gz", gzip.compress(body)),
                          ("r.csv", b"user_id,note\n" + body), ("r.tsv", "user_id\tnote\n".encode("utf-16") + body)]:
        path = write_file(tmp_path, name, content)
        try:
            peek(con, path, name)
        except InputError as e:
            assert str(e).startswith(f"{name}: ")
    assert copies_beside(tmp_path / "rollgate.duckdb") == []


def test_opening_the_database_sweeps_what_a_killed_import_left_beside_it(tmp_path: Path) -> None:
    from loaders import store

    db = tmp_path / "rollgate.duckdb"
    folder = tmp_path / "rollgate.duckdb.tmp"
    folder.mkdir()
    folder.joinpath("rollgate-tmp-4194303-0123abcd-7.csv").write_text("a full-size copy")
    folder.joinpath("rollgate-tmp-4194303-0123abcd.lock").write_text("")
    with store.connect(db):
        pass
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("pack", [gzip.compress, lambda b: codecs.BOM_UTF16_LE + b.decode().encode("utf-16-le")],
                         ids=["gzip", "utf-16"])
def test_a_json_export_read_by_a_preset_may_be_gzipped_or_utf16(ingest: Ingest, rows: Rows,
                                                               pack: Callable[[bytes], bytes]) -> None:
    from test_presets_engine import COPILOT

    report = ingest(pack(COPILOT.encode()), "users-28-day.ndjson" + (".gz" if pack is gzip.compress else ""))
    assert report.preset == "github-copilot-users"
    assert report.inserted == rows("usage", "count(*)")[0][0] > 0


@pytest.mark.parametrize(("data", "flags"), [
    pytest.param(b"a,b\nann,1\n", (False, False, False, False), id="clean"),
    pytest.param(b"a,b\nann,\x07\n", (True, False, False, False), id="bell"),
    pytest.param("a,b\nann,x\u0085y\n".encode(), (True, False, False, False), id="c1-next-line"),
    pytest.param(b'a,b\n"an\nn",1\n', (False, True, False, False), id="lf-in-quotes"),
    pytest.param(b'a,b\r\n"an\rn",1\r\n', (False, True, False, False), id="cr-in-quotes"),
    pytest.param(b"a,b\nann,#N/A\n", (False, False, True, False), id="hash"),
    pytest.param("a,b\nann,\u00a01\n".encode(), (False, False, False, True), id="no-break-space"),
    pytest.param("a,b\nann,1\u3000\n".encode(), (False, False, False, True), id="ideographic-space"),
    pytest.param("a,b\nZoë,“quoted” – é\n".encode(), (False, False, False, False), id="accents-and-punctuation"),
])
def test_the_scan_rules_out_the_costly_checks_a_file_does_not_need(tmp_path: Path, data: bytes,
                                                                   flags: tuple[bool, bool, bool, bool]) -> None:
    found = scan_file(write_file(tmp_path, "f.csv", data))
    assert (found.controls, found.line_breaks, found.hashes, found.unicode_spaces) == flags


def test_a_line_break_in_a_quoted_identifier_rejects_its_row_and_one_in_free_text_is_kept(
        ingest: Ingest, rows: Rows) -> None:
    report = ingest('response_id,submitted_at,satisfaction,user_id,comment\n'
                    'r1,2026-03-02,4,ann,"two\nlines"\n'
                    'r2,2026-03-02,4,"an\nn",fine\n')
    assert problems(report) == [(4, "user_id", "holds a control character (U+000A); remove it and export again")]
    assert rows("feedback", "response_id, comment") == [("r1", "two\nlines")]


@pytest.mark.parametrize(("name", "content"), [
    ("deep.json", "[" * 100_000 + "]" * 100_000),
    ("deep.ndjson", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n"),
])
def test_json_nested_beyond_any_parser_is_refused_plainly(refuse: Refuse, name: str, content: str) -> None:
    assert refuse(content, name).startswith(f"{name}: ")


def test_one_good_ndjson_line_after_a_line_set_aside_is_a_record_not_the_whole_file(ingest: Ingest,
                                                                                   rows: Rows) -> None:
    content = (b'{"user_id": "caf\xe9", "department": "hr", "access_granted_on": "2026-03-01"}\n'
               b'{"user_id": "ann", "department": "hr", "access_granted_on": "2026-03-01"}\n')
    report = ingest(content, "roster.ndjson")
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert rows("roster", "user_id") == [("ann",)]


def test_wide_json_and_workbooks_are_read_up_to_the_column_limit_and_refused_past_it(
        ingest: Ingest, refuse: Refuse, rows: Rows) -> None:
    from test_tables import workbook

    from loaders.raw import MAX_COLUMNS

    record = {"ticket_id": "T1", "opened_at": "2026-03-02", "category": "bug",
              **{f"custom_{i}": "x" for i in range(MAX_COLUMNS - 3)}}
    assert refuse(json.dumps({**record, "one_more": 1}) + "\n", "wider.ndjson") == (
        "wider.ndjson: its records have 4,097 keys together; Rollgate reads at most 4,096. Export only the columns "
        "the dataset needs, or check that the header is where it should be.")
    assert ingest(json.dumps(record) + "\n", "wide.ndjson").inserted == 1
    # a stray cell far to the right of a sheet's header is not a column to read
    grid: list[list[object]] = [["ticket_id", "opened_at", "category"], ["T2", "2026-03-03", "bug"]]
    grid[1] += [None] * 16_000 + ["stray"]
    assert ingest(workbook({"Tickets": grid}), "tickets.xlsx").inserted == 1  # type: ignore[dict-item]
    assert rows("support", "ticket_id") == [("T1",), ("T2",)]
