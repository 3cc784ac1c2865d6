"""The activity log (DESIGN.md §11): who did what and when, append-only and hash-chained.

Each action that changes Rollgate's records appends one row in the same transaction as the change itself
(an import, an undo, a plan save, a decision), so the log never names a change that did not happen nor
misses one that did. Each row holds the hash of the row before it and its own hash over all its fields:
an edited, inserted or deleted row breaks the chain, and `check` says where.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import duckdb
from pydantic import BaseModel

from core.access import Action, Actor
from loaders import store

COLUMNS = ("id", "at", "who", "role", "action", "object", "details", "previous", "hash")
_LIST = ", ".join(f'"{c}"' for c in COLUMNS)  # quoted: `at` is a keyword of DuckDB's SQL


class Entry(BaseModel):
    id: int
    at: datetime  # UTC
    who: str
    role: str
    action: str
    object: str
    details: str  # canonical JSON
    previous: str | None
    hash: str

    def expected_hash(self) -> str:
        return hash_of(self.id, self.at, self.who, self.role, self.action, self.object, self.details, self.previous)


def hash_of(entry_id: int, at: datetime, who: str, role: str, action: str, obj: str, details: str,
            previous: str | None) -> str:
    body = json.dumps([entry_id, at.isoformat(timespec="microseconds"), who, role, action, obj, details, previous],
                      ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def append(con: duckdb.DuckDBPyConnection, actor: Actor, action: Action, obj: str,
           details: dict[str, Any] | None = None, moment: datetime | None = None) -> int:
    """Append one entry. Call it inside the transaction of the action it records (its caller holds
    store.WRITE_LOCK and has begun the transaction), so both are written or neither. Returns its id."""
    at = (moment or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    last = store.one(con, "select id, hash from activity order by id desc limit 1")
    entry_id, previous = (int(last[0]) + 1, str(last[1])) if last else (1, None)
    text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    digest = hash_of(entry_id, at, actor.label, actor.role.word, action.value, obj, text, previous)
    con.execute(f"insert into activity ({_LIST}) values ({', '.join('?' * len(COLUMNS))})",
                [entry_id, at, actor.label, actor.role.word, action.value, obj, text, previous, digest])
    return entry_id


def record(con: duckdb.DuckDBPyConnection, actor: Actor, action: Action, obj: str,
           details: dict[str, Any] | None = None) -> int:
    """Append one entry in a transaction of its own: for an action that writes nothing else to the database
    (a download, a key rotation)."""
    with store.WRITE_LOCK:
        con.execute("begin transaction")
        try:
            entry_id = append(con, actor, action, obj, details)
            con.execute("commit")
        except BaseException:
            store.rollback_quietly(con)
            raise
    return entry_id


def entries(con: duckdb.DuckDBPyConnection) -> list[Entry]:
    """Every entry, oldest first."""
    rows = con.execute(f"select {_LIST} from activity order by id").fetchall()
    return [Entry(**dict(zip(COLUMNS, row, strict=True))) for row in rows]


def details_text(details: str) -> str:
    """An entry's details in words for a table: "file usage.csv · dataset usage · inserted 4,000"; a hash is shown
    by its first 12 digits, as the reports show it."""
    try:
        data = json.loads(details)
    except ValueError:
        return details
    if not isinstance(data, dict):
        return details

    def shown(value: object) -> str:
        if isinstance(value, bool) or value is None:
            return str(value).lower()
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, list):
            return ", ".join(shown(v) for v in value)
        text = str(value)
        return f"{text[:12]}…" if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text

    return " · ".join(f"{key.replace('_', ' ')} {shown(value)}" for key, value in data.items())


def problems(listed: list[Entry]) -> list[str]:
    """Where the chain does not check, in words (empty when it does): a row whose hash is not that of its
    fields (edited), whose `previous` is not the hash of the row before (a row removed or inserted), or a gap
    in the ids."""
    found: list[str] = []
    previous: str | None = None
    last_id = 0
    for entry in listed:
        if entry.id != last_id + 1:
            found.append(f"entry #{entry.id} follows #{last_id}: entries are missing between them")
        last_id = entry.id
        if entry.hash != entry.expected_hash():
            found.append(f"entry #{entry.id} ({entry.action} by {entry.who}) was changed after it was written: "
                         "its hash does not match its content")
        if entry.previous != previous:
            found.append(f"entry #{entry.id} does not follow the entry before it: the chain was cut there "
                         "(an entry removed, inserted or rewritten)")
        previous = entry.hash
    return found
