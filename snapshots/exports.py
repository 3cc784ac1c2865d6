"""A snapshot as files for a steering meeting: the JSON record, a CSV of the criteria and the HTML
report, named alike and written together.

The JSON file is the record itself (it verifies with `cli.py verify`); the CSV has one row per
criterion, its text cells neutralised against spreadsheet formulas (core.csv_export.safe_csv); the HTML
report is snapshots.html.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from core.csv_export import safe_csv
from snapshots import html
from snapshots.record import Snapshot

CRITERIA_COLUMNS = [
    "snapshot_id", "plan", "plan_sha256", "stage", "stage_name", "window_from", "window_to", "department",
    "use_case", "metric", "label", "family", "status", "value", "n", "low", "high", "op", "threshold", "warn",
    "min_sample", "on_fail", "explanation", "recommendation", "decision", "decided_by", "content_sha256",
]
_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9_.-]+")


def to_json(snap: Snapshot) -> bytes:
    """The record as its .json file: UTF-8, indented, fields in record order, a final newline."""
    return (json.dumps(snap.as_data(), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def criteria_rows(snap: Snapshot) -> list[dict[str, object]]:
    """One row per criterion with the snapshot's identity and decision (so rows of several snapshots
    can be stacked in one sheet). Numbers stay numbers."""
    return [{
        "snapshot_id": snap.id, "plan": snap.plan.name, "plan_sha256": snap.plan.sha256, "stage": snap.stage.id,
        "stage_name": snap.stage.name, "window_from": snap.window.from_.isoformat(),
        "window_to": snap.window.to.isoformat(), "department": snap.window.department,
        "use_case": snap.window.use_case, "metric": c.metric, "label": c.label, "family": c.family,
        "status": c.status, "value": c.value, "n": c.n, "low": c.low, "high": c.high, "op": c.op,
        "threshold": c.threshold, "warn": c.warn, "min_sample": c.min_sample, "on_fail": c.on_fail,
        "explanation": c.explanation, "recommendation": snap.recommendation.outcome,
        "decision": snap.decision.outcome, "decided_by": snap.decision.decided_by,
        "content_sha256": snap.content_sha256,
    } for c in snap.criteria]


def criteria_csv(snap: Snapshot) -> bytes:
    """The criteria as CSV (UTF-8 with BOM, every cell quoted, formula-like text neutralised)."""
    return safe_csv(criteria_rows(snap), CRITERIA_COLUMNS)


def file_stem(snap: Snapshot) -> str:
    """A file name for the snapshot's exports, safe on every file system and distinct for distinct
    content: 'gate-review-0007-pilot-2026-03-01-to-2026-03-31-3f9a1c2b' (the end is content_sha256's)."""
    stage = _UNSAFE_IN_NAMES.sub("-", snap.stage.id).strip("-.")[:40] or "stage"
    return f"gate-review-{snap.id:04d}-{stage}-{snap.window.from_}-to-{snap.window.to}-{snap.content_sha256[:8]}"


def render_all(snap: Snapshot) -> dict[str, bytes]:
    """{extension: content} of the three exports."""
    return {"html": html.report(snap).encode("utf-8"), "json": to_json(snap), "csv": criteria_csv(snap)}


def write_all(snap: Snapshot, directory: Path) -> dict[str, Path]:
    """Write the HTML report, the JSON record and the criteria CSV into `directory` (created when
    missing): {"html": path, "json": path, "csv": path}. The names carry the start of content_sha256,
    so a file of the same name already there holds the same snapshot."""
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for ext, content in render_all(snap).items():
        path = directory / f"{file_stem(snap)}.{ext}"
        path.write_bytes(content)
        written[ext] = path
    return written
