"""Breakdowns for charts: by month, department and use case, on the hand-written exports.

Each group is computed exactly as `compute` would on that group's window; the expected values
are worked out by hand from tests/metrics_fixture.py (see test_metrics_oracle.py for W1).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from metrics_fixture import CONTEXT, load

from metrics import BreakdownRow, Window, breakdown, compute
from metrics.engine import family_breakdown
from metrics.registry import by_family

W1 = Window(date(2026, 3, 10), date(2026, 3, 31))
MAR10_APR9 = Window(date(2026, 3, 10), date(2026, 4, 9))


@pytest.fixture
def oracle(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    load(con, tmp_path / "exports")
    return con


def values(rows: list[BreakdownRow]) -> dict[str, tuple[float | None, int | None]]:
    return {r.key: (r.value.value, r.value.n) for r in rows}


def test_by_month_cuts_the_window_at_month_ends(oracle: duckdb.DuckDBPyConnection) -> None:
    rows = breakdown(oracle, CONTEXT, MAR10_APR9, "adoption.interactions", "month")
    # March part: 17 (as W1); April 1–9: U11 (dan, 1)
    assert values(rows) == {"2026-03": (17, None), "2026-04": (1, None)}
    assert [(r.window.start, r.window.end) for r in rows] == [
        (date(2026, 3, 10), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 4, 9))]
    errors = breakdown(oracle, CONTEXT, MAR10_APR9, "quality.error_rate", "month")
    # March: 3 of 6; April 1–9: R7 corrected, 1 of 1
    assert values(errors) == {"2026-03": (0.5, 6), "2026-04": (1.0, 1)}


def test_by_department_uses_every_roster_department(oracle: duckdb.DuckDBPyConnection) -> None:
    rows = breakdown(oracle, CONTEXT, W1, "adoption.interactions", "department")
    # legal: ann 4 + bob 5 = 9; sales: cat 7; eve (1) has no department, so the parts sum to 16 of 17
    assert values(rows) == {"legal": (9, None), "sales": (7, None)}
    errors = breakdown(oracle, CONTEXT, W1, "quality.error_rate", "department")
    # sales: no review names one of cat's events
    assert values(errors) == {"legal": (2 / 3, 3), "sales": (None, 0)}


def test_by_use_case_covers_the_plan_and_what_was_used(oracle: duckdb.DuckDBPyConnection) -> None:
    rows = breakdown(oracle, CONTEXT, W1, "adoption.interactions", "use_case")
    # draft: U03 3 + U06 2 + U08 1 + U12 1 = 7; summary: 2 + 1 + 4 + 1 = 8; translate: 2
    assert values(rows) == {"draft": (7, None), "summary": (8, None), "translate": (2, None)}


def test_a_breakdown_row_equals_compute_on_its_window(oracle: duckdb.DuckDBPyConnection) -> None:
    rows = family_breakdown(oracle, CONTEXT, MAR10_APR9, "support", "month")
    assert [r.metric_id for r in rows] == [m.id for m in by_family("support")] * 2
    for row in rows:
        assert row.value == compute(oracle, CONTEXT, row.window)[row.metric_id]


def test_a_filtered_window_breaks_down_into_its_own_group_only(oracle: duckdb.DuckDBPyConnection) -> None:
    legal = Window(W1.start, W1.end, department="legal")
    assert [r.key for r in breakdown(oracle, CONTEXT, legal, "support.tickets", "department")] == ["legal"]
    rows = breakdown(oracle, CONTEXT, legal, "support.tickets", "use_case")
    # tickets are not filtered by use case: every use-case bar shows legal's 2 tickets
    assert values(rows) == {"draft": (2, None), "summary": (2, None), "translate": (2, None)}


def test_unknown_metric_or_grouping_is_refused(oracle: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(KeyError, match=r"quality\.eror_rate"):
        breakdown(oracle, CONTEXT, W1, "quality.eror_rate", "month")
    with pytest.raises(ValueError, match="unknown breakdown 'week'; use month, department or use_case"):
        breakdown(oracle, CONTEXT, W1, "quality.error_rate", "week")  # type: ignore[arg-type]

