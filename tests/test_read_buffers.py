"""Reading a CSV in many buffers gives exactly what reading it whole gives (loaders/read.py).

DuckDB's CSV reader cuts a file into pieces (buffers of BUFFER_BYTES, and within them, with DuckDB 2.0.1,
a cut every max(MAX_LINE_BYTES, BUFFER_BYTES / 4) bytes) that several threads parse: each piece has to find
by itself where its first record starts, even inside a quoted value that holds newlines, and the rows of
the pieces have to come back in file order. The ingest relies on that order (row -> line in the file), on
the row count (compared with the scan's to catch stray quotes) and on the rejects' byte positions (ragged
rows -> line). DuckDB can slip at a cut (a blank line or ragged row starting a piece, a piece starting inside
a quoted value); every slip shows (a ragged row, an encoding error, a row count other than the scan's, a
failed read), and a file that may have been cut and shows one is read again whole. With the real constants a
file is only cut past 16 MiB, so here they are made small (4 KiB lines, 8 KiB buffers): a file of a few dozen
KB is cut into many pieces, and the whole outcome of an ingest (the report, the stored rows, the stored
rejects, or the refusal) must be the one read with the defaults.
The generated files come from a seed, so a failure is reproduced by its parameters."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import write_file

from core.errors import InputError
from loaders import read, store
from loaders.ingest import ingest_file

SMALL_LINE, SMALL_BUFFER = 4096, 8192

USAGE = "event_id,occurred_at,user_id,use_case,interactions,output_action,minutes_saved,cost"
SUPPORT = "ticket_id,opened_at,category,user_id,closed_at,status,topic,handling_minutes"
USAGE_BAD = ["", "2026-13-01", "soon", "0", "-2", "maybe", "-1", "abc"]
SUPPORT_BAD = ["", "yesterday", "nope", "", "2026-02-30", "", "", "-5"]


def _outcome(path: Path, db: Path) -> dict[str, Any]:
    """Everything an ingest of `path` into a new database leaves: the report, rows and rejects, or the refusal."""
    with store.connect(db) as con:
        try:
            report = ingest_file(con, path, "upload.csv")
        except InputError as e:
            return {"refused": str(e)}
        assert report.dataset is not None
        return {
            "report": report.model_dump(),
            "rows": con.execute(f"select * exclude (ingestion_id) from {report.dataset} order by all").fetchall(),
            "rejects": con.execute('select line, "column", reason, raw from rejects order by all').fetchall(),
        }


def read_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The outcome of ingesting `content` with the default constants, then with small ones (many buffers)."""
    assert len(content) > 2 * SMALL_BUFFER, "the file must span several small buffers"
    path = write_file(tmp_path, "upload.csv", content)
    whole = _outcome(path, tmp_path / "default.duckdb")
    with monkeypatch.context() as m:
        m.setattr(read, "MAX_LINE_BYTES", SMALL_LINE)
        m.setattr(read, "BUFFER_BYTES", SMALL_BUFFER)
        pieces = _outcome(path, tmp_path / "small.duckdb")
    return whole, pieces


# --- generated files: every outcome must be the same -------------------------------------------------

def _value(rnd: random.Random, dataset: str, i: int, column: int) -> str:
    if rnd.random() < 0.04:
        return (USAGE_BAD if dataset == "usage" else SUPPORT_BAD)[column]
    day = f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    if dataset == "usage":
        return [f"e{i}", day + rnd.choice(["", "T09:30:00", " 10:00:00+02:00"]), rnd.choice(["ann", "Bob", "cy"]),
                rnd.choice(["drafting", "Search"]), str(rnd.randint(1, 9)),
                rnd.choice(["accepted", "edited", "rejected", ""]), f"{rnd.randint(0, 60)}.5", "0.25"][column]
    return [f"T-{i}", day, rnd.choice(["how_to", "bug", "access", "Review"]), rnd.choice(["ann", "bob", ""]),
            rnd.choice(["", day]), rnd.choice(["open", "closed"]), rnd.choice(["login", "export, csv"]),
            str(rnd.randint(1, 90))][column]


def _text(rnd: random.Random, delim: str) -> str:
    """A value that must be quoted: newlines (LF and CRLF), delimiters, doubled quotes, blank lines."""
    parts = [rnd.choice(["note", "Zürich", "a \"quoted\" word"])]
    for _ in range(rnd.randint(1, 4)):
        parts.append(rnd.choice(["\n", "\r\n", "\n\n"]))
        parts.append(rnd.choice(["more text", delim * 2, f"x{delim}y", '"', "", "end"]))
    return "".join(parts)


