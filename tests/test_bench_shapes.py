"""The shapes of usage export the ingest benchmark times: the same rows, written as real exports write them."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

import pytest

from bench import shapes
from bench.shapes import COLUMNS, EXTRA, QUOTED_ORDER, write_shape
from data.generate import generate
from loaders import store
from loaders.ingest import ingest_file


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/generate.py's demo usage export (4,000 rows): the z shape."""
    return generate(tmp_path_factory.mktemp("demo"))["usage"]


def records(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_z_is_the_generated_file_itself(source: Path, tmp_path: Path) -> None:
    assert write_shape(source, "z", tmp_path / "usage.csv") == source
    assert not (tmp_path / "usage.csv").exists()


def test_offset_writes_each_instant_in_its_users_zone(source: Path, tmp_path: Path) -> None:
    z, offset = records(source), records(write_shape(source, "offset", tmp_path / "usage.csv"))
    assert offset[0] == z[0] == list(COLUMNS)
    assert len(offset) == len(z) == 4001
    # every other cell as generated; every timestamp the same instant, with a space and an offset
    assert [r[1:] for r in offset] == [r[1:] for r in z]
    form = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d")
    assert all(form.fullmatch(r[0]) for r in offset[1:])
    pairs = zip(offset[1:], z[1:], strict=True)
    assert all(datetime.fromisoformat(local[0]) == datetime.fromisoformat(utc[0]) for local, utc in pairs)
    # offsets as in Berlin, London, New York and Kolkata, summer and winter; a user keeps a zone
    assert {r[0][-6:] for r in offset[1:]} == {"+01:00", "+02:00", "+00:00", "-05:00", "-04:00", "+05:30"}
    zones: dict[str, set[str]] = {}
    for r in offset[1:]:
        zones.setdefault(r[1], set()).add(r[0][-6:])
    assert max(len(z) for z in zones.values()) <= 2  # its winter and its summer offset


def test_quoted_quotes_every_text_field_and_adds_free_text(source: Path, tmp_path: Path) -> None:
    target = write_shape(source, "quoted", tmp_path / "usage.csv")
    z, quoted = records(source), records(target)
    assert quoted[0] == list(QUOTED_ORDER)
    assert len(quoted) == len(z)
    at = {c: QUOTED_ORDER.index(c) for c in QUOTED_ORDER}
    assert [[r[at[c]] for c in COLUMNS] for r in quoted] == z  # the canonical cells as generated
    # every text field quoted, numbers and empty cells bare: outside the quoted fields, only numbers remain
    text = target.read_text(encoding="utf-8")
    assert re.fullmatch(r"[0-9.,\n]*", re.sub(r'"(?:[^"]|"")*"', "", text))
    assert text.startswith('"occurred_at","user_id","client","use_case","prompt_summary","event_id",'
                           '"interactions","output_action","minutes_saved","cost"\n"')
    summaries = [r[at["prompt_summary"]] for r in quoted[1:]]
    assert all(summaries) and all(r[at["client"]] for r in quoted[1:])
    assert sum("," in s for s in summaries) > 1000
    assert sum('"' in s for s in summaries) > 300  # written doubled inside the quotes
    assert 10 < sum("\n" in s for s in summaries) < 100  # about one in 100: a line break inside the quotes
    assert text.count("\n") == 4001 + sum(s.count("\n") for s in summaries)
    assert any("é" in s for s in summaries)


def test_a_shape_is_written_block_by_block_the_same(source: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    whole = {s: write_shape(source, s, tmp_path / s / "usage.csv").read_bytes() for s in ("offset", "quoted")}
    monkeypatch.setattr(shapes, "BLOCK_BYTES", 20_000)  # blocks of about 230 lines, read cut anywhere in a line
    for shape, expected in whole.items():
        assert write_shape(source, shape, tmp_path / "blocks" / shape / "usage.csv").read_bytes() == expected
    assert not list(tmp_path.rglob("*.partial"))


def test_a_header_alone_is_a_header_alone(tmp_path: Path) -> None:
    empty = tmp_path / "usage.csv"
    empty.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    assert write_shape(empty, "offset", tmp_path / "offset.csv").read_text() == ",".join(COLUMNS) + "\n"
    assert write_shape(empty, "quoted", tmp_path / "quoted.csv").read_text() == ",".join(
        f'"{c}"' for c in QUOTED_ORDER) + "\n"


@pytest.mark.parametrize(("content", "message"), [
    ("when,who\n1,2\n", "is not data/generate.py's usage export"),
    (",".join(COLUMNS) + '\n2026-01-05T07:46:56Z,"a@example.org",drafting,E1,1,,,\n', "holds a quote character"),
])
def test_only_the_generated_export_is_rewritten(tmp_path: Path, content: str, message: str) -> None:
    other = tmp_path / "usage.csv"
    other.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        write_shape(other, "quoted", tmp_path / "quoted.csv")
    with pytest.raises(ValueError, match="unknown shape 'excel'"):
        write_shape(other, "excel", tmp_path / "excel.csv")


def test_every_shape_is_stored_whole_and_as_the_same_rows(source: Path, tmp_path: Path) -> None:
    stored = {}
    for shape in shapes.SHAPES:
        path = write_shape(source, shape, tmp_path / shape / "usage.csv")
        with store.connect(tmp_path / f"{shape}.duckdb") as con:
            r = ingest_file(con, path, "usage.csv")
            assert (r.status, r.dataset, r.preset, r.rows_read, r.inserted, r.rejected) == (
                "stored", "usage", None, 4000, 4000, 0)
            assert r.unused_columns == (sorted(EXTRA) if shape == "quoted" else [])
            stored[shape] = con.execute(f"select {', '.join(COLUMNS)} from usage order by event_id").fetchall()
    assert stored["offset"] == stored["z"] == stored["quoted"]
