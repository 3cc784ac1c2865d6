"""The engine's two kinds of periods (metrics.periods): a window's months, grouped by month in one set
of queries, give for each month what the window of that month alone gives — the period keys, the
cut months at both ends, access and training judged on each period's own bounds — and a kept shared
base serves every filter of its window with one scan.

For the hand-written exports (tests/metrics_fixture.py) over windows that span all the data, cut
months at both ends, reach into months with no data, and carry department and use-case filters:
monthly(...)[month] equals compute(the month's window) for every metric (value, n, Wilson interval;
floats to a relative 1e-9, as sums are added in another order), and hand-worked figures hold.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from metrics_fixture import CONTEXT, load

from core.paths import ROOT
from gates.plan_io import load_plan
from loaders.demo import load_demo
from loaders.ingest import IngestOptions, ingest_file
from metrics import periods
from metrics.engine import compute, monthly, months
from metrics.model import MetricContext, MetricValue, Window
from metrics.registry import METRICS, by_family

DEMO_CONTEXT = load_plan(ROOT / "data" / "plan.toml").metric_context()
# No stage at all: nothing is in scope, training completion is null, nobody is untrained.
NO_STAGES = MetricContext(hourly_rate=30.0, default_minutes={"drafting": 5.0})


@pytest.fixture
def oracle(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    load(con, tmp_path / "exports")
    return con


@pytest.fixture
def demo(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    assert all(r.status == "stored" for r in load_demo(con))
    return con


def same(a: float | None, b: float | None) -> bool:
    # abs_tol: a difference of sums (net hours) that cancels to ~0 keeps only rounding noise
    return (a is None and b is None) or (a is not None and b is not None
                                         and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12))


def differences(got: dict[str, MetricValue], expected: dict[str, MetricValue]) -> list[str]:
    assert list(got) == list(expected)
    return [f"{k}: monthly {got[k]} != compute {expected[k]}" for k in expected
            if not (got[k].n == expected[k].n and same(got[k].value, expected[k].value)
                    and same(got[k].low, expected[k].low) and same(got[k].high, expected[k].high))]


def assert_equals_compute(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
                          **options: Any) -> dict[str, dict[str, MetricValue]]:
    got = monthly(con, ctx, window, **options)
    assert list(got) == [f"{w.start:%Y-%m}" for w in months(window)]
    wrong = []
    for w in months(window):
        wrong += [f"{w.start}–{w.end}, {w.department}/{w.use_case}: {d}"
                  for d in differences(got[f"{w.start:%Y-%m}"], compute(con, ctx, w))]
    assert not wrong, "\n".join(wrong)
    return got


ORACLE_SPANS = [
    Window(date(2026, 1, 1), date(2026, 4, 30)),     # every month of the data, whole
    Window(date(2026, 3, 10), date(2026, 4, 9)),     # cuts March and April (the stage changes on Mar 16)
    Window(date(2025, 12, 15), date(2026, 2, 10)),   # a month with no data at all; usage before the first stage
    Window(date(2026, 3, 20), date(2026, 3, 20)),    # one day: bob's access ends that day
    Window(date(2026, 2, 14), date(2026, 3, 25)),    # ends the day ann completes her last module
]
ORACLE_FILTERS = [(None, None), ("legal", None), ("sales", None), (None, "draft"), (None, "summary"),
                  ("legal", "summary"), ("nobody", None)]


@pytest.mark.parametrize("span", ORACLE_SPANS, ids=lambda w: f"{w.start}..{w.end}")
@pytest.mark.parametrize(("department", "use_case"), ORACLE_FILTERS)
def test_oracle_months_equal_compute(oracle: duckdb.DuckDBPyConnection, span: Window, department: str | None,
                                     use_case: str | None) -> None:
    assert_equals_compute(oracle, CONTEXT, replace(span, department=department, use_case=use_case))


# Rows at the edges of months, beside the fixture's: fay's access starts after her first use and gus's
# ends before his (both mid-March); a ticket closed and an incident resolved on the stroke of April 1;
# bob completes a module no stage requires (two modules, but not the two the wide stage requires).
EDGES = {
    "training": "user_id,module,completed_on\nbob@x.org,ethics,2026-03-01\n",
    "roster": "user_id,department,access_granted_on,access_revoked_on\n"
              "fay@x.org,sales,2026-03-25,\ngus@x.org,legal,2026-01-01,2026-03-05\n",
    "usage": "event_id,occurred_at,user_id,use_case,interactions,output_action\n"
             "E1,2026-03-12T10:00:00Z,fay@x.org,draft,2,accepted\nE2,2026-03-12T11:00:00Z,gus@x.org,summary,3,\n"
             "E3,2026-03-27T11:00:00Z,fay@x.org,summary,1,edited\n",
    "support": "ticket_id,opened_at,category,user_id,closed_at\nT9,2026-03-30T09:00:00Z,how_to,fay@x.org,"
               "2026-04-01T00:00:00Z\n",
    "incidents": "incident_id,reported_at,category,severity,use_case,resolved_at\n"
                 "I9,2026-03-03T10:00:00Z,other,critical,summary,2026-04-01T00:00:00Z\n",
}


@pytest.mark.parametrize("span", [Window(date(2026, 3, 10), date(2026, 3, 20)),
                                  Window(date(2026, 3, 10), date(2026, 4, 9)),
                                  Window(date(2026, 2, 1), date(2026, 4, 30))], ids=lambda w: f"{w.start}..{w.end}")
def test_oracle_edges_of_months(oracle: duckdb.DuckDBPyConnection, tmp_path: Path, span: Window) -> None:
    for dataset, text in EDGES.items():
        path = tmp_path / f"edge-{dataset}.csv"
        path.write_text(text, encoding="utf-8")
        assert ingest_file(oracle, path, path.name, IngestOptions(dataset=dataset)).status == "stored"
    for department, use_case in ORACLE_FILTERS:
        assert_equals_compute(oracle, CONTEXT, replace(span, department=department, use_case=use_case))


def test_oracle_months_spot_check(oracle: duckdb.DuckDBPyConnection) -> None:
    # Not only equal to compute: the hand-worked figures of test_metrics_engine.py.
    got = monthly(oracle, CONTEXT, Window(date(2026, 3, 10), date(2026, 4, 9)))
    assert [got[m]["adoption.interactions"].value for m in got] == [17, 1]
    assert [(got[m]["quality.error_rate"].value, got[m]["quality.error_rate"].n) for m in got] == [(0.5, 6), (1.0, 1)]
    # the same months within the whole of March and April: ann's March 9 use (U02) and R6 now count
    whole = monthly(oracle, CONTEXT, Window(date(2026, 3, 1), date(2026, 4, 30)))
    assert whole["2026-03"]["quality.reviewed_outputs"].value == 7


def test_oracle_without_stages(oracle: duckdb.DuckDBPyConnection) -> None:
    for department, use_case in ORACLE_FILTERS[:4]:
        assert_equals_compute(oracle, NO_STAGES, Window(date(2026, 1, 1), date(2026, 4, 30), department, use_case))


def test_oracle_stage_without_training_or_budget(oracle: duckdb.DuckDBPyConnection) -> None:
    # the pilot requires no module (everyone counts as trained; nobody is untrained) and has no budget
    pilot, wide = CONTEXT.stages
    ctx = replace(CONTEXT, stages=(replace(pilot, required_training=(), monthly_budget=None), wide))
    got = assert_equals_compute(oracle, ctx, Window(date(2026, 1, 1), date(2026, 4, 30)))
    assert got["2026-02"]["adoption.training_completion_rate"].value == 1.0
    assert got["2026-02"]["cost.budget_utilisation"].value is None


def count_scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every base scan (periods._arrow) from now on."""
    scans: list[str] = []
    original = periods._arrow

    def counted(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object],
                tables: dict[str, Any] | None = None) -> Any:
        kind = ("training" if sql == periods.TRAINING_DONE_SQL else "reviews" if "from reviews r" in sql
                else "seats" if "bit_or(" in sql else "usage")
        scans.append(kind)
        return original(con, sql, params, tables)

    monkeypatch.setattr(periods, "_arrow", counted)
    return scans


