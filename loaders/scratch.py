"""Temporary copies of an upload (text transcoded to UTF-8, a gzip file unpacked), kept beside the database.

A copy lives in the folder `<database file>.tmp` next to the database (the system temp folder when the
database is in memory), and no longer than the import that made it: a `scratch()` block removes what was
made inside it, however the block ends. A process killed during an import cannot remove its copies, so
`sweep` removes them later (on the next start, and whenever a process first makes a copy in a folder).

The sweep must never remove a copy that an import of a live process is still reading. Each process
therefore holds a lock file in the folder for as long as it lives (an exclusive flock, which the kernel
releases when the process ends, however it ends) and names its copies after that lock file: copies whose
lock file is gone or free belong to a process that no longer runs. The lock decides, not the pid in the
name: a pid is reused (a restarted container gets the same one), a lock is not. Where the system has no
flock, nothing is swept. Only the standard library is imported here: `loaders.store` may sweep on connect.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

try:
    import fcntl
except ImportError:  # pragma: no cover - not a posix system: nothing is swept
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import duckdb

PREFIX = "rollgate-tmp-"
# rollgate-tmp-<pid>-<8 hex>.lock (a process's lock) and rollgate-tmp-<pid>-<8 hex>-<n><suffix> (its copies)
_NAME = re.compile(r"rollgate-tmp-(\d+-[0-9a-f]{8})(?:\.lock|-\d+(?:\.[A-Za-z0-9.]+)?)")


@dataclass
class _Owner:
    pid: int    # the process that took the lock (a forked child takes its own)
    token: str  # <pid>-<8 hex>: the names of the lock file and copies
    fd: int     # the open, locked lock file


_owners: dict[Path, _Owner] = {}
_owners_lock = threading.Lock()
_numbers = itertools.count(1)
_PENDING: ContextVar[list[Path] | None] = ContextVar("rollgate_scratch", default=None)


def folder_for(con: duckdb.DuckDBPyConnection) -> Path:
    """Where temporary copies for an import on `con` go: `<database file>.tmp` beside the database file, or
    the system temp folder for an in-memory database."""
    rows = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
    path = rows[0][0] if rows else None
    return Path(f"{path}.tmp") if path else Path(tempfile.gettempdir())


def new_copy(folder: Path, suffix: str) -> Path:
    """A new, empty file (readable by its owner only) for a temporary copy in `folder`, named after this
    process's lock there. Inside a `scratch()` block it is removed when the block ends; otherwise the caller
    removes it."""
    token = _token(folder)
    path = folder / f"{PREFIX}{token}-{next(_numbers)}{suffix}"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if (pending := _PENDING.get()) is not None:
        pending.append(path)
    return path


@contextmanager
def scratch() -> Iterator[None]:
    """Remove, on leaving, every temporary copy made inside the block (by `new_copy`), however it ends."""
    files: list[Path] = []
    token = _PENDING.set(files)
    try:
        yield
    finally:
        _PENDING.reset(token)
        for f in files:
            f.unlink(missing_ok=True)


def sweep(database: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary copies that imports killed before their end left beside the database file
    `database` (in `<database>.tmp`). Returns the files removed. Cheap when there is nothing to remove: one
    listing of a small folder (or none, when the folder does not exist)."""
    return sweep_folder(Path(f"{os.fspath(database)}.tmp"))


def sweep_folder(folder: Path) -> list[Path]:
    """Remove from `folder` the copies and lock files of processes that no longer run (see the module's
    docstring): those whose lock file is missing or can be locked. A live process's files are kept,
    this process's own included."""
    if fcntl is None:
        return []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    groups: dict[str, list[str]] = {}
    for name in names:
        if (m := _NAME.fullmatch(name)) is not None:
            groups.setdefault(m.group(1), []).append(name)
    own = _owners.get(folder.absolute())
    removed: list[Path] = []
    for token, files in groups.items():
        if own is not None and own.token == token:
            continue
        lock = folder / f"{PREFIX}{token}.lock"
        try:
            fd = os.open(lock, os.O_RDONLY)
        except FileNotFoundError:  # copies outlive their lock only when their process is gone
            fd = -1
        except OSError:  # another user's files, or no access: not ours to judge
            continue
        try:
            if fd >= 0:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # held: its process is alive
                    continue
            for name in sorted(files, key=lambda n: n.endswith(".lock")):  # the lock file last
                with contextlib.suppress(OSError):
                    (folder / name).unlink()
                    removed.append(folder / name)
        finally:
            if fd >= 0:
                os.close(fd)
    return removed


def _token(folder: Path) -> str:
    """This process's token in `folder`: on first use, the folder is made, swept, and a lock file taken."""
    key = folder.absolute()
    with _owners_lock:
        owner = _owners.get(key)
        if owner is not None and owner.pid == os.getpid():
            return owner.token
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        sweep_folder(folder)
        while True:
            token = f"{os.getpid()}-{secrets.token_hex(4)}"
            lock = folder / f"{PREFIX}{token}.lock"
            try:
                fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # waits while a sweep that found it unlocked removes it
            if _same_file(lock, fd):
                break
            os.close(fd)  # a sweep removed it before it was locked: take another
        _owners[key] = _Owner(os.getpid(), token, fd)
        return token


def _same_file(path: Path, fd: int) -> bool:
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    return (st.st_dev, st.st_ino) == (os.fstat(fd).st_dev, os.fstat(fd).st_ino)


@atexit.register
def _release() -> None:
    """A process that ends normally removes its lock files (a killed one leaves them to the next sweep)."""
    for folder, owner in list(_owners.items()):
        if owner.pid == os.getpid():
            with contextlib.suppress(OSError):
                (folder / f"{PREFIX}{owner.token}.lock").unlink()
                os.close(owner.fd)
