"""A snapshot keeps the expansion forecast shown beside its review (DESIGN.md §12): in the record, signed and
hashed with the rest, and in the HTML report; a record without one — made before forecasts, or of the last
stage — still loads and verifies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from snapshot_fixture import JUNE, demo_database, plan, plan_with, pure_snapshot, signed

from gates.forecast import NEXT_STAGE, Ask, forecast
from gates.plan import Plan
from gates.review import evaluate
from loaders import store
from metrics.model import Window
from snapshots.build import record_review
from snapshots.exports import to_json
from snapshots.html import report
from snapshots.record import Decision, Snapshot, canonical_json, content_sha256
from snapshots.store import get
from snapshots.verify import load_verified, verify


def _record(con: duckdb.DuckDBPyConnection, window: Window = JUNE, stage: str = "department",
            ask: Ask | None = NEXT_STAGE, p: Plan | None = None) -> Snapshot:
    chosen = p or plan()
    ev = evaluate(con, chosen, stage, window)
    return record_review(con, chosen, ev, Decision(outcome=ev.recommendation.outcome, decided_by="Steering group"),
                         forecast_ask=ask)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with store.connect(demo_database(tmp_path)) as connection:
        yield connection


def test_a_snapshot_carries_its_forecast_and_verifies(con: duckdb.DuckDBPyConnection) -> None:
    snap = _record(con)
    assert snap.forecast is not None
    engine = forecast(con, plan(), "department", JUNE)
    assert (snap.forecast.stage.id, snap.forecast.month) == ("extra-review", "2026-08")
    assert [m.central or 0 for m in snap.forecast.measures] == pytest.approx([m.central or 0 for m in engine.measures],
                                                                          rel=1e-9)
    assert all(m.central is not None for m in snap.forecast.measures)
    assert snap.forecast.assumptions == engine.assumptions
    assert snap.intact and get(con, snap.id) == snap
    raw = to_json(snap)
    assert json.loads(raw)["forecast"]["people"] == {"count": 45, "source": "plan"}
    checked = verify(raw, "review.json")
    assert checked.trusted, checked.message
    assert load_verified(raw, "review.json") == snap


def test_an_edited_forecast_fails_verify(con: duckdb.DuckDBPyConnection) -> None:
    data = json.loads(to_json(_record(con)))
    data["forecast"]["measures"][0]["central"] += 10
    checked = verify(json.dumps(data).encode(), "review.json")
    assert not checked.intact
    data["content_sha256"] = content_sha256(data)  # re-hashed: the signature no longer matches
    checked = verify(canonical_json(data), "review.json")
    assert (checked.intact, checked.trusted) == (False, False)


def test_the_page_choices_are_kept_and_none_means_no_forecast(con: duckdb.DuckDBPyConnection) -> None:
    asked = _record(con, ask=Ask(stage="extra-review", users=80, damping=0.6))
    assert asked.forecast is not None
    assert (asked.forecast.people.count, asked.forecast.people.source, asked.forecast.damping) == (80, "given", 0.6)
    assert _record(con, ask=None).forecast is None


def test_the_last_stage_records_no_forecast_and_its_record_has_no_forecast_key(con: duckdb.DuckDBPyConnection
                                                                              ) -> None:
    snap = _record(con, Window(date(2026, 9, 1), date(2026, 9, 30)), "extra-review")
    assert snap.forecast is None
    assert "forecast" not in json.loads(to_json(snap))
    assert verify(to_json(snap), "review.json").trusted


def test_a_record_made_before_forecasts_still_loads_and_verifies() -> None:
    old = signed(pure_snapshot())
    data = json.loads(to_json(old))
    assert "forecast" not in data  # as records were written before forecasts
    assert content_sha256(data) == old.content_sha256
    assert load_verified(to_json(old), "old.json") == old
    assert 'id="forecast"' not in report(old)


def test_the_report_shows_the_forecast_after_readiness_escaped(con: duckdb.DuckDBPyConnection) -> None:
    p = plan_with('name = "Department rollout with extra review"', 'name = "<b>Extra</b> & co"')
    snap = _record(con, p=p)
    assert snap.forecast is not None
    page = report(snap)
    assert page.index('id="readiness"') < page.index('id="forecast"') < page.index('id="family-quality"')
    section = page[page.index('id="forecast"'):page.index('id="family-quality"')]
    assert "<h2>Expansion forecast</h2>" in section
    assert "Stage &lt;b&gt;Extra&lt;/b&gt; &amp; co (extra-review) in Aug 2026, its first full month, with 45 " \
           "people with access (the stage&#x27;s expected_users in the plan) and damping 1" in section
    assert "<b>Extra</b>" not in page
    for m in snap.forecast.measures:
        assert f"<td>{m.label}</td>" in section
    assert section.count("<li>") == len(snap.forecast.assumptions)
