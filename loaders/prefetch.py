"""Read the files of a command-line import ahead, while Python is still loading the importer.

`cli.py ingest` calls `start` before its heavy imports: two background threads read each CSV file,
one hashing it, the other finding its record boundaries (loaders.scan). Hashing, file reads and
numpy's passes release the interpreter lock, so both run on the other core beside the imports and
beside each other. The importer then takes the digest and the scan instead of reading the file
twice more.

A result is only used while the file has the size, modification time and status-change time it
was read with (and is the same file), so a file changed in between is read again, even when the
change kept its size and put its modification time back (`cp -p`, `rsync -t`). Only the standard
library is imported here; numpy is imported by the scanning thread itself.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from loaders.formats import CSV_SUFFIXES

if TYPE_CHECKING:
    from loaders.scan import Scan

# real path, size, modification time (ns), status-change time (ns: any write or utime moves it, and
# nothing sets it back), device and inode (a file replaced by another under the same name)
Stamp = tuple[str, int, int, int, int, int]


Kind = Literal["sha256", "scan"]


class _Pending:
    """One result being made: the value (None when it could not be) once its thread is done, with
    the stamp of the file it was made from."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None
        self.stamp: Stamp | None = None


_pending: dict[tuple[Kind, str], _Pending] = {}
_lock = threading.Lock()


def _stamp(path: str | Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_dev, st.st_ino


def sha256_of(path: Path, chunk_size: int = 1 << 26) -> str:
    """sha256 of the file's bytes, read in chunks (64 MiB) so big exports do not sit in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _scan(path: Path) -> Scan:
    from loaders.scan import scan_file

    return scan_file(path)


MAKERS: dict[Kind, Callable[[Path], object]] = {"sha256": sha256_of, "scan": _scan}


def start(args: list[str]) -> None:
    """Begin reading the CSV files among these command-line words (by extension; other words, such
    as options and their values, are passed over), in order, one thread per kind of result. Daemon
    threads, so a command that stops early (a usage error) does not wait for a big file."""
    jobs: dict[Kind, list[tuple[Path, _Pending]]] = {kind: [] for kind in MAKERS}
    with _lock:
        for word in args:
            if word.startswith("-") or Path(word).suffix.lower() not in CSV_SUFFIXES or not os.path.isfile(word):
                continue
            stamp = _stamp(word)
            for kind in MAKERS:
                if stamp is not None and (kind, stamp[0]) not in _pending:
                    _pending[kind, stamp[0]] = pending = _Pending()
                    jobs[kind].append((Path(word), pending))
    for kind, todo in jobs.items():
        if not todo:
            continue
        try:
            threading.Thread(target=_run, args=(MAKERS[kind], todo), name=f"rollgate-{kind}-ahead", daemon=True).start()
        except RuntimeError:  # no thread to be had: the importer reads the files itself
            for _, pending in todo:
                pending.done.set()


def _run(make: Callable[[Path], object], todo: list[tuple[Path, _Pending]]) -> None:
    for path, pending in todo:
        try:
            stamp = _stamp(path)
            value = make(path)
            if stamp is not None and _stamp(path) == stamp:
                pending.value, pending.stamp = value, stamp
        except Exception:  # the importer reads the file itself and reports any error
            pass
        finally:
            pending.done.set()


def _take(kind: Kind, path: Path) -> object | None:
    stamp = _stamp(path)
    if stamp is None:
        return None
    with _lock:
        pending = _pending.get((kind, stamp[0]))
    if pending is None:
        return None
    pending.done.wait()
    return pending.value if pending.stamp == stamp else None


def take_sha256(path: Path) -> str | None:
    """The sha256 of `path` read ahead, waiting for it if it is under way; None when the file was not
    read ahead, could not be, or has changed since."""
    value = _take("sha256", path)
    return value if isinstance(value, str) else None


def take_scan(path: Path) -> Scan | None:
    """The record scan of `path` read ahead (without positions), as take_sha256."""
    from loaders.scan import Scan

    value = _take("scan", path)
    return value if isinstance(value, Scan) else None
