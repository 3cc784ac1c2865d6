"""Seats, activity cohorts and retention (DESIGN.md §12) on tiny hand-built exports, against values worked out
by hand; and the idle-seat list and funnel of metrics.seats.

The story, window June 2026 (end date E = Jun 30; the 30 days Jun 1–30; the 28 days Jun 3–30; M = June, the
month before May). Everyone is in the roster from Jan 1 unless said; departments ops and sales:
  * dina (ops): 15 distinct days of the 28 → daily; used it in May → retained
  * will (ops): 14 days (two uses on one of them) → weekly; May → retained
  * wren (ops): 4 days → weekly; not in May, in March (a summary) → returning
  * olga (ops): 3 days, her first uses ever → occasional, new
  * otto (sales): Jun 2 (inside the 30 days, outside the 28) and Jun 30 at 23:59:59 UTC (a summary) → 1 day,
    occasional; May → retained
  * ezra (sales): only Jun 1 (E − 29 days) → not idle, in no cohort; May → retained
  * tess (sales): last use May 31 (E − 30 days) → idle 30 days; lapsed
  * nell (sales): access from Jun 1, never used → idle 30 days
  * gail (sales): access from Jun 30 (E), never used → a seat, idle 1 day
  * rhys (ops): access revoked on Jun 30 (E) → no seat; 10 days in June, his first uses → new all the same
  * olaf (ops): last use Feb 10 → idle 140 days
  * eve: not in the roster; June and May → retained, never a seat
  * an organisation's report (GitHub Copilot, no people) with uses every day of May and June: never counted.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import duckdb
import polars as pl
import pytest
from conftest import Ingest

from loaders.ingest import IngestOptions
from metrics import compute, monthly
from metrics.engine import NO_PEOPLE, months
from metrics.model import MetricContext, Window
from metrics.periods import shared_scans
from metrics.privacy import people_named
from metrics.seats import funnel, idle_list, seat_holders, span

JUNE = Window(date(2026, 6, 1), date(2026, 6, 30))
CONTEXT = MetricContext(hourly_rate=60.0, seat_price=25.0)
SEATS = ("adoption.idle_seats", "cost.idle_seat_cost", "adoption.daily_users", "adoption.weekly_users",
         "adoption.occasional_users", "adoption.new_users", "adoption.retained_users", "adoption.returning_users",
         "adoption.lapsed_users")

ROSTER = """\
user_id,department,access_granted_on,access_revoked_on
dina,ops,2026-01-01,
will,ops,2026-01-01,
wren,ops,2026-01-01,
olga,ops,2026-01-01,
otto,sales,2026-01-01,
ezra,sales,2026-01-01,
tess,sales,2026-01-01,
nell,sales,2026-06-01,
gail,sales,2026-06-30,
rhys,ops,2026-01-01,2026-06-30
olaf,ops,2026-01-01,
"""


def uses(user: str, month: int, days: list[int], use_case: str = "drafting", time: str = "10:00:00Z") -> list[str]:
    return [f"2026-{month:02d}-{d:02d}T{time},{user},{use_case}" for d in days]


USAGE_ROWS = [
    *uses("dina", 6, list(range(3, 18))), *uses("dina", 5, [12]),
    *uses("will", 6, list(range(10, 24))), *uses("will", 6, [10], time="16:00:00Z"), *uses("will", 5, [2, 20]),
    *uses("wren", 6, [4, 11, 18, 25]), *uses("wren", 3, [9], "summary"),
    *uses("olga", 6, [5, 6, 30]),
    *uses("otto", 6, [2]), *uses("otto", 6, [30], "summary", "23:59:59Z"), *uses("otto", 5, [7]),
    *uses("ezra", 6, [1]), *uses("ezra", 5, [15]),
    *uses("tess", 5, [31]),
    *uses("rhys", 6, list(range(3, 13))),
    *uses("olaf", 2, [10]),
    *uses("eve", 6, [8]), *uses("eve", 5, [8]),
]
USAGE = "occurred_at,user_id,use_case\n" + "\n".join(USAGE_ROWS) + "\n"


def org_report(first: date, days: int) -> str:
    """A GitHub Copilot organisation report (no people) with 5 chats on each of `days` days from `first`."""
    totals = [{"day": date.fromordinal(first.toordinal() + i).isoformat(), "organization_id": "1",
               "totals_by_feature": [{"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 5}]}
              for i in range(days)]
    return json.dumps([{"report_start_day": totals[0]["day"], "report_end_day": totals[-1]["day"],
                        "organization_id": "1", "day_totals": totals}])


@pytest.fixture
def seats(con: duckdb.DuckDBPyConnection, ingest: Ingest) -> duckdb.DuckDBPyConnection:
    for content, name, dataset in ((ROSTER, "roster.csv", "roster"), (USAGE, "usage.csv", "usage")):
        report = ingest(content, name, IngestOptions(dataset=dataset))
        assert (report.status, report.rejected) == ("stored", 0), report.message
    org = ingest(org_report(date(2026, 5, 1), 61), "organization-report.json")
    assert (org.status, org.user_level) == ("stored", False)
    return con


def values_of(con: duckdb.DuckDBPyConnection, window: Window, ctx: MetricContext = CONTEXT
              ) -> dict[str, float | None]:
    found = compute(con, ctx, window, list(SEATS))
    return {k: v.value for k, v in found.items()}


# Seats on Jun 30: dina will wren olga otto ezra tess nell gail olaf = 10 (rhys's access ended that day, eve has no
# roster row). Idle: tess (May 31 is 30 days before), nell and gail (never), olaf (Feb 10) = 4; ezra's Jun 1 is the
# 30th day. Active days of Jun 3–30: dina 15, will 14, wren 4, olga 3, otto 1 (Jun 2 is outside), ezra 0.
# June's users: dina will wren olga otto ezra rhys eve; May's: dina will otto ezra tess eve (not the organisation).
JUNE_EXPECTED: dict[str, float | None] = {
    "cost.idle_seat_cost": 100.0,          # 4 idle seats × 25
    "adoption.idle_seats": 4,
    "adoption.daily_users": 1,             # dina (15 days)
    "adoption.weekly_users": 2,            # will (14), wren (4)
    "adoption.occasional_users": 2,        # olga (3), otto (1)
    "adoption.new_users": 2,               # olga, rhys
    "adoption.retained_users": 5,          # dina, will, otto, ezra, eve
    "adoption.returning_users": 1,         # wren (March)
    "adoption.lapsed_users": 1,            # tess
}

# ops: seats dina will wren olga olaf; users dina will wren olga rhys (June), dina will (May).
OPS_EXPECTED: dict[str, float | None] = {
    "cost.idle_seat_cost": 25.0, "adoption.idle_seats": 1, "adoption.daily_users": 1, "adoption.weekly_users": 2,
    "adoption.occasional_users": 1, "adoption.new_users": 2, "adoption.retained_users": 2,
    "adoption.returning_users": 1, "adoption.lapsed_users": 0,
}

# drafting: the seats are the same 10 (the roster has no use case); otto's Jun 30 and wren's March uses were
# summaries: otto is active on no day of the 28 (Jun 2 still keeps his seat from being idle), wren's June drafts are
# her first (new, not returning).
DRAFTING_EXPECTED: dict[str, float | None] = {
    "cost.idle_seat_cost": 100.0, "adoption.idle_seats": 4, "adoption.daily_users": 1, "adoption.weekly_users": 2,
    "adoption.occasional_users": 1, "adoption.new_users": 3, "adoption.retained_users": 5,
    "adoption.returning_users": 0, "adoption.lapsed_users": 1,
}


@pytest.mark.parametrize(("window", "expected"), [
    pytest.param(JUNE, JUNE_EXPECTED, id="june"),
    pytest.param(replace(JUNE, department="ops"), OPS_EXPECTED, id="june-ops"),
    pytest.param(replace(JUNE, use_case="drafting"), DRAFTING_EXPECTED, id="june-drafting"),
])
def test_every_seat_metric_matches_the_hand_worked_value(seats: duckdb.DuckDBPyConnection, window: Window,
                                                         expected: dict[str, float | None]) -> None:
    assert values_of(seats, window) == expected


def test_they_look_back_from_the_end_date_whatever_the_window_starts(seats: duckdb.DuckDBPyConnection) -> None:
    # Jun 20–30 has the same end date, month and seats as June
    assert values_of(seats, replace(JUNE, start=date(2026, 6, 20))) == JUNE_EXPECTED
    # May 15 – Jun 30 too: the 30 and 28 days and M are those of its end date
    assert values_of(seats, replace(JUNE, start=date(2026, 5, 15))) == JUNE_EXPECTED


def test_retention_reads_the_end_dates_whole_calendar_month(seats: duckdb.DuckDBPyConnection) -> None:
    # Jun 1–20. Seats on Jun 20: gail's access starts later, rhys's has not ended yet: dina will wren olga otto ezra
    # tess nell rhys olaf. Idle (no use May 22 – Jun 20): nell, olaf. Active days of May 24 – Jun 20: dina 15, will
    # 11 (Jun 10–20), rhys 10, wren 3, olga 2, otto 1 (Jun 2), ezra 1 (Jun 1), tess 1 (May 31). Retention still
    # compares all of June with May.
    got = values_of(seats, replace(JUNE, end=date(2026, 6, 20)))
    assert got == {**JUNE_EXPECTED, "adoption.idle_seats": 2, "cost.idle_seat_cost": 50.0, "adoption.daily_users": 1,
                   "adoption.weekly_users": 2, "adoption.occasional_users": 5}


@pytest.mark.parametrize(("end", "idle", "cohorts"), [
    # Jun 29: tess's May 31 is the 30th day of the 30 ending on it, so hers is not idle; gail has no seat yet and
    # rhys still has his: idle nell and olaf. Active days of Jun 2–29: dina 15; will 14, rhys 10, wren 4; olga 2
    # (Jun 5, 6), otto 1 (Jun 2); ezra none (Jun 1).
    pytest.param(date(2026, 6, 29), 2, (1, 3, 2), id="jun29"),
    # Jun 30: May 31 is 30 days before it, outside the 30 days ending on it: tess is idle
    pytest.param(date(2026, 6, 30), 4, (1, 2, 2), id="jun30"),
])
def test_the_30_day_boundary(seats: duckdb.DuckDBPyConnection, end: date, idle: int,
                             cohorts: tuple[int, int, int]) -> None:
    got = values_of(seats, Window(date(2026, 6, 1), end))
    assert got["adoption.idle_seats"] == idle
    assert (got["adoption.daily_users"], got["adoption.weekly_users"], got["adoption.occasional_users"]) == cohorts


def test_access_granted_or_revoked_on_the_end_date(seats: duckdb.DuckDBPyConnection) -> None:
    holders = seat_holders(seats, JUNE)
    # granted on the end date: a seat (gail); revoked on it: none (rhys, though he used it on 10 days in June)
    assert "gail" in holders["user_id"].to_list()
    assert "rhys" not in holders["user_id"].to_list()
    assert holders.height == 10


def test_the_idle_seat_list_names_the_idle_seats_most_idle_first(seats: duckdb.DuckDBPyConnection) -> None:
    listed = idle_list(seat_holders(seats, JUNE))
    assert listed.columns == ["user_id", "department", "last_active", "days_idle"]
    assert listed.rows() == [
        ("olaf", "ops", date(2026, 2, 10), 140),   # Feb 11 – Jun 30
        ("nell", "sales", None, 30),               # never used: from her access on Jun 1
        ("tess", "sales", date(2026, 5, 31), 30),  # Jun 1 – Jun 30
        ("gail", "sales", None, 1),                # access from Jun 30
    ]
    assert listed.height == values_of(seats, JUNE)["adoption.idle_seats"]
    assert people_named(listed) == 4
    # with a filter: ops's idle seat; drafting does not change who is idle
    assert idle_list(seat_holders(seats, replace(JUNE, department="ops")))["user_id"].to_list() == ["olaf"]
    drafting = idle_list(seat_holders(seats, replace(JUNE, use_case="drafting")))
    assert drafting["user_id"].to_list() == ["olaf", "nell", "tess", "gail"]


def test_the_funnel_narrows_from_access_to_daily(seats: duckdb.DuckDBPyConnection) -> None:
    values = compute(seats, CONTEXT, JUNE, "adoption")
    steps = funnel(values, seat_holders(seats, JUNE).height)
    assert [(s.label, s.people) for s in steps] == [("With access", 10), ("Active", 5), ("Weekly or more", 3),
                                                     ("Daily", 1)]
    assert "of them 4 idle" in steps[0].meaning


def test_an_organisation_report_is_never_a_person(con: duckdb.DuckDBPyConnection, ingest: Ingest) -> None:
    ingest(ROSTER, "roster.csv", IngestOptions(dataset="roster"))
    assert ingest(org_report(date(2026, 5, 1), 61), "organization-report.json").user_level is False
    found = compute(con, CONTEXT, JUNE, list(SEATS))
    # only the organisation's totals in the window: what counts people says so instead of counting it
    for metric_id in SEATS:
        assert found[metric_id].value is None, metric_id
        assert NO_PEOPLE in (found[metric_id].missing or ""), metric_id


def test_a_plan_without_a_seat_price_has_no_idle_seat_cost(seats: duckdb.DuckDBPyConnection) -> None:
    found = compute(seats, replace(CONTEXT, seat_price=None), JUNE)
    assert (found["cost.idle_seat_cost"].value, found["cost.idle_seat_cost"].missing) == (None, None)
    assert found["adoption.idle_seats"].value == 4
    assert compute(seats, replace(CONTEXT, seat_price=0.0), JUNE)["cost.idle_seat_cost"].value == 0.0


def test_without_a_roster_seats_and_cohorts_are_missing(con: duckdb.DuckDBPyConnection, ingest: Ingest) -> None:
    ingest(USAGE, "usage.csv", IngestOptions(dataset="usage"))
    found = compute(con, CONTEXT, JUNE, list(SEATS))
    missing = {k: v.missing for k, v in found.items() if v.value is None}
    assert missing == dict.fromkeys(["cost.idle_seat_cost", "adoption.idle_seats", "adoption.daily_users",
                                     "adoption.weekly_users", "adoption.occasional_users"], "no roster loaded")
    # retention needs usage only
    assert found["adoption.retained_users"].value == 5


def test_usage_that_does_not_cover_the_days_looked_at_is_missing(seats: duckdb.DuckDBPyConnection) -> None:
    # usage covers Feb 1 – Jun 30 (its rows' months) and the organisation's report May – June; the window
    # Feb 15–20 looks at Jan 22 – Feb 20 (30 days), Jan 24 – Feb 20 (28 days) and January – February (retention)
    found = compute(seats, CONTEXT, Window(date(2026, 2, 15), date(2026, 2, 20)), list(SEATS))
    assert {k: (v.value, v.missing) for k, v in found.items()} == {
        "cost.idle_seat_cost": (None, "no usage export covers 22 Jan 2026–31 Jan 2026"),
        "adoption.idle_seats": (None, "no usage export covers 22 Jan 2026–31 Jan 2026"),
        "adoption.daily_users": (None, "no usage export covers 24 Jan 2026–31 Jan 2026"),
        "adoption.weekly_users": (None, "no usage export covers 24 Jan 2026–31 Jan 2026"),
        "adoption.occasional_users": (None, "no usage export covers 24 Jan 2026–31 Jan 2026"),
        **dict.fromkeys(("adoption.new_users", "adoption.retained_users", "adoption.returning_users",
                         "adoption.lapsed_users"), (None, "no usage export covers January 2026")),
    }
    # from Mar 2 on, the 30 days lie in February and March: covered
    assert compute(seats, CONTEXT, Window(date(2026, 3, 2), date(2026, 3, 2)))["adoption.idle_seats"].missing is None


def test_the_spans_they_look_at() -> None:
    w = Window(date(2026, 3, 10), date(2026, 3, 31), "ops")
    assert span("window", w) == w
    assert span("last 30 days", w) == Window(date(2026, 3, 2), date(2026, 3, 31), "ops")
    assert span("last 28 days", w) == Window(date(2026, 3, 4), date(2026, 3, 31), "ops")
    assert span("last two months", Window(date(2026, 3, 1), date(2026, 3, 15))) == Window(date(2026, 2, 1),
                                                                                           date(2026, 3, 31))


@pytest.mark.parametrize(("department", "use_case"), [(None, None), ("ops", None), ("sales", None), (None, "drafting"),
                                                      ("ops", "summary")])
def test_every_month_equals_compute_on_it(seats: duckdb.DuckDBPyConnection, department: str | None,
                                          use_case: str | None) -> None:
    every = Window(date(2026, 2, 1), date(2026, 6, 30))
    window = replace(every, department=department, use_case=use_case)
    alone = monthly(seats, CONTEXT, window, list(SEATS))
    # the app's scans, kept for every filter of its window, give the same
    shared = monthly(seats, CONTEXT, window, list(SEATS), scans=shared_scans(CONTEXT, every))
    assert alone == shared
    for month in months(window):
        assert alone[f"{month.start:%Y-%m}"] == compute(seats, CONTEXT, month, list(SEATS)), month
    if (department, use_case) == (None, None):
        # February's month before, January, has no usage export: unknown, not 0
        assert [alone[k]["adoption.retained_users"].value for k in alone] == [None, 0, 0, 0, 5]
        assert [alone[k]["adoption.new_users"].value for k in alone] == [None, 1, 0, 6, 2]
        # seats on Mar 31: all but nell and gail (later access) = 9; only wren used it (Mar 9) in Mar 2–31
        assert alone["2026-03"]["adoption.idle_seats"].value == 8


def test_the_list_has_the_types_a_download_needs(seats: duckdb.DuckDBPyConnection) -> None:
    listed = idle_list(seat_holders(seats, JUNE))
    assert listed.schema == pl.Schema({"user_id": pl.String, "department": pl.String, "last_active": pl.Date,
                                       "days_idle": pl.Int64})


def test_before_anyone_had_access_the_list_names_nobody(seats: duckdb.DuckDBPyConnection) -> None:
    # before anyone had access there is no seat, so nobody is idle (and the list names nobody)
    listed = idle_list(seat_holders(seats, Window(date(2025, 12, 1), date(2025, 12, 31))))
    assert listed.height == 0 and people_named(listed) == 0


@pytest.mark.parametrize("window", [
    Window(date(2026, 6, 1), date(2026, 6, 30)),
    Window(date(2026, 3, 10), date(2026, 4, 9), department="legal"),
    Window(date(2026, 5, 1), date(2026, 5, 31), use_case="drafting"),
    Window(date(2026, 9, 1), date(2026, 9, 30), department="legal-ops", use_case="summarise"),
])
def test_seats_read_from_the_kept_history_equal_those_read_for_the_window(demo_db: object, window: Window) -> None:
    from pathlib import Path

    from gates.plan_io import load_plan
    from loaders import store

    assert isinstance(demo_db, Path)
    ctx = load_plan().metric_context()
    history = shared_scans(ctx, Window(date(2026, 1, 1), date(2026, 9, 30)))
    ids = list(SEATS)
    with store.connect(demo_db) as con:
        alone = compute(con, ctx, window, ids)
        shared = compute(con, ctx, window, ids, seats_from=history)
        again = compute(con, ctx, window, ids, seats_from=history)  # from the seats it kept
    assert shared == alone == again
    assert history.covers_seats(ctx, window)
    assert not history.covers_seats(ctx, Window(date(2026, 9, 1), date(2026, 10, 31)))  # beyond its months
