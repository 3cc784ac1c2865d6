"""Snapshots in the database, append-only: the table `gate_reviews` (loaders/store.py, schema 2).

This module appends and reads; it has no function that changes or removes a stored snapshot,
and none of its SQL does (a test holds it to that). A correction is a new snapshot naming the
one it supersedes. DuckDB has no triggers to refuse a change made behind the app's back, so
every read checks instead:
- the stored record's content_sha256 is recomputed from its content (a changed value, decision
  or plan text no longer matches);
- the listing columns (stage, window, decision, ...) must equal the record's;
- snapshots form a chain: each names the content_sha256 of the one recorded before it, and ids
  run 1, 2, 3 without gaps, so removing or replacing one breaks the chain at its successor.
(Removing the newest snapshot leaves no successor to notice; its exported files still verify.)

Grain of gate_reviews: one row per snapshot; `record` holds the canonical JSON of the whole
snapshot (content_sha256 included), the other columns are for listing and filtering.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict, ValidationError

from core.access import Action, Actor
from core.errors import InputError, NotFound, RollgateError
from loaders import activity
from loaders import store as db
from snapshots import signing
from snapshots.record import HASH_FIELD, Snapshot, canonical_json, content_sha256

__all__ = ["SnapshotAltered", "SnapshotEntry", "append", "check_supersedes", "entries", "get", "latest_id"]

_COLUMNS = ("id", "created_at", "stage", "window_from", "window_to", "recommendation", "decision", "decided_by",
            "supersedes", "plan_sha256", "content_sha256", "record")


class SnapshotAltered(RollgateError):
    """A stored snapshot no longer matches its content_sha256, or the chain of snapshots is broken."""


class SnapshotEntry(BaseModel):
    """One line of the history: what was decided on what, and whether the record is intact."""

    model_config = ConfigDict(frozen=True)

    id: int
    created_at: datetime
    stage: str
    window_from: str
    window_to: str
    recommendation: str
    decision: str
    decided_by: str
    supersedes: int | None
    superseded_by: int | None
    plan_sha256: str
    content_sha256: str
    intact: bool
    problem: str | None = None
    stage_name: str = ""  # the stage's name as the record holds it (its id when the record cannot be read)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _columns_of(snap: Snapshot) -> list[object]:
    return [snap.id, datetime.strptime(snap.created_at, "%Y-%m-%dT%H:%M:%SZ"), snap.stage.id, snap.window.from_,
            snap.window.to, snap.recommendation.outcome, snap.decision.outcome, snap.decision.decided_by,
            snap.supersedes, snap.plan.sha256, snap.content_sha256]


def latest_id(con: duckdb.DuckDBPyConnection) -> int | None:
    """The id of the newest snapshot, None when there is none."""
    row = db.one(con, "select max(id) from gate_reviews")
    return None if row is None or row[0] is None else int(row[0])


def check_supersedes(con: duckdb.DuckDBPyConnection, supersedes: int | None) -> None:
    """InputError when `supersedes` names no stored snapshot."""
    if supersedes is None:
        return
    if db.one(con, "select 1 from gate_reviews where id = ?", [supersedes]) is None:
        newest = latest_id(con)
        known = f"snapshots run from #1 to #{newest}" if newest else "no snapshot is recorded yet"
        raise InputError(f"--supersedes {supersedes}: there is no snapshot #{supersedes} ({known}).")


def append(con: duckdb.DuckDBPyConnection, make: Callable[[int, str | None], Snapshot], by: Actor) -> Snapshot:
    """Append the snapshot `make(id, previous_sha256)` builds, signed with the installation's key, in one
    transaction: the id is the next one (1, 2, 3, ...) and previous_sha256 is the newest snapshot's
    content_sha256 (None for the first); then the chain head outside the database names it. InputError when
    the snapshot supersedes one that is not stored, or the signing key is missing or unreadable (nothing is
    recorded unsigned). The activity log names it, by `by`, in the same transaction. Returns the stored snapshot."""
    folder = signing.key_folder(con)
    with db.WRITE_LOCK:
        con.execute("begin transaction")
        try:
            last = db.one(con, "select id, content_sha256 from gate_reviews order by id desc limit 1")
            snap = make(int(last[0]) + 1 if last else 1, last[1] if last else None)
            check_supersedes(con, snap.supersedes)
            if not snap.intact:
                raise RollgateError("internal error: a snapshot was built with a wrong content_sha256.")
            # The key is made with the first signed record; after that a missing key is refused, not replaced.
            snap = snap.model_copy(update={"signature": signing.sign(folder, snap.content_sha256,
                                                                     first=not _any_signed(con))})
            con.execute(f"insert into gate_reviews ({', '.join(_COLUMNS)}) values ({', '.join('?' * len(_COLUMNS))})",
                        [*_columns_of(snap), canonical_json(snap.as_data()).decode("ascii")])
            activity.append(con, by, Action.DECIDE, f"snapshot #{snap.id}",
                            {"stage": snap.stage.id, "decision": snap.decision.outcome,
                             "decided_by": snap.decision.decided_by, "content_sha256": snap.content_sha256})
            con.execute("commit")
        except BaseException:
            db.rollback_quietly(con)
            raise
        signing.write_head(folder, snap.id, snap.content_sha256)
    return snap


def _check_row(row: tuple[Any, ...]) -> tuple[Snapshot | None, str | None]:
    """The stored snapshot of one row, or the reason it cannot be trusted."""
    sid, stored_sha, record = row[0], row[10], row[11]
    try:
        data = json.loads(record)
        recomputed = content_sha256(data)
    except (ValueError, TypeError):
        return None, f"snapshot #{sid} is not a readable record any more"
    if data.get(HASH_FIELD) != stored_sha or recomputed != stored_sha:
        return None, (f"snapshot #{sid} was altered after it was recorded: its content no longer matches its "
                      f"content_sha256 {stored_sha[:12]}…")
    try:
        snap = Snapshot.model_validate(data)
    except ValidationError:
        return None, f"snapshot #{sid} is intact but was written by an incompatible Rollgate version"
    if snap.signature is not None and (bad := signing.check(snap.signature, stored_sha)):
        return None, f"snapshot #{sid} was altered after it was recorded: {bad}"
    if _columns_of(snap) != list(row[:11]):
        return None, f"snapshot #{sid} was altered after it was recorded: its listing no longer matches its record"
    return snap, None


def _select(con: duckdb.DuckDBPyConnection, where: str = "", params: list[object] | None = None
            ) -> list[tuple[Any, ...]]:
    return con.execute(f"select {', '.join(_COLUMNS)} from gate_reviews {where} order by id", params or []).fetchall()


def get(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> Snapshot:
    """The stored snapshot `snapshot_id`, checked: NotFound when there is none, SnapshotAltered when its
    content no longer matches its content_sha256 or the snapshot before it no longer matches its link."""
    rows = _select(con, "where id = ?", [snapshot_id])
    if not rows:
        newest = latest_id(con)
        known = f"snapshots run from #1 to #{newest}" if newest else "no snapshot is recorded yet"
        raise NotFound(f"There is no snapshot #{snapshot_id} ({known}); list them with `cli.py snapshots`.")
    snap, problem = _check_row(rows[0])
    if snap is None:
        raise SnapshotAltered(f"{problem}. Do not rely on it; record the review again.")
    link = _link_problem(con, snap)
    if link:
        raise SnapshotAltered(f"{link}. Do not rely on it; record the review again.")
    return snap


def _link_problem(con: duckdb.DuckDBPyConnection, snap: Snapshot) -> str | None:
    if snap.id == 1:
        return None if snap.previous_sha256 is None else "snapshot #1 names a predecessor that is not stored"
    row = db.one(con, "select record from gate_reviews where id = ?", [snap.id - 1])
    if row is None:
        return f"snapshot #{snap.id - 1}, recorded before #{snap.id}, was removed"
    try:
        previous = content_sha256(json.loads(row[0]))
    except (ValueError, TypeError):
        previous = None
    if previous != snap.previous_sha256:
        return f"snapshot #{snap.id - 1}, recorded before #{snap.id}, was replaced or altered"
    return None


def entries(con: duckdb.DuckDBPyConnection) -> list[SnapshotEntry]:
    """Every stored snapshot, newest first, each checked (intact, or the problem found)."""
    rows = _select(con)
    superseded_by: dict[int, int] = {}
    for r in rows:
        if r[8] is not None:
            superseded_by.setdefault(int(r[8]), int(r[0]))
    out: list[SnapshotEntry] = []
    previous_sha: str | None = None
    previous_id = 0
    for r in rows:
        snap, problem = _check_row(r)
        if snap is not None and problem is None:
            if r[0] != previous_id + 1:
                problem = f"snapshot #{previous_id + 1} was removed before #{r[0]}"
            elif snap.previous_sha256 != previous_sha:
                problem = f"snapshot #{previous_id}, recorded before #{r[0]}, was replaced or altered"
        out.append(SnapshotEntry(
            id=r[0], created_at=r[1], stage=r[2], window_from=r[3].isoformat(), window_to=r[4].isoformat(),
            recommendation=r[5], decision=r[6], decided_by=r[7], supersedes=r[8], superseded_by=superseded_by.get(r[0]),
            plan_sha256=r[9], content_sha256=r[10], intact=problem is None, problem=problem,
            stage_name=snap.stage.name if snap is not None else r[2]))
        previous_id = int(r[0])
        try:
            previous_sha = content_sha256(json.loads(r[11]))
        except (ValueError, TypeError):
            previous_sha = None
    problem = head_problem(con)
    if out and problem and out[-1].intact:
        out[-1] = out[-1].model_copy(update={"intact": False, "problem": problem})
    return list(reversed(out))


def _any_signed(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any stored record is signed (canonical JSON writes the key as `"signature":`)."""
    return bool(db.scalar(con, "select count(*) from gate_reviews where record like '%\"signature\":%'"))


