"""The command line's read-ahead: the digest and scan it hands over are exactly those the importer
would make itself, and nothing stale or unrelated is ever handed over."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders import prefetch, scan
from loaders.scan import scan_file


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    prefetch.stop()
    yield
    prefetch.stop()


def _csv(tmp_path: Path, name: str = "usage.csv", rows: int = 2000) -> Path:
    path = tmp_path / name
    lines = ["occurred_at,user_id,use_case"] + [f"2026-03-01T10:00:00Z,u{i},drafting" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def test_the_read_ahead_equals_what_the_importer_computes(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    prefetch.start(["--db", "x.duckdb", str(path), "--dataset", "usage"])
    scan = prefetch.take_scan(path)
    assert prefetch.take_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert scan == scan_file(path)
    assert scan is not None and (scan.records, scan.blank, scan.padded) == (2001, 1, False)


def test_only_csv_files_named_on_the_command_line_are_read(tmp_path: Path) -> None:
    csv, parquet = _csv(tmp_path), tmp_path / "usage.parquet"
    parquet.write_bytes(b"PAR1")
    prefetch.start([str(parquet), "--map", "A=b", str(tmp_path / "missing.csv"), f"--plan={csv}"])
    assert prefetch._helper is None
    assert prefetch.take_sha256(csv) is None and prefetch.take_sha256(parquet) is None
    assert prefetch.take_scan(csv) is None


def test_a_file_changed_after_the_read_ahead_is_read_again(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    prefetch.start([str(path)])
    assert prefetch.take_sha256(path) is not None and prefetch.take_scan(path) is not None
    path.write_text("occurred_at,user_id\n2026-03-01,u1\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert prefetch.take_sha256(path) is None and prefetch.take_scan(path) is None


def test_a_file_gone_before_it_is_read_is_left_to_the_importer(tmp_path: Path) -> None:
    out = io.StringIO()
    prefetch.report([str(tmp_path / "gone.csv")], out)
    assert out.getvalue() == json.dumps({"path": str(tmp_path / "gone.csv")}) + "\n"


def test_the_helper_reports_each_file_as_one_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, rows=3)
    out = io.StringIO()
    prefetch.report([str(path)], out)
    found = json.loads(out.getvalue())
    st = os.stat(path)
    assert found == {"path": str(path), "stamp": [os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns,
                                                  st.st_dev, st.st_ino],
                     "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                     "scan": {"header_end": 28, "records": 4, "blank": 1, "open_quote": False, "last_quote": -1,
                              "crlf": 0, "ends": 5, "padded": False, "controls": False, "line_breaks": False,
                              "hashes": False, "unicode_spaces": False, "newlines": None, "record_starts": None}}


def test_a_helper_that_dies_leaves_the_files_to_the_importer(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    prefetch.start([str(path)])
    assert prefetch._helper is not None
    os.kill(prefetch._helper.pid, signal.SIGKILL)
    assert prefetch.take_sha256(path) is None and prefetch.take_scan(path) is None


def test_a_file_rewritten_with_its_size_and_modification_time_kept_is_read_again(tmp_path: Path) -> None:
    # `cp -p`, `rsync -t` or an unzip put back the old modification time: the content is still new.
    path = _csv(tmp_path)
    prefetch.start([str(path)])
    assert prefetch.take_sha256(path) is not None and prefetch.take_scan(path) is not None
    before = os.stat(path)
    path.write_bytes(path.read_bytes().replace(b"u1,", b"u2,", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    assert prefetch.take_sha256(path) is None and prefetch.take_scan(path) is None


def test_a_file_named_twice_and_in_two_spellings_is_read_ahead_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _csv(tmp_path)
    monkeypatch.chdir(tmp_path)
    prefetch.start([path.name, str(path), f"./{path.name}"])
    assert prefetch._helper is not None and prefetch._helper.waiting == {os.path.realpath(path)}
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert prefetch.take_sha256(Path(path.name)) == prefetch.take_sha256(path) == digest
    assert prefetch.take_scan(Path(path.name)) == prefetch.take_scan(path) == scan_file(path)


def test_without_a_helper_process_the_importer_reads_the_file_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(prefetch.os, "posix_spawn", refuse)
    path = _csv(tmp_path)
    prefetch.start([str(path)])
    assert prefetch.take_sha256(path) is None and prefetch.take_scan(path) is None  # at once, no wait


def test_a_command_that_stops_early_leaves_no_helper_behind(tmp_path: Path) -> None:
    path = _csv(tmp_path, rows=200_000)
    prefetch.start([str(path)])
    assert prefetch._helper is not None
    pid = prefetch._helper.pid
    prefetch.stop()  # what the command line's exit does (atexit), before the helper is done
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # ended and collected: no zombie either
    assert prefetch.take_sha256(path) is None


def test_the_mapped_read_ahead_equals_the_read_scan_wherever_the_chunks_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(b'occurred_at,user_id,note\r\n2026-03-01,u1,"two\nlines"\r\n\r\n2026-03-02, u2 ,x\n' * 40)
    for chunk in (7, 64, 1000):
        monkeypatch.setattr(scan, "CHUNK", chunk)
        digest, found = prefetch.read_ahead(path)
        assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
        assert found == scan_file(path)
        # 4 lines a repeat (header, a record over two lines, a blank line, a record), less the first header
        assert (found.records, found.blank, found.crlf, found.padded) == (159, 40, 120, True)


def test_the_file_is_read_ahead_a_window_at_a_time_with_the_same_digest_and_scan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mmap

    from loaders.scan import scan_file

    path = _csv(tmp_path, rows=5000)
    monkeypatch.setattr(prefetch, "WINDOW", mmap.ALLOCATIONGRANULARITY)  # many windows, cut anywhere in a record
    assert path.stat().st_size > 8 * mmap.ALLOCATIONGRANULARITY
    digest, scan = prefetch.read_ahead(path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert scan == scan_file(path)