def _cell(rnd: random.Random, value: str, delim: str) -> str:
    if any(ch in value for ch in (delim, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    if rnd.random() < 0.05:
        return f"  {value} "
    return f'"{value}"' if rnd.random() < 0.05 else value


def messy_csv(seed: int, dataset: str, delim: str, eol: str, size: int = 60_000, long_lines: bool = False,
              cp1252: bool = False, stray_quote: bool = False, final_newline: bool = True) -> bytes:
    """A `dataset` export of about `size` bytes: quoted multi-line values, blank lines, ragged rows, padded
    and invalid cells, repeated keys; `eol` is "\\n", "\\r\\n" or "mixed"."""
    rnd = random.Random(seed)
    header = (USAGE if dataset == "usage" else SUPPORT).replace(",", delim)
    lines, length, i = [], 0, 0

    def end() -> str:
        return rnd.choice(["\n", "\r\n"]) if eol == "mixed" else eol

    while length < size:
        i += 1
        key = i if rnd.random() > 0.03 else max(1, i - rnd.randint(1, 30))  # now and then a repeated key
        values = [_value(rnd, dataset, key, c) for c in range(8)]
        kind = rnd.random()
        if kind < 0.12:
            values[rnd.choice([6, 7])] = _text(rnd, delim)
        if long_lines and kind > 0.995:
            values[6] = "w" * rnd.randint(3000, SMALL_LINE - 200)
        cells = [_cell(rnd, v, delim) for v in values]
        if 0.12 <= kind < 0.14:
            cells = cells[:rnd.randint(1, 7)]  # too few fields
        elif 0.14 <= kind < 0.16:
            cells.append("extra")  # too many
        line = delim.join(cells) + end()
        if 0.16 <= kind < 0.19:
            line = end() + line  # a blank line before the row
        lines.append(line)
        length += len(line.encode())
    if stray_quote:
        at = len(lines) * 2 // 3
        lines[at] = lines[at].replace(delim, f'{delim}5" screen{delim}', 1) if '"' not in lines[at] else lines[at]
    text = header + end() + "".join(lines)
    if not final_newline:
        text = text.rstrip("\r\n")
    if cp1252:
        cut = len(text) * 3 // 4
        return text[:cut].encode() + "café".encode("cp1252") + text[cut:].encode()
    return text.encode()


CASES = [
    pytest.param(dict(seed=1, dataset="usage", delim=",", eol="\n"), id="usage-comma-lf"),
    pytest.param(dict(seed=2, dataset="usage", delim=",", eol="\r\n", final_newline=False),
                 id="usage-crlf-no-final-newline"),
    pytest.param(dict(seed=3, dataset="support", delim=";", eol="\n", long_lines=True),
                 id="support-semicolon-long-lines"),
    pytest.param(dict(seed=4, dataset="usage", delim="\t", eol="mixed"), id="usage-tab-mixed-line-ends"),
    pytest.param(dict(seed=5, dataset="support", delim=",", eol="\r\n", cp1252=True), id="support-windows-1252-deep"),
    pytest.param(dict(seed=6, dataset="usage", delim=";", eol="\n", stray_quote=True), id="usage-stray-quote"),
]


@pytest.mark.parametrize("case", CASES)
def test_a_generated_file_read_in_many_buffers_gives_the_same_outcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: dict[str, Any]) -> None:
    whole, pieces = read_both(tmp_path, monkeypatch, messy_csv(**case))
    if case.get("stray_quote"):
        assert "refused" in whole
    else:
        assert "report" in whole and whole["report"]["rejected"] > 0, whole.get("refused")
    assert pieces == whole


# --- hand-built files at the boundaries: exact values ------------------------------------------------

def _usage_row(i: int, width: int | None = None) -> str:
    """A valid usage row, padded (in its user) to exactly `width` bytes when given."""
    row = f"e{i},2026-03-01,u{i},drafting,1,accepted,2,0.5\n"
    if width is None:
        return row
    assert width >= len(row)
    return f"e{i},2026-03-01,u{i}{'x' * (width - len(row))},drafting,1,accepted,2,0.5\n"


def _support_row(i: int, width: int | None = None) -> str:
    row = f"T-{i},2026-03-01,bug,u{i},,open,login,5\n"
    if width is None:
        return row
    assert width >= len(row)
    return f"T-{i},2026-03-01,bug,u{i}{'x' * (width - len(row))},,open,login,5\n"


class Builder:
    """Rows appended up to exact byte offsets, counting lines, so a test can say where a record lands."""

    def __init__(self, header: str = USAGE, row: Callable[[int, int | None], str] = _usage_row) -> None:
        self.text, self.line, self.i, self.row = header + "\n", 2, 0, row

    def fill_to(self, offset: int) -> None:
        """Valid rows up to byte `offset` exactly (the next record starts there)."""
        while offset - self.offset > 150:
            self.add(self.row(self.next(), None))
        self.add(self.row(self.next(), offset - self.offset))

    def next(self) -> int:
        self.i += 1
        return self.i

    def add(self, record: str) -> int:
        """Append a record; return the line it starts on."""
        start = self.line
        self.text += record
        self.line += record.count("\n")
        return start

    @property
    def offset(self) -> int:
        return len(self.text.encode())


CUT = 4 * SMALL_LINE  # 16 KiB: where a read in buffers of SMALL_BUFFER is cut (every SMALL_LINE bytes)


@pytest.mark.parametrize(("quoted", "lines", "rows_read"), [
    pytest.param(True, (352, 698, 1045, 1378, 1711), 1708, id="with-a-quoted-multiline-value"),
    pytest.param(False, (352, 698, 1044, 1377, 1710), 1709, id="without-quotes"),  # the file DuckDB may split
])
def test_ragged_rows_and_values_at_the_cuts_keep_their_exact_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quoted: bool, lines: tuple[int, ...], rows_read: int) -> None:
    b = Builder()
    b.fill_to(CUT)  # a row with a field too many starts exactly at a cut
    many = b.add("e-many,2026-03-01,ann,drafting,1,accepted,2,0.5,extra\n")
    b.fill_to(2 * CUT - 20)  # a row (with a quoted value of three lines, commas and quotes) across the next cut
    multi = b.add('e-multi,2026-03-01,ann,"Drafting\nsecond line, with a comma\nthird ""quoted"" line",1,accepted,2,'
                  '0.5\n' if quoted else "e-multi,2026-03-01,ann,Drafting,1,accepted,2,0.5\n")
    assert b.offset == (32847 if quoted else 32797)  # it starts at 32748: the cut at 32768 is inside it
    b.fill_to(3 * CUT - 1)  # a row short of fields starts one byte before a cut
    few = b.add("e-few,2026-03-01,ann\n")
    b.fill_to(8 * SMALL_BUFFER + 1)  # a bad value one byte into a buffer (of either size)
    bad = b.add("e-bad,2026-13-01,ann,drafting,1,accepted,2,0.5\n")
    b.fill_to(5 * CUT)
    last = b.add("e-last,2026-03-02,ann,drafting,3,edited,2,0.5")  # no newline at the end
    text = b.text
    # where each hand-placed record starts, checked by hand: (line, byte offset)
    assert [(text[:text.index(k)].count("\n") + 1, len(text[:text.index(k)].encode()))
            for k in ("e-many", "e-multi", "e-few", "e-bad", "e-last")] == list(zip(
                lines, (16384, 32748, 49151, 65537, 81920), strict=True))
    assert (many, multi, few, bad, last) == lines
    whole, pieces = read_both(tmp_path, monkeypatch, text.encode())
    assert pieces == whole
    report = pieces["report"]
    # A use case may not hold a line break (a control character): the quoted value of three lines is read whole,
    # as one value, and rejected as one.
    multi_reject = [(lines[1], "use_case", "holds a control character (U+000A); remove it and export again")]
    rejected = 4 if quoted else 3
    assert (report["rows_read"], report["accepted"], report["rejected"], report["blank_lines"]) == (
        rows_read, rows_read - rejected, rejected, 0)
    assert [(r["line"], r["column"], r["reason"]) for r in report["rejects"]] == [
        (lines[0], None, "too many fields: expected 8, found 9"),
        *(multi_reject if quoted else []),
        (lines[2], None, "too few fields: expected 8, found 3"),
        (lines[3], "occurred_at", "'2026-13-01' is not a real date and time"),
    ]
    assert [r["raw"] for r in report["rejects"] if r["column"] is None] == [
        "e-many,2026-03-01,ann,drafting,1,accepted,2,0.5,extra", "e-few,2026-03-01,ann"]
    stored = {r[0]: r for r in pieces["rows"]}
    assert len(stored) == rows_read - rejected
    if quoted:
        assert json.loads(report["rejects"][1]["raw"])["use_case"] == (
            'Drafting\nsecond line, with a comma\nthird "quoted" line')
        assert "e-multi" not in stored
    else:
        assert stored["e-multi"][3] == "drafting"
    assert stored["e-last"][4:6] == (3, "edited")


