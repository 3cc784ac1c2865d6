"""metrics.drill: the rows behind a number are exactly the ones the metric counted, for any window and filter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pages_fixture import plan

from loaders import store
from metrics.drill import DRILLS, rows
from metrics.engine import compute
from metrics.model import Window

JUNE = Window(date(2026, 6, 1), date(2026, 6, 30))
WINDOWS = [JUNE, Window(date(2026, 4, 1), date(2026, 6, 30), department="legal"),
           Window(date(2026, 7, 1), date(2026, 9, 30), use_case="drafting")]
# How a drill's rows add up to its metric: as a count of rows, or a sum of interactions, of the numerator.
COUNTED = {"risk.incidents", "risk.high_severity_incidents", "risk.data_exposure_incidents", "risk.complaints",
           "risk.open_high_severity", "support.tickets", "support.open_tickets", "adoption.idle_seats"}
SHARES_OF_ROWS = {"quality.error_rate", "quality.severe_error_rate", "quality.rejection_rate",
                  "support.confusion_share"}
SHARES_OF_USES = {"risk.unauthorised_use_share", "adoption.scope_drift_share"}


@pytest.fixture
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with store.connect(demo_db) as connection:
        yield connection


@pytest.mark.parametrize("window", WINDOWS, ids=["june", "legal-q2", "drafting-q3"])
def test_a_drills_rows_are_what_its_metric_counted(con: duckdb.DuckDBPyConnection, window: Window) -> None:
    ctx = plan().metric_context()
    values = compute(con, ctx, window)
    for metric_id in COUNTED | SHARES_OF_ROWS | SHARES_OF_USES:
        found, mv = rows(con, ctx, metric_id, window), values[metric_id]
        if metric_id in COUNTED:
            assert found.height == mv.value, metric_id
        elif mv.value is None:
            assert found.height == 0, metric_id
        elif metric_id in SHARES_OF_ROWS:
            assert found.height == round(mv.value * (mv.n or 0)), metric_id
        else:
            assert found["interactions"].sum() == round(mv.value * (mv.n or 0)), metric_id


def test_june_names_the_data_exposure_and_why_uses_were_out_of_scope(con: duckdb.DuckDBPyConnection) -> None:
    ctx = plan().metric_context()
    exposure = rows(con, ctx, "risk.data_exposure_incidents", JUNE)
    assert exposure.height == 1 and exposure["category"][0] in ("data_exposure", "privacy")
    drift = rows(con, ctx, "adoption.scope_drift_share", JUNE)
    assert drift.columns == ["user_id", "department", "use_case", "why", "interactions", "first_day", "last_day"]
    assert set(drift["why"]) <= {"no stage was in force that day", "the person had no access that day",
                                 "the department is not in stage department",
                                 "the use case is not approved in stage department"}
    assert drift["interactions"].is_sorted(descending=True)


def test_every_drill_names_a_metric_of_the_registry() -> None:
    from metrics.registry import REGISTRY

    assert set(DRILLS) <= set(REGISTRY)
    assert set(DRILLS) == COUNTED | SHARES_OF_ROWS | SHARES_OF_USES | {"risk.incident_rate_per_1k",
                                                                       "support.tickets_per_100_users",
                                                                       "cost.idle_seat_cost"}
