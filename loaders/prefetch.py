"""Read the files of a command-line import ahead, while Python is still loading the importer.

`cli.py ingest` calls `start` before its heavy imports: a helper process reads each CSV file once,
hashing it and finding its record boundaries (loaders.scan) from the same bytes, and writes what it
found, one line of JSON per file, to a pipe. A process rather than a thread: its many short numpy
passes would each wait for the importer's interpreter lock, while a process of its own runs them
on the other core unhindered. The importer then takes the digest and the scan instead of reading
the file twice more; where the helper cannot be started (no posix_spawn) or fails, the importer
reads the file itself.

A result is only used while the file has the size, modification time and status-change time it
was read with (and is the same file), so a file changed in between is read again, even when the
change kept its size and put its modification time back (`cp -p`, `rsync -t`). Only the standard
library is imported here; numpy is imported by the helper process.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING

from loaders.formats import CSV_SUFFIXES

if TYPE_CHECKING:
    import mmap

    from loaders.scan import Scan

from core.paths import ROOT

# real path, size, modification time (ns), status-change time (ns: any write or utime moves it, and
# nothing sets it back), device and inode (a file replaced by another under the same name)
Stamp = tuple[str, int, int, int, int, int]

# The helper's program: Rollgate's root, then the files to read.
# It leaves with os._exit: nothing to tidy, and the importer need not wait for numpy's teardown.
_HELPER = ("import os, sys; sys.path.insert(0, sys.argv[1]); from loaders.prefetch import report; "
           "report(sys.argv[2:]); os._exit(0)")


def _stamp(path: str | Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_dev, st.st_ino


WINDOW = 64 << 20  # bytes of the file mapped at a time: a mapped page counts in the process's memory


def read_ahead(path: Path) -> tuple[str, Scan]:
    """The file's sha256 and its scan. The file is mapped rather than read (no copy of its bytes), a window
    at a time (so the pages read do not pile up in the process's memory, a file's size over a 10M-row
    export), and hashed on a second thread (hashing releases the interpreter lock) while numpy is imported
    and the scan runs. A mapped file cut short meanwhile would kill the process with SIGBUS: this runs in
    the helper process, whose end only makes the importer read the file itself."""
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        digest = hashlib.sha256()

        def hash_all() -> None:
            for window in _windows(f.fileno(), size, WINDOW):
                digest.update(window)

        hashing = threading.Thread(target=hash_all)
        hashing.start()
        try:
            from loaders.scan import CHUNK, scan_chunks

            scan = scan_chunks(w[i:i + CHUNK] for w in _windows(f.fileno(), size, WINDOW)
                               for i in range(0, len(w), CHUNK))
        finally:
            hashing.join()
    return digest.hexdigest(), scan


def _windows(fd: int, size: int, length: int) -> Iterator[memoryview]:
    """The file's bytes as views of successive mapped windows. A window is unmapped once nothing refers to
    its bytes any more: a consumer may still hold a view of the last window when it asks for the next."""
    import mmap

    held: list[tuple[mmap.mmap, memoryview]] = []
    try:
        for offset in range(0, size, length):
            mapped = mmap.mmap(fd, min(length, size - offset), offset=offset, access=mmap.ACCESS_READ)
            view = memoryview(mapped)
            held.append((mapped, view))
            yield view
            held = [pair for pair in held if not _unmapped(*pair)]
    finally:
        for pair in held:
            _unmapped(*pair, force=True)


def _unmapped(mapped: mmap.mmap, view: memoryview, force: bool = False) -> bool:
    """Release and unmap a window; False while a view of its bytes is still held elsewhere."""
    try:
        view.release()
        mapped.close()
    except BufferError:
        return force  # when forced, the process ends soon: the mapping goes with it
    return True


def report(paths: list[str], out: IO[str] | None = None) -> None:
    """The helper's work: for each file, one JSON line with its stamp, sha256 and scan (or only its
    path when the file could not be read or changed while it was), written as soon as it is known."""
    out = out or sys.stdout
    for path in paths:
        found: dict[str, object] = {"path": path}
        try:
            stamp = _stamp(path)
            digest, scan = read_ahead(Path(path))
            if stamp is not None and _stamp(path) == stamp:
                found.update(stamp=stamp, sha256=digest, scan=_fields(scan))
        except Exception:  # the importer reads the file itself and reports any error
            pass
        out.write(json.dumps(found) + "\n")
        out.flush()


# What the scan says of bytes above 0x7F (loaders.scan), at its values for a file without any: left out of
# the report then, so that of an ASCII export (most of them) is what it always was; Scan(**fields) puts them back.
_ASCII = {"non_ascii": False, "multibyte": False, "invalid": 0, "invalid_at": None}


def _fields(scan: Scan) -> dict[str, object]:
    return {k: v for k, v in asdict(scan).items() if k not in _ASCII or _ASCII[k] != v}


class _Helper:
    """The helper process, and what it has reported so far by real path."""

    def __init__(self, pid: int, pipe: IO[str], paths: list[str]) -> None:
        self.pid = pid
        self.pipe = pipe
        self.waiting = set(paths)
        self.found: dict[str, dict[str, object]] = {}
        self.lock = threading.Lock()
        self.running = True

    def result(self, path: str) -> dict[str, object] | None:
        """What the helper found for `path`, reading its reports until that one (or the end) arrives."""
        with self.lock:
            while path in self.waiting and self.running:
                line = self.pipe.readline()
                if not line:  # the helper ended (or died) before reaching this file
                    self.stop()
                    break
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    item = json.loads(line)
                    self.found[item["path"]] = item
                    self.waiting.discard(item["path"])
            return self.found.get(path)

    def stop(self) -> None:
        """End the helper (if it is still reading) and collect its exit, so none is left behind."""
        if not self.running:
            return
        self.running = False
        if self.waiting:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        self.pipe.close()


_helper: _Helper | None = None


def start(args: list[str]) -> None:
    """Begin reading the CSV files among these command-line words (by extension; other words, such
    as options and their values, are passed over), in order, in a helper process. A command that
    stops early (a usage error) ends the helper on its way out rather than wait for a big file."""
    global _helper
    paths: list[str] = []
    for word in args:
        if word.startswith("-") or Path(word).suffix.lower() not in CSV_SUFFIXES or not os.path.isfile(word):
            continue
        real = os.path.realpath(word)
        if real not in paths:
            paths.append(real)
    if not paths or not hasattr(os, "posix_spawn"):
        return
    stop()
    read_end, write_end = os.pipe()  # both ends close on exec; the helper gets its own copy as stdout
    try:
        pid = os.posix_spawn(sys.executable, [sys.executable, "-c", _HELPER, str(ROOT), *paths], os.environ,
                             file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                                           (os.POSIX_SPAWN_DUP2, write_end, 1),
                                           (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    except OSError:  # no process to be had: the importer reads the files itself
        os.close(read_end)
        return
    finally:
        os.close(write_end)
    _helper = _Helper(pid, os.fdopen(read_end, "r", encoding="utf-8"), paths)
    atexit.register(stop)


def stop() -> None:
    """End the helper, if one is running, and forget what it found."""
    global _helper
    if _helper is not None:
        with _helper.lock:
            _helper.stop()
        _helper = None


def _take(path: Path) -> dict[str, object] | None:
    stamp = _stamp(path)
    helper = _helper
    if stamp is None or helper is None:
        return None
    found = helper.result(stamp[0])
    if not found or "stamp" not in found or tuple(found["stamp"]) != stamp:  # type: ignore[arg-type]
        return None
    return found


def take_sha256(path: Path) -> str | None:
    """The sha256 of `path` read ahead, waiting for it if it is under way; None when the file was not
    read ahead, could not be, or has changed since."""
    found = _take(path)
    return str(found["sha256"]) if found else None


def take_scan(path: Path) -> Scan | None:
    """The record scan of `path` read ahead (without positions), as take_sha256."""
    from loaders.scan import Scan

    found = _take(path)
    return Scan(**found["scan"]) if found else None  # type: ignore[arg-type]