def test_shared_scans_serve_every_filter_of_their_window(oracle: duckdb.DuckDBPyConnection,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    span = Window(date(2026, 1, 1), date(2026, 4, 30))
    shared = periods.shared_scans(CONTEXT, span, training=periods.Training(CONTEXT))
    scans = count_scans(monkeypatch)
    for department, use_case in ORACLE_FILTERS:
        monthly(oracle, CONTEXT, replace(span, department=department, use_case=use_case), scans=shared)
    # the base (usage summed, per user, and each user's active days by month; reviews linked to departments;
    # training) was made once for every filter
    assert sorted(scans) == ["reviews", "seats", "training", "usage", "usage"]
    for department, use_case in ORACLE_FILTERS:  # and what each filter got from it is what compute gives
        assert_equals_compute(oracle, CONTEXT, replace(span, department=department, use_case=use_case), scans=shared)
    # another plan or another window does not use them: its scans are read inline by its own queries, not kept
    scans.clear()
    assert monthly(oracle, NO_STAGES, span, scans=shared) == monthly(oracle, NO_STAGES, span)
    monthly(oracle, CONTEXT, replace(span, start=date(2026, 2, 1)), scans=shared)
    assert scans == []


def test_shared_scans_hold_the_data_as_scanned(oracle: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    span = Window(date(2026, 3, 1), date(2026, 4, 30), department="legal")
    scans = periods.shared_scans(CONTEXT, span)
    before = assert_equals_compute(oracle, CONTEXT, span, scans=scans)
    extra = tmp_path / "more-usage.csv"
    extra.write_text("event_id,occurred_at,user_id,use_case,interactions\nU99,2026-04-20T10:00:00Z,ann@x.org,draft,5\n",
                     encoding="utf-8")
    report = ingest_file(oracle, extra, extra.name, IngestOptions(dataset="usage"))
    assert report.status == "stored"
    # kept scans hold the data as scanned (their keeper keys them on the data version); new ones see the row
    assert monthly(oracle, CONTEXT, span, scans=scans) == before
    after = assert_equals_compute(oracle, CONTEXT, span, scans=periods.shared_scans(CONTEXT, span))
    interactions = before["2026-04"]["adoption.interactions"].value
    assert interactions is not None
    assert after["2026-04"]["adoption.interactions"].value == interactions + 5


def test_without_shared_scans_nothing_is_kept(oracle: duckdb.DuckDBPyConnection,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    scans = count_scans(monkeypatch)
    first = monthly(oracle, CONTEXT, Window(date(2026, 3, 1), date(2026, 4, 30)), "quality")
    assert monthly(oracle, CONTEXT, Window(date(2026, 3, 1), date(2026, 4, 30)), "quality") == first
    assert scans == []  # each scan was read inline by the query that sums it


def test_kept_training_serves_every_window_of_its_plan(oracle: duckdb.DuckDBPyConnection,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    training = periods.Training(CONTEXT)
    windows = [Window(date(2026, 3, 1), date(2026, 3, 31)), Window(date(2026, 3, 5), date(2026, 4, 3), "legal"),
               Window(date(2026, 1, 1), date(2026, 4, 30), use_case="draft")]
    plain = [compute(oracle, CONTEXT, w) for w in windows]
    scans = count_scans(monkeypatch)
    # the same numbers, the training table read once for all three windows and every month of one
    assert [compute(oracle, CONTEXT, w, training=training) for w in windows] == plain
    assert monthly(oracle, CONTEXT, windows[2], training=training) == monthly(oracle, CONTEXT, windows[2])
    assert scans == ["training"]
    # another plan's context does not read it
    assert compute(oracle, NO_STAGES, windows[0], training=training) == compute(oracle, NO_STAGES, windows[0])
    assert scans == ["training"]


def test_kept_month_scans_serve_a_run_of_their_whole_months(oracle: duckdb.DuckDBPyConnection,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A review asks about the months of its period, the period whole and a trigger's month: one scan serves all."""
    span = Window(date(2026, 1, 10), date(2026, 4, 30), department="legal")
    runs = [span, replace(span, start=date(2026, 2, 1), end=date(2026, 3, 31)),
            replace(span, end=date(2026, 1, 31)), replace(span, start=date(2026, 4, 1))]
    plain = [compute(oracle, CONTEXT, w) for w in runs]
    kept = periods.kept_scans(CONTEXT, span)
    scans = count_scans(monkeypatch)
    assert monthly(oracle, CONTEXT, span, scans=kept) == monthly(oracle, CONTEXT, span)
    assert [compute(oracle, CONTEXT, w, scans=kept) for w in runs] == plain
    # made once, for the months; the runs summed from them
    assert sorted(scans) == ["reviews", "seats", "usage", "usage"]
    # a window cut inside a month, or with other filters, is computed from its own scans (read inline)
    for other in (replace(span, start=date(2026, 2, 2), end=date(2026, 3, 31)), replace(span, department="sales"),
                  replace(span, department=None)):
        assert not kept.serves(CONTEXT, periods.Periods(other, by_month=False))
        assert compute(oracle, CONTEXT, other, scans=kept) == compute(oracle, CONTEXT, other)
    assert sorted(scans) == ["reviews", "seats", "usage", "usage"]
    # shared scans serve a run of their months under any filter
    shared = periods.shared_scans(CONTEXT, span)
    for department, use_case in ORACLE_FILTERS:
        run = Window(date(2026, 2, 1), date(2026, 3, 31), department, use_case)
        assert shared.serves(CONTEXT, periods.Periods(run, by_month=False))
        assert compute(oracle, CONTEXT, run, scans=shared) == compute(oracle, CONTEXT, run)


def test_only_the_chosen_metrics_in_registry_order(oracle: duckdb.DuckDBPyConnection,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    span = Window(date(2026, 3, 1), date(2026, 4, 30))
    scans = count_scans(monkeypatch)
    risk = monthly(oracle, CONTEXT, span, "risk", scans=periods.shared_scans(CONTEXT, span))
    assert scans == ["usage", "usage"]  # risk reads no reviews
    assert list(risk["2026-03"]) == [m.id for m in by_family("risk")]
    picked = monthly(oracle, CONTEXT, span, ["support.tickets", "quality.error_rate"])
    assert list(picked["2026-04"]) == ["quality.error_rate", "support.tickets"]
    assert list(monthly(oracle, CONTEXT, span, "cost.cash_cost")["2026-03"]) == ["cost.cash_cost"]
    assert list(monthly(oracle, CONTEXT, span)["2026-03"]) == [m.id for m in METRICS]


def test_unknown_family_or_metric_is_refused(oracle: duckdb.DuckDBPyConnection) -> None:
    span = Window(date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(KeyError, match="unknown family or metric 'qualty'; families are quality, value, cost"):
        monthly(oracle, CONTEXT, span, "qualty")
    with pytest.raises(KeyError, match=r"unknown metric 'quality\.eror_rate'"):
        monthly(oracle, CONTEXT, span, ["quality.eror_rate", "risk.incidents"])
