"""What every page reads: ui.data's cached reads (the data's extent, metric values, the data version), and
the gate review the pages get from gates.review.evaluate fed with those cached values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pages_fixture import plan

import metrics
from gates.period import NotInForce
from gates.review import evaluate
from loaders import store
from loaders.ingest import ingest_file
from metrics.extent import NOTHING, extent
from metrics.model import MetricContext, MetricValue, Window
from metrics.window import month_window
from ui import data
from ui.plan import current
from ui.session import Session

JUNE = month_window("2026-06")
DEMO_MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09")


def _session(db: Path, months: tuple[str, str]) -> Session:
    version = store.data_version(db)
    state = current()
    found = data.extent(str(db), version, state.sha256, state.plan)
    return Session(str(db), version, state, found, months, None, None)


def test_the_extent_covers_the_months_departments_and_use_cases_of_the_data(demo_db: Path) -> None:
    p = plan()
    found = data.extent(str(demo_db), store.data_version(demo_db), p.sha256, p)
    assert found.months == DEMO_MONTHS
    assert found.departments == ("finance", "legal", "legal-ops", "procurement", "sales")
    assert found.use_cases == ("clause_review", "drafting", "negotiation_email", "summarise", "translation")


def test_the_extent_reaches_the_latest_row_of_any_dated_dataset(demo_db: Path, tmp_path: Path) -> None:
    late = tmp_path / "tickets.csv"
    late.write_text("ticket_id,opened_at,category\nLATE-1,2026-11-02,bug\n")
    with store.connect(demo_db) as con:
        ingest_file(con, late)
        found = extent(con, plan().metric_context())
    assert found.months == (*DEMO_MONTHS, "2026-10", "2026-11")  # October has no row, but lies between


def test_an_empty_database_spans_nothing(tmp_path: Path) -> None:
    with store.connect(tmp_path / "empty.duckdb") as con:
        assert extent(con, MetricContext(hourly_rate=0.0)) is NOTHING
    assert NOTHING.empty


def test_the_pages_gate_review_pauses_june_for_the_three_fired_triggers(demo_db: Path) -> None:
    ev = _session(demo_db, ("2026-06", "2026-06")).evaluation("department")
    assert ev.recommendation.outcome == "pause"
    assert [t.name for t in ev.fired] == ["Unexpected data exposure", "Repeated poor outputs",
                                          "Use outside approved scope"]
    assert [c.status for c in ev.criteria] == ["fail", "fail", "pass", "pass", "pass", "fail", "fail", "fail", "fail",
                                               "pass", "warn", "pass", "fail"]
    drift = ev.metrics["adoption.scope_drift_share"]
    assert (drift.value, drift.n) == (546 / 1445, 1445)


def test_the_pages_review_of_a_stage_is_on_the_part_of_the_window_it_was_in_force(demo_db: Path) -> None:
    ev = _session(demo_db, ("2026-07", "2026-07")).evaluation("extra-review")
    assert (ev.period_start, ev.period_end) == (date(2026, 7, 15), date(2026, 7, 31))
    trained = next(r for r in ev.readiness if r.item == "Users trained")
    assert (trained.met, trained.reason) == (
        True, "95.7% of 46 users with access completed every required module (purpose, limits, data_rules, "
              "review, escalation, issue_reporting, extra_review) by 31 Jul 2026; 90% needed.")
    with pytest.raises(NotInForce):
        _session(demo_db, ("2026-06", "2026-06")).evaluation("extra-review")


def test_a_review_asks_each_window_once_under_the_plans_context(demo_db: Path) -> None:
    p = plan()
    asked: list[tuple[bool, Window]] = []

    def values(ctx: MetricContext, window: Window) -> dict[str, MetricValue]:
        asked.append((ctx == p.metric_context(), window))
        with store.connect(demo_db) as con:
            return metrics.compute(con, ctx, window)

    evaluate(None, p, "department", JUNE, values=values)
    assert asked == [(True, JUNE)]  # the triggers' 30 days ending 30 June are June itself
    asked.clear()
    # department ends on 14 July: July is judged on 1–14 July, and the triggers look back from 14 July
    early_july = Window(date(2026, 7, 1), date(2026, 7, 14))
    evaluate(None, p, "department", month_window("2026-07"), values=values)
    assert asked == [(True, early_july), (True, Window(date(2026, 6, 15), date(2026, 7, 14)))]


def test_a_review_needs_a_connection_or_a_way_to_get_values() -> None:
    with pytest.raises(TypeError, match="a connection or a way to get metric values"):
        evaluate(None, plan(), "department", JUNE)


def test_a_new_import_changes_the_data_version_so_nothing_stale_is_shown(demo_db: Path, tmp_path: Path) -> None:
    p = plan()
    sept = month_window("2026-09")
    before = store.data_version(demo_db)
    counts = data.row_counts(str(demo_db), before)
    tickets = data.values(str(demo_db), before, p.sha256, p, sept)["support.tickets"]
    extra = tmp_path / "more.csv"
    extra.write_text("ticket_id,opened_at,category\nNEW-1,2026-09-30,bug\n")
    with store.connect(demo_db) as con:
        ingest_file(con, extra)
    after = store.data_version(demo_db)
    assert after != before
    assert data.row_counts(str(demo_db), after)["support"] == counts["support"] + 1
    now = data.values(str(demo_db), after, p.sha256, p, sept)["support.tickets"]
    assert now.value == (tickets.value or 0) + 1
