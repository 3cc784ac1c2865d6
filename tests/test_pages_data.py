"""ui/data.py, what every page reads: the gate review built from cached metric values must equal the
engine's own gates.review.evaluate, for every stage on every month of the demo, with filters."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pages_fixture import engine_review, plan

from loaders import store
from metrics.model import Window
from ui import data


def _months() -> list[Window]:
    out, first = [], date(2026, 1, 1)
    while first <= date(2026, 9, 1):
        following = (first + timedelta(days=32)).replace(day=1)
        out.append(Window(first, following - timedelta(days=1)))
        first = following
    return out


def test_the_pages_gate_review_equals_the_engines_for_every_stage_and_month(demo_db: Path) -> None:
    p = plan()
    version = store.data_version(demo_db)
    checked = 0
    for window in [*_months(), Window(date(2026, 5, 10), date(2026, 7, 20), "legal", "drafting")]:
        for stage in p.stage_ids:
            shown = data.evaluation(str(demo_db), version, p.sha256, p, stage, window.start, window.end,
                                    window.department, window.use_case)
            assert shown == engine_review(demo_db, stage, window), (stage, window)
            checked += 1
    assert checked == 30


def test_the_extent_covers_the_months_departments_and_use_cases_of_the_data(demo_db: Path) -> None:
    p = plan()
    extent = data.extent(str(demo_db), store.data_version(demo_db), p.sha256, p)
    assert extent.months == ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08",
                             "2026-09")
    assert extent.departments == ("finance", "legal", "legal-ops", "procurement", "sales")
    assert extent.use_cases == ("clause_review", "drafting", "negotiation_email", "summarise", "translation")


def test_a_new_import_changes_the_data_version_so_nothing_stale_is_shown(demo_db: Path, tmp_path: Path) -> None:
    from loaders.ingest import ingest_file

    p = plan()
    sept = _months()[-1]
    before = store.data_version(demo_db)
    counts = data.row_counts(str(demo_db), before)
    tickets = data.values(str(demo_db), before, p.sha256, p, sept.start, sept.end, None, None)["support.tickets"]
    extra = tmp_path / "more.csv"
    extra.write_text("ticket_id,opened_at,category\nNEW-1,2026-09-30,bug\n")
    with store.connect(demo_db) as con:
        ingest_file(con, extra)
    after = store.data_version(demo_db)
    assert after != before
    assert data.row_counts(str(demo_db), after)["support"] == counts["support"] + 1
    now = data.values(str(demo_db), after, p.sha256, p, sept.start, sept.end, None, None)["support.tickets"]
    assert now.value == (tickets.value or 0) + 1
