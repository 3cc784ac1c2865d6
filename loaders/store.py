"""The one module that owns Rollgate's DuckDB file: where it is, its schema, and connections.

Connections are short-lived (DESIGN.md §9): the app and a scheduled `cli.py ingest` share
one file, and DuckDB lets only one process hold it, so nobody keeps it open between units of
work. A connection that finds the file locked retries with back-off for a bounded time, then
raises DatabaseBusy with a plain message.

This is also where the disk's own failures are translated: a full disk (DiskFull) and a file or
folder that may not be written (DatabaseNotWritable), each with a plain message, whether they
happen as the file is opened or inside the unit of work (a failed COMMIT). A transaction rolls
back with `rollback_quietly`, so the error that ended it is the one reported.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from core.errors import DatabaseBusy, RollgateError
from core.paths import DEFAULT_DB
from loaders.schema import DATASETS
from loaders.scratch import sweep

SCHEMA_VERSION = 6
APP_WAIT_SECONDS = 5.0
CLI_WAIT_SECONDS = 60.0

# One configuration for every connection (DuckDB refuses a second connection to the same file
# with different settings). No extension downloads: the machine may be offline. UTC, so a
# timestamp without a zone is read as UTC. A memory cap: beyond it DuckDB spills to disk, so a
# 10-million-row import stays within a laptop's memory.
CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "TimeZone": "UTC",
    "memory_limit": os.environ.get("ROLLGATE_MEMORY_LIMIT", "1GB"),
}

# How DuckDB and the operating system say that the disk is full, or that a file may not be written.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
NOT_WRITABLE_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
DISK_FULL_WORDS = ("no space left on device", "disk quota exceeded")
NOT_WRITABLE_WORDS = ("permission denied", "operation not permitted", "read-only file system")
LOCK_WORDS = ("could not set lock", "conflicting lock")


class DiskFull(RollgateError):
    """The disk holding the database is full: the unit of work was rolled back, nothing was saved."""


class DatabaseNotWritable(RollgateError):
    """The database file or its folder may not be written (permissions, a read-only disk): nothing was saved."""


# Writes inside one process (the app's sessions are threads) go one at a time.
WRITE_LOCK = threading.RLock()
_schema_lock = threading.Lock()
_schema_ready: set[str] = set()


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: an explicit path, else $ROLLGATE_DB, else data/rollgate.duckdb."""
    chosen = explicit or os.environ.get("ROLLGATE_DB") or DEFAULT_DB
    return Path(chosen)


def _dataset_ddl(name: str) -> list[str]:
    cols = ", ".join(f'"{c.name}" {c.sql_type}' for c in DATASETS[name].columns)
    return [
        f"create table if not exists {name} ({cols}, ingestion_id bigint not null)",
        # Rows an ingestion replaced, so undoing it can bring them back.
        f"create table if not exists {name}_replaced ({cols}, ingestion_id bigint not null, "
        "replaced_by bigint not null)",
    ]


