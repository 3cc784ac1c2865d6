"""Shared helpers for the snapshot tests: a demo database per test, plan variants, a pure review.

The demo exports are loaded once per test process into a template file; each test gets its own
copy (snapshots are appended, so tests must not share a database).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from gates.period import ReviewPeriod
from gates.plan import Plan
from gates.plan_io import DEFAULT_PLAN, parse_plan
from gates.review import Evaluation, review
from loaders import store
from loaders.demo import load_demo
from metrics.model import MetricValue, Window
from metrics.registry import METRICS
from snapshots.build import build_snapshot
from snapshots.record import Decision, IncidentList, IncidentRecord, Snapshot
from snapshots.signing import sign

PLAN_TEXT = DEFAULT_PLAN.read_text(encoding="utf-8")
JUNE = Window(date(2026, 6, 1), date(2026, 6, 30))
MOMENT = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)


@cache
def _template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="rollgate-snapshot-tests-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "demo.duckdb"
    with store.connect(path) as con:
        reports = load_demo(con)
        assert all(r.status == "stored" for r in reports), [r.message for r in reports]
        con.execute("checkpoint")
    return path


def demo_database(directory: Path) -> Path:
    """A fresh copy of a database holding the demo exports, in `directory`."""
    target = directory / "rollgate.duckdb"
    shutil.copyfile(_template(), target)
    return target


def plan(text: str = PLAN_TEXT) -> Plan:
    return parse_plan(text, "plan.toml")


def plan_with(old: str, new: str, count: int = 1) -> Plan:
    """The default plan with the first `count` occurrences of `old` replaced by `new`."""
    assert PLAN_TEXT.count(old) >= count, old
    return plan(PLAN_TEXT.replace(old, new, count))


def pure_review(p: Plan | None = None, stage: str = "department", window: Window = JUNE,
                values: Mapping[str, float | None] | None = None, period: ReviewPeriod | None = None) -> Evaluation:
    """A review computed without a database: every metric has no data unless given in `values`
    (rates get n = 100 and no interval); judged on `period` when given, else on the window whole."""
    chosen = p or plan()
    given = values or {}
    mv = {m.id: MetricValue(m.id, given.get(m.id), 100 if m.n else None) for m in METRICS}
    triggers = [mv[t.metric] for t in chosen.pause_triggers]
    return review(chosen, stage, window, mv, triggers, period=period)


def pure_snapshot(evaluation: Evaluation | None = None, p: Plan | None = None, decision: Decision | None = None,
                  incidents: IncidentList | None = None, snapshot_id: int = 1, previous: str | None = None,
                  supersedes: int | None = None) -> Snapshot:
    """build_snapshot with fixed inputs (no trends, no provenance) — the same call gives the same hash."""
    chosen = p or plan()
    ev = evaluation or pure_review(chosen)
    return build_snapshot(
        evaluation=ev, plan=chosen,
        decision=decision or Decision(outcome=ev.recommendation.outcome, decided_by="Steering group"),
        trends={}, incidents=incidents or IncidentList(total=0, listed=()), sources=(), span=ev.window,
        snapshot_id=snapshot_id, created_at=MOMENT, previous_sha256=previous, supersedes=supersedes,
        app_version="0.1.0")


def signed(snap: Snapshot) -> Snapshot:
    """`snap` signed as the store signs it, with a key made for the test run (in a temporary folder)."""
    return snap.model_copy(update={"signature": sign(_key_folder(), snap.content_sha256, first=True)})


@cache
def _key_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="rollgate-test-keys-")) / "keys"
    atexit.register(shutil.rmtree, folder.parent, True)
    return folder


def incident(description: str, correction: str | None = None) -> IncidentRecord:
    return IncidentRecord(incident_id="INC-1", reported_at="2026-06-12T10:00:00Z", category="data_exposure",
                          severity="high", description=description, correction=correction)
