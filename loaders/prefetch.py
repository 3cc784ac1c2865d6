"""Read the files of a command-line import ahead, while Python is still loading the importer.

`cli.py ingest` calls `start` before its heavy imports: a background thread reads each CSV file
once, hashing it and finding its record boundaries (loaders.scan) as it goes. Hashing, file
reads and numpy's passes release the interpreter lock, so this runs on another core beside the
imports. The importer then `take`s the digest and the scan instead of reading the file twice more.

A result is only used while the file has the size and modification time it was read with, so a
file changed in between is read again. Only the standard library is imported here; numpy is
imported by the background thread itself.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from loaders.formats import CSV_SUFFIXES

if TYPE_CHECKING:
    from loaders.scan import Scan

Stamp = tuple[str, int, int]  # real path, size, modification time (ns)


@dataclass(frozen=True)
class ReadAhead:
    """What the background read found for one file."""

    stamp: Stamp
    sha256: str
    scan: Scan


class _Pending:
    """One file being read: the result, or the error, once the thread is done."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: ReadAhead | None = None


_pending: dict[str, _Pending] = {}
_lock = threading.Lock()


def _stamp(path: str | Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return os.path.realpath(path), st.st_size, st.st_mtime_ns


def start(args: list[str]) -> None:
    """Begin reading the CSV files among these command-line words (by extension; other words, such
    as options and their values, are passed over) in one daemon thread, in order. A daemon, so a
    command that stops early (a usage error) does not wait for a big file to be hashed."""
    jobs: list[tuple[str, _Pending]] = []
    with _lock:
        for p in args:
            if p.startswith("-") or Path(p).suffix.lower() not in CSV_SUFFIXES:
                continue
            stamp = _stamp(p)
            if stamp is None or not os.path.isfile(p) or stamp[0] in _pending:
                continue
            _pending[stamp[0]] = pending = _Pending()
            jobs.append((p, pending))
    if jobs:
        threading.Thread(target=_run, args=(jobs,), name="rollgate-read-ahead", daemon=True).start()


def _run(jobs: list[tuple[str, _Pending]]) -> None:
    for path, pending in jobs:
        try:
            pending.result = _read(Path(path))
        except Exception:  # the importer reads the file itself and reports any error
            pending.result = None
        finally:
            pending.done.set()


def _read(path: Path) -> ReadAhead | None:
    stamp = _stamp(path)
    if stamp is None:
        return None
    digest = hashlib.sha256()
    from loaders.scan import scan_file

    found = scan_file(path, digest=digest)
    return ReadAhead(stamp, digest.hexdigest(), found) if _stamp(path) == stamp else None


def take(path: Path) -> ReadAhead | None:
    """The read-ahead of `path`, waiting for it if it is under way; None when the file was not read
    ahead, could not be, or has changed since."""
    stamp = _stamp(path)
    if stamp is None:
        return None
    with _lock:
        pending = _pending.get(stamp[0])
    if pending is None:
        return None
    pending.done.wait()
    result = pending.result
    return result if result is not None and result.stamp == stamp else None