MIGRATIONS: dict[int, list[str]] = {
    1: [
        "create table if not exists rollgate_meta (key varchar primary key, value varchar not null)",
        "create sequence if not exists ingestion_ids start 1",
        """create table if not exists ingestions (
            id bigint primary key,
            dataset varchar not null,
            file_name varchar not null,
            sha256 varchar not null,
            uploaded_at timestamp not null,
            rows_read bigint not null,
            inserted bigint not null,
            updated bigint not null,
            unchanged bigint not null,
            rejected bigint not null,
            duplicates bigint not null,
            blank_lines bigint not null,
            mapping varchar not null,
            source_format varchar not null,
            encoding varchar,
            delimiter varchar,
            preset varchar,
            notes varchar not null,
            undone_at timestamp
        )""",
        """create table if not exists rejects (
            ingestion_id bigint not null,
            line bigint,
            "column" varchar,
            reason varchar not null,
            raw varchar
        )""",
        *[stmt for name in DATASETS for stmt in _dataset_ddl(name)],
    ],
    # Gate-review snapshots (DESIGN.md §5), append-only: snapshots/store.py appends and reads them,
    # and checks each record against its content_sha256. `record` is the snapshot's canonical JSON.
    2: [
        """create table if not exists gate_reviews (
            id bigint primary key,
            created_at timestamp not null,
            stage varchar not null,
            window_from date not null,
            window_to date not null,
            recommendation varchar not null,
            decision varchar not null,
            decided_by varchar not null,
            supersedes bigint,
            plan_sha256 varchar not null,
            content_sha256 varchar not null unique,
            record varchar not null
        )""",
    ],
    # Coverage (DESIGN.md §2): the period each ingestion covers, and where that period came from. Files
    # loaded before cover the whole months of the rows they stored (still stored, or replaced since by a
    # later file); roster and training cover every date. Rows a file found unchanged belong to the file that
    # stored them first, so a re-export may get a narrower period here: its months read as not covered, and
    # a gate on them as not enough evidence, never the other way round.
    3: [
        "alter table ingestions add column period_from date",
        "alter table ingestions add column period_to date",
        "alter table ingestions add column period_source varchar",
        *[f"""update ingestions set period_from = x.first, period_to = x.last, period_source = 'rows' from (
                select ingestion_id, cast(date_trunc('month', min("{d.time_column}")) as date) as first,
                       last_day(max("{d.time_column}")) as last from (
                    select ingestion_id, "{d.time_column}" from {d.name} union all
                    select ingestion_id, "{d.time_column}" from {d.name}_replaced) group by ingestion_id) x
              where ingestions.id = x.ingestion_id""" for d in DATASETS.values() if not d.describes_state],
        "update ingestions set period_source = 'always' where dataset in ('roster', 'training')",
    ],
    # Per-user rows (DESIGN.md §3): an export without people (the GitHub Copilot organisation report) counts in
    # totals and never as people.
    4: [
        "alter table ingestions add column user_level boolean default true",
        "update ingestions set user_level = (preset is distinct from 'github-copilot-org')",
    ],
    # Plan history (DESIGN.md §11): every saved plan, who saved it and when, kept; append-only.
    5: [
        """create table if not exists plan_versions (
            id bigint primary key,
            saved_at timestamp not null,
            saved_by varchar not null,
            sha256 varchar not null,
            content varchar not null
        )""",
    ],
    # Team use (DESIGN.md §11): who imported and who undid each ingestion, and the activity log (loaders/activity.py),
    # append-only and hash-chained. Files imported before say so rather than naming anyone.
    6: [
        "alter table ingestions add column imported_by varchar",
        "alter table ingestions add column undone_by varchar",
        """create table if not exists activity (
            id bigint primary key,
            "at" timestamp not null,
            who varchar not null,
            role varchar not null,
            action varchar not null,
            object varchar not null,
            details varchar not null,
            previous varchar,
            hash varchar not null
        )""",
    ],
}


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> tuple[Any, ...] | None:
    """The first row of a query, with the result fully consumed (DuckDB 2 refuses new work on a
    connection whose previous result was only partly fetched)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    """A count or other whole number; 0 when the query gives no row or null."""
    row = one(con, sql, params)
    return int(row[0]) if row and row[0] is not None else 0


def _open(path: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    delay = 0.05
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), config=CONFIG)
        except duckdb.IOException as e:
            if not any(words in str(e).lower() for words in LOCK_WORDS):
                plain = storage_error(e, path)
                if plain is None:
                    raise
                raise plain from e
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"The database {path.name} is in use by another Rollgate process (for example a scheduled "
                    f"import); waited {wait_seconds:g} s. Nothing was changed: try again in a moment."
                ) from e
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def connect(path: Path | None = None, wait_seconds: float = APP_WAIT_SECONDS
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the database for one unit of work; the schema is created or migrated first.

    DatabaseBusy when another process holds the file past `wait_seconds`; DiskFull or
    DatabaseNotWritable when the disk or folder holding it fails, as it opens or inside the unit of
    work (the work's transaction is then rolled back: nothing of it is saved)."""
    target = path or db_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        plain = storage_error(e, target)
        if plain is None:
            raise
        raise plain from e
    con = _open(target, wait_seconds)
    sweep(target)  # copies an import killed before its end left beside the database
    try:
        ensure_schema(con, str(target.resolve()))
        yield con
    except BaseException as e:
        with contextlib.suppress(duckdb.Error):  # the error being raised says what went wrong, not this one
            con.close()
        # DuckDB's own errors name the files they concern; an OS error counts when it is about the database's
        # files (its log, the working copies in <database>.tmp), not about an export being read.
        about_store = isinstance(e, duckdb.Error) or (
            isinstance(e, OSError) and str(e.filename or "").startswith(str(target)))
        plain = storage_error(e, target) if isinstance(e, duckdb.Error | OSError) and about_store else None
        if plain is not None:
            raise plain from e
        raise
    try:
        con.close()
    except duckdb.Error as e:
        plain = storage_error(e, target)
        if plain is None:
            raise
        raise plain from e


