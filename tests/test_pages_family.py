"""The six family pages (AppTest): every metric with the engine's value, its gate status and meaning;
the monthly trends with limits and stages; breakdowns by department and use case; the numbers. And the
verdicts the trends and breakdowns draw, as gates.trend gives them."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
from pages_fixture import SEPTEMBER, app, elements, engine_review, plan, run, texts
from streamlit.testing.v1 import AppTest

import metrics
from core.words import worst
from gates.review import evaluate
from gates.trend import judge_groups, judge_months, stage_on, stage_periods
from loaders import store
from metrics import privacy
from metrics.engine import By
from metrics.format import count_text, interval_text, value_text
from metrics.model import Window
from metrics.registry import FAMILIES, Family, by_family
from metrics.window import month_window
from snapshots.build import record_review
from snapshots.record import Decision
from ui.style import STATUS


def _page(family: Family, view: str | None = None, **state: object) -> AppTest:
    at = app()
    for key, value in state.items():
        at.session_state[key] = value
    if view is not None:
        at.session_state[f"{family}_view"] = view
    at.switch_page(f"pages/{family}.py")
    return run(at)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_metric_shows_the_engines_value_sample_interval_status_and_meaning(demo_db: Path, family: Family) -> None:
    at = _page(family)
    ev = engine_review(demo_db, "extra-review")
    shown = {m.label: m.value for m in at.metric}
    assert list(shown) == [d.label for d in by_family(family)]
    markdown, captions = texts(at.markdown), texts(at.caption)
    for d in by_family(family):
        mv = ev.metrics[d.id]
        assert shown[d.label] == value_text(d.id, mv.value)
        assert d.meaning in captions
        if count_text(mv):
            assert f"n = {count_text(mv)}" in captions
        if interval_text(mv):
            assert interval_text(mv) in captions
        crits = [c for c in ev.criteria if c.metric == d.id]
        style = STATUS[worst(c.status for c in crits)]
        assert f":{style.badge}-badge[{style.icon} {style.label}]" in markdown


def test_gate_statuses_follow_the_window(demo_db: Path) -> None:
    at = _page("adoption", filter_from="2026-05", filter_to="2026-05")
    # May: scope drift failed the department stage's 10% limit (DESIGN.md §8's story).
    assert {m.label: m.value for m in at.metric}["Scope drift"] == "25.4%"
    assert ":red-badge[:material/cancel: Fail] limit ≤ 10% · warn level ≤ 7%" in texts(at.markdown)


@pytest.mark.parametrize("family", FAMILIES)
def test_the_trend_view_draws_one_chart_per_metric_with_stages_and_limits(demo_db: Path, family: Family) -> None:
    at = _page(family)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    # the Adoption page then draws its seats section (tests/test_pages_seats.py)
    seats = ["Seats on 30 Sep 2026: from access to daily use",
             "Retention month by month (lapsed below the line)"] if family == "adoption" else []
    assert [c["layout"]["title"]["text"] for c in charts] == [d.label for d in by_family(family)] + seats
    charts = charts[:len(by_family(family))]
    for chart in charts:
        stages = [s["name"] for s in chart["layout"]["shapes"] if s["name"].startswith("stage:")]
        assert stages == ["stage:pilot", "stage:department", "stage:extra-review"]
        assert any(s["name"] == "window" for s in chart["layout"]["shapes"])
    gated = {g.metric for s in plan().stages for g in s.gates}
    for d, chart in zip(by_family(family), charts, strict=True):
        names = [t.get("name") for t in chart["data"]]
        assert ("Limit" in names) == (d.id in gated), d.id


def test_the_error_rate_trend_has_each_months_engine_value(demo_db: Path) -> None:
    at = _page("quality")
    chart = json.loads(at.get("plotly_chart")[1].proto.spec)
    series = next(t for t in chart["data"] if t["name"] == "Error rate")
    with store.connect(demo_db) as con:
        ctx = plan().metric_context()
        expected = [metrics.compute(con, ctx, Window(date(2026, m, 1), _month_end(m)))["quality.error_rate"].value
                    for m in range(1, 10)]
    assert series["y"] == pytest.approx(expected)
    limit = next(t for t in chart["data"] if t["name"] == "Limit")
    assert [y for y in limit["y"] if y is not None] == [0.10] * 6  # pilot, department, extra-review


ERROR_RATE_STATUSES = ["pass", "pass", "pass", "warn", "warn", "fail", "warn", "pass", "pass"]


def test_each_month_of_a_trend_is_judged_by_the_gate_in_force_on_its_last_day(demo_db: Path) -> None:
    p = plan()
    with store.connect(demo_db) as con:
        found = {f"2026-{m:02}": metrics.compute(con, p.metric_context(), month_window(f"2026-{m:02}"))
                 for m in range(1, 10)}
    judged = judge_months(p, "quality.error_rate", found)
    assert [v.key for v in judged] == list(found)
    assert [v.status for v in judged] == ERROR_RATE_STATUSES
    # Only extra-review (from 15 July) gates open high-severity incidents: July ends in it, June does not.
    assert [v.status for v in judge_months(p, "risk.open_high_severity", found)] == [None] * 6 + ["pass"] * 3


def test_the_error_rate_trend_marks_each_month_with_its_status(demo_db: Path) -> None:
    at = _page("quality")
    chart = json.loads(at.get("plotly_chart")[1].proto.spec)
    series = next(t for t in chart["data"] if t["name"] == "Error rate")
    assert series["marker"]["symbol"] == [STATUS[s].marker for s in ERROR_RATE_STATUSES]


def test_stage_periods_are_clipped_to_the_span_and_the_stage_in_force_follows_them() -> None:
    p = plan()
    periods = stage_periods(p, date(2026, 2, 1), date(2026, 8, 31))
    assert [(x.stage.id, x.start, x.end) for x in periods] == [
        ("pilot", date(2026, 2, 1), date(2026, 3, 31)), ("department", date(2026, 4, 1), date(2026, 7, 14)),
        ("extra-review", date(2026, 7, 15), date(2026, 8, 31))]
    assert stage_periods(p, date(2025, 12, 1), date(2025, 12, 31)) == ()
    in_force = [stage_on(p, d) for d in (date(2026, 1, 4), date(2026, 1, 5), date(2026, 7, 14), date(2026, 7, 15))]
    assert [x.id if x else None for x in in_force] == [None, "pilot", "department", "extra-review"]


def test_each_group_of_a_breakdown_is_judged_by_the_stage_of_the_window(demo_db: Path) -> None:
    p = plan()
    with store.connect(demo_db) as con:
        rows = metrics.family_breakdown(con, p.metric_context(), SEPTEMBER, "quality", "department")
    groups = [(r.key, r.value) for r in rows if r.metric_id == "quality.error_rate"]
    judged = judge_groups(p, stage_on(p, SEPTEMBER.end), "quality.error_rate", groups)
    assert [(v.key, v.status) for v in judged] == [("finance", "insufficient"), ("legal", "insufficient"),
                                                    ("legal-ops", "pass"), ("procurement", "insufficient"),
                                                    ("sales", "insufficient")]
    assert {v.status for v in judge_groups(p, None, "quality.error_rate", groups)} == {None}


def _month_end(month: int) -> date:
    following = date(2026, month + 1, 1) if month < 12 else date(2027, 1, 1)
    return date.fromordinal(following.toordinal() - 1)


@pytest.mark.parametrize(("view", "by"), [("By department", "department"), ("By use case", "use_case")])
def test_breakdowns_show_the_engines_value_for_every_group(demo_db: Path, view: str, by: By) -> None:
    at = _page("quality", view)
    table = at.dataframe[0].value
    with store.connect(demo_db) as con:
        rows = metrics.family_breakdown(con, plan().metric_context(), SEPTEMBER, "quality", by)
    groups = list(dict.fromkeys(r.key for r in rows))
    assert list(table["Group"]) == groups
    with store.connect(demo_db) as con:  # groups under the privacy floor (5 people) show that instead
        sizes = privacy.group_sizes(con, SEPTEMBER, "department" if by == "department" else "use_case")
    hide = privacy.hidden(sizes, 5)
    expected = ["fewer than 5 people" if r.key in hide else value_text("quality.error_rate", r.value.value)
                for r in rows if r.metric_id == "quality.error_rate"]
    assert list(table["Error rate"]) == expected
    # September: finance and sales had no access (nobody to hide); two use cases had 2 and 1 users.
    assert hide == (frozenset() if by == "department" else {"translation", "negotiation_email"})
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["title"]["text"] == f"Error rate by {'department' if by == 'department' else 'use case'}"
    assert [s["line"]["dash"] for s in chart["layout"]["shapes"]] == ["solid", "dash"]  # limit 10%, warn 7%


def test_the_breakdown_metric_can_be_chosen(demo_db: Path) -> None:
    at = _page("adoption", "By use case")
    at.selectbox(key="adoption_use_case_metric").set_value("adoption.active_users")
    run(at)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["title"]["text"] == "Active users by use case"


def test_the_numbers_view_lists_the_window_and_every_month_for_download(demo_db: Path) -> None:
    at = _page("cost", "Numbers")
    window, monthly = at.dataframe[0].value, at.dataframe[1].value
    ev = engine_review(demo_db, "extra-review")
    assert list(window["label"]) == [d.label for d in by_family("cost")]
    # no data (idle seat cost: the demo plan sets no seat price) is an empty cell
    worked = [ev.metrics[d.id].value for d in by_family("cost")]
    assert list(window["value"]) == pytest.approx([math.nan if v is None else v for v in worked], nan_ok=True)
    assert len(monthly) == 9 * len(by_family("cost"))
    assert [b.label for b in elements(at, "download_button")] == ["Download this window (CSV)",
                                                                  "Download month by month (CSV)"]


def test_a_filter_changes_the_numbers_and_the_page_names_what_it_does_not_narrow(demo_db: Path) -> None:
    at = _page("risk", filter_department="legal")
    legal = engine_review(demo_db, "extra-review", Window(SEPTEMBER.start, SEPTEMBER.end, "legal"))
    shown = {m.label: m.value for m in at.metric}
    assert shown["Use without access"] == value_text("risk.unauthorised_use_share",
                                                     legal.metrics["risk.unauthorised_use_share"].value)
    assert ("The department filter does not narrow incidents (they carry no department), so Incidents, "
            "High-severity incidents, Data exposure incidents, Complaints, Incidents per 1,000 uses, Open "
            "high-severity incidents still count those rows for every department.") in texts(at.caption)


def test_the_use_case_filter_note_on_support(demo_db: Path) -> None:
    at = _page("support", filter_use_case="drafting")
    assert ("The use-case filter does not narrow support (they carry no use case), so Tickets, Tickets per 100 users, "
            "Confusion share, Median resolution time, Open tickets, Repeated topics still count those rows for every "
            "use case.") in texts(at.caption)


def test_recorded_gate_reviews_are_marked_on_every_trend(demo_db: Path) -> None:
    with store.connect(demo_db) as con:
        june = evaluate(con, plan(), "department", month_window("2026-06"))
        record_review(con, plan(), june, Decision(outcome="pause", decided_by="Steering group"))
    at = _page("risk")
    for chart in (json.loads(c.proto.spec) for c in at.get("plotly_chart")):
        marks = [s for s in chart["layout"]["shapes"] if s["name"].startswith("review:")]
        assert [(m["name"], m["x0"][:10]) for m in marks] == [("review:#1 Pause", "2026-06-30")]
        assert "#1 Pause" in [a["text"] for a in chart["layout"]["annotations"]]