def head_problem(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the newest stored snapshot is not the one the chain head outside the database names (a newest record
    deleted or forged, or the chain rewritten as a whole), or None when it is, or nothing was ever signed."""
    head = signing.read_head(signing.key_folder(con))
    newest = db.one(con, "select id, content_sha256 from gate_reviews order by id desc limit 1")
    if head is None:
        return ("the chain head kept outside the database is missing, so a deleted or forged newest snapshot could "
                "not be seen; restore the key folder from its backup") if _any_signed(con) else None
    if newest is None or (int(newest[0]), str(newest[1])) != head:
        named = f"#{head[0]}" if head[0] > 0 else "an unreadable record"
        return (f"the newest snapshot does not match the chain head kept outside the database ({named}): a snapshot "
                "was deleted or forged, or the chain rewritten")
    return None


def earlier_reviews(listed: list[SnapshotEntry], stage: str, before: str) -> list[int]:
    """Ids of the intact, standing (not corrected by a later one) reviews of `stage` whose window ended before
    the day `before` ('YYYY-MM-DD'), newest first: the candidates for "the last gate review" a page compares
    with (the caller checks the filters, which the listing does not hold)."""
    return [e.id for e in sorted(listed, key=lambda e: e.id, reverse=True)
            if e.intact and e.superseded_by is None and e.stage == stage and e.window_to < before]