def _accounting(outcome: dict[str, Any]) -> tuple[Any, ...]:
    assert "report" in outcome, outcome.get("refused")
    r = outcome["report"]
    return r["rows_read"], r["accepted"], r["rejected"], r["blank_lines"], r["duplicate_lines"]


def test_a_blank_line_at_the_start_of_a_buffer_is_one_blank_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    # DuckDB 2.0.1 reads the row after such a blank line twice (so the ingest refuses the file as if it had a
    # stray quote); a blank CRLF line there, or at the very end of the file, is read as a ragged row.
    b = Builder()
    b.fill_to(SMALL_BUFFER)  # the blank line is the first byte of the second buffer
    blank = b.add("\n")
    after = b.add("e-after,2026-03-01,ann,drafting,1,accepted,2,0.5\n")
    b.fill_to(3 * SMALL_BUFFER)
    assert (blank, after) == (177, 178)  # at bytes 8192 and 8193
    whole, pieces = read_both(tmp_path, monkeypatch, b.text.encode())
    assert _accounting(whole) == (522, 522, 0, 1, [])
    assert _accounting(pieces) == _accounting(whole)
    assert pieces == whole


def test_a_quoted_value_whose_lines_look_like_rows_is_one_value_across_a_cut(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A piece that starts inside the quotes must not take the value's lines for rows (DuckDB 2.0.1 does, when
    # they have the header's number of fields: extra rows and rejects, or "state machine reached an invalid state").
    inner = "".join(f"e{900 + k},2026-03-01,ann,drafting,1,accepted,2,0.5\n" for k in range(6))
    b = Builder()
    b.fill_to(CUT - 150)  # the value starts 150 bytes before a cut and ends ~200 bytes after it
    note = b.add(f'e-note,2026-03-01,ann,"a note\n{inner}end",1,accepted,2,0.5\n')
    assert b.offset > CUT + 150
    b.fill_to(4 * SMALL_BUFFER)
    assert note == 349  # at byte 16234; the record ends at byte 16562
    whole, pieces = read_both(tmp_path, monkeypatch, b.text.encode())
    # One record of 691: the note (a use case may not hold line breaks) is rejected, whole, as one value.
    assert _accounting(whole) == (691, 690, 1, 0, [])
    assert _accounting(pieces) == _accounting(whole)
    assert pieces == whole
    (reject,) = whole["report"]["rejects"]
    assert (reject["line"], reject["column"], json.loads(reject["raw"])["use_case"]) == (
        349, "use_case", f"a note\n{inner}end")
    assert "e900" not in {r[0] for r in pieces["rows"]}


def test_the_rows_of_a_file_stay_in_file_order_so_the_last_repeat_of_a_key_wins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # support.category has eight values: DuckDB 2.0.1 checks a list of five or more with a join (its `in_clause`
    # rewrite), and over a file read in several pieces the join's output is not in file order.
    b = Builder(SUPPORT, _support_row)
    b.fill_to(150)
    first = b.add("T-dup,2026-03-01,bug,ann,,open,first,5\n")
    b.fill_to(6 * SMALL_LINE)
    bad = b.add("T-bad,2026-03-01,nope,ann,,open,x,5\n")
    b.fill_to(9 * SMALL_BUFFER)
    last = b.add("T-dup,2026-03-02,access,bob,,closed,last,7\n")
    b.fill_to(10 * SMALL_BUFFER)
    assert (first, bad, last) == (3, 617, 1804)  # at bytes 150, 24576 and 73728
    whole, pieces = read_both(tmp_path, monkeypatch, b.text.encode())
    assert _accounting(whole) == (1995, 1994, 1, 0, [3])
    assert [(r["line"], r["column"]) for r in whole["report"]["rejects"]] == [(617, "category")]
    assert next(r for r in whole["rows"] if r[0] == "T-dup")[6] == "last"
    assert _accounting(pieces) == _accounting(whole)
    assert pieces == whole


def test_a_ragged_row_first_in_the_last_piece_keeps_the_rows_after_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                      ) -> None:
    # DuckDB 2.0.1 drops the rest of the file when its last piece begins (after the row that straddles the cut)
    # with a ragged row: no rows, no rejects.
    b = Builder()
    b.fill_to(5 * SMALL_LINE - 10)  # this row runs 10 bytes into the last piece; the ragged row follows it
    b.add("e-cut,2026-03-01,ann,drafting,1,accepted,2,0.5\n")
    ragged = b.add("e-ragged,2026-03-01,ann\n")
    for k in range(60):
        b.add(f"t{k},2026-03-02,bob,search,2,edited,1,0.1\n")
    assert (ragged, b.offset) == (440, 22991)
    whole, pieces = read_both(tmp_path, monkeypatch, b.text.encode())
    assert _accounting(whole) == (499, 498, 1, 0, [])
    assert [(r["line"], r["reason"]) for r in whole["report"]["rejects"]] == [
        (440, "too few fields: expected 8, found 3")]
    assert _accounting(pieces) == _accounting(whole)
    assert pieces == whole