def storage_error(error: duckdb.Error | OSError, path: Path) -> RollgateError | None:
    """The plain error for a failure of the disk or folder holding the database at `path`: DiskFull when
    the disk is full, DatabaseNotWritable when the file, its write-ahead log or its folder may not be
    written. None for any other error (DuckDB's errors about other files, e.g. an export being read, are
    left alone: its message must name the database file)."""
    if isinstance(error, OSError):
        full, denied = error.errno in DISK_FULL_ERRNOS, error.errno in NOT_WRITABLE_ERRNOS
        read_only_disk = error.errno == errno.EROFS
    else:
        text = str(error).lower()
        full = any(words in text for words in DISK_FULL_WORDS)
        denied = str(path) in str(error) and any(words in text for words in NOT_WRITABLE_WORDS)
        read_only_disk = "read-only file system" in text
    name, folder = path.name, path.resolve().parent
    if full and "failed to create checkpoint" in str(error).lower():
        # The work was committed to the write-ahead log; copying it into the file is what failed, and
        # DuckDB replays the log the next time the file is opened.
        return DiskFull(f"The disk holding {name} is full. Everything saved so far is kept in the database's log "
                        f"({name}.wal), and Rollgate moves it into {name} the next time it opens it with space "
                        f"free. Free some space on that disk (it holds {folder}) now.")
    if full:
        return DiskFull(f"The disk holding {name} is full; nothing was saved, and the database is as it was. "
                        f"Free some space on that disk (it holds {folder}) and try again.")
    if read_only_disk:
        return DatabaseNotWritable(
            f"The disk holding {name} is read-only ({folder}); nothing was saved, and the database is as it was. "
            "Keep the database on a disk that can be written (--db PATH, or the ROLLGATE_DB setting).")
    if denied:
        return DatabaseNotWritable(
            f"Rollgate may not write {name} or its folder {folder} (permission denied); nothing was saved, and "
            "the database is as it was. Ask for write access to that folder, or use a database in a folder you "
            "can write to (--db PATH, or the ROLLGATE_DB setting).")
    return None


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the transaction that an error interrupted. After a failed COMMIT DuckDB has already ended
    it, and its "no transaction is active" must not hide the error that made the commit fail: that error
    is the one to report, so a failure to roll back is not raised."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")


def ensure_schema(con: duckdb.DuckDBPyConnection, key: str = "") -> None:
    """Create the schema, or migrate an older file to SCHEMA_VERSION, in one transaction."""
    if key and key in _schema_ready:
        return
    with _schema_lock:
        version = schema_version(con)
        if version > SCHEMA_VERSION:
            raise RollgateError(f"The database was written by a newer Rollgate (schema {version}); "
                               "upgrade Rollgate to open it.")
        if version < SCHEMA_VERSION:
            con.execute("begin transaction")
            try:
                for v in range(version + 1, SCHEMA_VERSION + 1):
                    for stmt in MIGRATIONS[v]:
                        con.execute(stmt)
                con.execute("insert or replace into rollgate_meta values ('schema_version', ?)",
                            [str(SCHEMA_VERSION)])
                con.execute("commit")
            except BaseException:
                rollback_quietly(con)
                raise
        if key:
            _schema_ready.add(key)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version recorded in the file; 0 for a new, empty file."""
    if not scalar(con, "select count(*) from information_schema.tables where table_name = 'rollgate_meta'"):
        return 0
    row = one(con, "select value from rollgate_meta where key = 'schema_version'")
    return int(row[0]) if row else 0


def data_version(path: Path | None = None) -> tuple[int, int, int]:
    """A value that changes with every write, read without opening (or locking) the database.

    (mtime in ns, size of the file, size of its write-ahead log): caches key on it so a new
    upload or an undo is seen at once.
    """
    target = path or db_path()
    wal = target.with_name(target.name + ".wal")
    try:
        st = target.stat()
    except FileNotFoundError:
        return (0, 0, 0)
    wal_size = wal.stat().st_size if wal.exists() else 0
    return (st.st_mtime_ns, st.st_size, wal_size)


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Stored rows per dataset."""
    out: dict[str, int] = {}
    for name in DATASETS:
        out[name] = scalar(con, f"select count(*) from {name}")
    return out


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    return sum(row_counts(con).values()) == 0
