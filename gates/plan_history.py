"""Plan history (DESIGN.md §11): every saved plan is kept — who saved it, when, its sha256 and its text — in the
database beside the evidence it judges, append-only. A restore saves an old version again, as a new version.

The plan file stays what the app and the command line read; this is its record. The first save also keeps the
plan as it was found, so the version before any edit can be restored.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb
from pydantic import BaseModel, ConfigDict

from core.access import Action, Actor, require
from core.errors import NotFound
from loaders import activity, store


class PlanVersion(BaseModel):
    """One saved plan."""

    model_config = ConfigDict(frozen=True)

    id: int
    saved_at: datetime
    saved_by: str
    sha256: str
    content: str


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def versions(con: duckdb.DuckDBPyConnection) -> list[PlanVersion]:
    """Every kept version, newest first."""
    rows = con.execute("select id, saved_at, saved_by, sha256, content from plan_versions order by id desc").fetchall()
    return [PlanVersion(id=r[0], saved_at=r[1], saved_by=r[2], sha256=r[3], content=r[4]) for r in rows]


def version(con: duckdb.DuckDBPyConnection, version_id: int) -> PlanVersion:
    found = [v for v in versions(con) if v.id == version_id]
    if not found:
        raise NotFound(f"There is no plan version #{version_id}.")
    return found[0]


def record(con: duckdb.DuckDBPyConnection, previous: str, saved: str, by: Actor, action: Action = Action.PLAN,
           moment: datetime | None = None) -> PlanVersion:
    """Keep `saved`, the plan about to be written, as a new version saved by `by`; the first time, keep `previous`
    (the plan as it was found) before it. `action` is what the save was: a change of the plan (the admin role) or
    of its feature-name mappings from Upload (the analyst role); NotAllowed, nothing kept, when `by` may not.
    The activity log names the version in the same transaction. Returns the new version."""
    require(by, action)
    at = (moment or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)  # stored in UTC, as the activity log
    with store.WRITE_LOCK:
        con.execute("begin transaction")
        try:
            last = store.one(con, "select max(id), count(*) from plan_versions")
            n = int(last[0] or 0) if last else 0
            if n == 0 and previous:
                n += 1
                con.execute("insert into plan_versions values (?, ?, ?, ?, ?)",
                            [n, at, "(the plan as it was before Rollgate kept its versions)", sha256_of(previous),
                             previous])
            n += 1
            con.execute("insert into plan_versions values (?, ?, ?, ?, ?)", [n, at, by.label, sha256_of(saved), saved])
            activity.append(con, by, action, f"plan version #{n}", {"sha256": sha256_of(saved)}, moment)
            con.execute("commit")
        except BaseException:
            store.rollback_quietly(con)
            raise
    return version(con, n)


def version_of(con: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    """The newest kept version with this text (a snapshot names its plan by sha256), or None."""
    row = store.one(con, "select max(id) from plan_versions where sha256 = ?", [sha256])
    return int(row[0]) if row and row[0] is not None else None