@pytest.mark.parametrize(("whole_limit", "reads"), [(1 << 30, ["parallel", "whole"]),
                                                     (3 * SMALL_BUFFER, ["parallel", "default"])])
def test_a_cut_read_that_finds_a_ragged_row_is_read_again_whole_up_to_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole_limit: int, reads: list[str]) -> None:
    # Read whole, DuckDB holds the file in one buffer: past WHOLE_BYTES a file that was given small buffers is
    # read again with the default cuts instead (as every file was before it was given buffers of its own).
    b = Builder()
    b.fill_to(SMALL_BUFFER + 100)
    ragged = b.add("e-ragged,2026-03-01,ann\n")
    b.fill_to(5 * SMALL_BUFFER)
    assert ragged == 180  # at byte 8292
    cuts: list[str] = []
    real = read._reader

    def spy(rej: str, scans: str, cut: read.Cut, path: Path) -> str:
        cuts.append(cut)
        return real(rej, scans, cut, path)

    monkeypatch.setattr(read, "_reader", spy)
    monkeypatch.setattr(read, "WHOLE_BYTES", whole_limit)
    whole, pieces = read_both(tmp_path, monkeypatch, b.text.encode())
    assert cuts == ["default", *reads]  # the default constants read the file in one piece, once
    assert [(r["line"], r["reason"]) for r in pieces["report"]["rejects"]] == [
        (180, "too few fields: expected 8, found 3")]
    assert pieces == whole


class _BytesBuilder(Builder):
    """A Builder whose text may hold stray bytes, written as surrogate escapes ("\\udce9" is the byte 0xE9)."""

    @property
    def offset(self) -> int:
        return len(self.text.encode("utf-8", "surrogateescape"))


def test_bytes_that_are_not_utf8_and_characters_across_the_cuts_keep_their_exact_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file without quotes is read in pieces (a cut every SMALL_LINE bytes): a two-byte character across a cut
    # must not look like a stray byte, and stray bytes just before, at and after a cut must each reject their line.
    b = _BytesBuilder()
    b.fill_to(CUT - len("e-acc,2026-03-01,Z") - 1)
    accented = b.add("e-acc,2026-03-01,Zé,drafting,1,accepted,2,0.5\n")  # é is bytes CUT - 1 and CUT
    b.fill_to(2 * CUT - len("e-at,2026-03-01,"))
    at = b.add("e-at,2026-03-01,\udce9ve,drafting,1,accepted,2,0.5\n")  # the stray byte is byte 2 * CUT
    b.fill_to(3 * CUT - len("e-end,2026-03-01,ann,drafting,1,accepted,2,0.5") - 1)
    end = b.add("e-end,2026-03-01,ann,drafting,1,accepted,2,0.5\udce9\n")  # the stray byte just before a cut
    b.fill_to(4 * CUT)
    after = b.add("\udcff,2026-03-01,ann,drafting,1,accepted,2,0.5\n")  # the first byte after a cut
    b.fill_to(5 * CUT)
    content = b.text.encode("utf-8", "surrogateescape")
    assert [content.index(k) for k in (b"Z\xc3\xa9", b"\xe9ve", b"0.5\xe9", b"\xff,")] == [
        CUT - 2, 2 * CUT, 3 * CUT - 4, 4 * CUT]
    assert (accented, at, end, after) == (351, 698, 1043, 1377)
    whole, pieces = read_both(tmp_path, monkeypatch, content)
    assert pieces == whole
    report = whole["report"]
    assert [(r["line"], r["column"], r["reason"]) for r in report["rejects"]] == [
        (698, None, "byte 17 of the line is not valid UTF-8 (a character saved in another encoding)"),
        (1043, None, "byte 47 of the line is not valid UTF-8 (a character saved in another encoding)"),
        (1377, None, "byte 1 of the line is not valid UTF-8 (a character saved in another encoding)"),
    ]
    assert [r["raw"] for r in report["rejects"]] == ["e-at,2026-03-01,\ufffdve,drafting,1,accepted,2,0.5",
                                                     "e-end,2026-03-01,ann,drafting,1,accepted,2,0.5\ufffd",
                                                     "\ufffd,2026-03-01,ann,drafting,1,accepted,2,0.5"]
    assert (report["rows_read"], report["rejected"], report["encoding"]) == (report["accepted"] + 3, 3, "UTF-8")
    assert next(r for r in whole["rows"] if r[0] == "e-acc")[2] == "zé"
