"""Overview (AppTest): the stage, the recommendation and its reasons, one light per family, the key
metrics with their change, fired triggers and readiness — each equal to what the engine says."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pages_fixture import SEPTEMBER, app, engine_review, months, plan, run, texts
from streamlit.testing.v1 import AppTest

import metrics
from loaders import store
from metrics.format import delta_text, value_text
from metrics.model import Window
from metrics.registry import HEADLINE
from ui.evidence import FAMILY_TITLES, family_statuses
from ui.style import OUTCOME, STATUS

JUNE = Window(date(2026, 6, 1), date(2026, 6, 30))
JULY = Window(date(2026, 7, 1), date(2026, 7, 31))


def _on(month: str) -> AppTest:
    at = app()
    months(at, month, month)
    return run(at)


def _values(db: Path, window: Window) -> dict[str, metrics.MetricValue]:
    with store.connect(db) as con:
        return metrics.compute(con, plan().metric_context(), window)


def test_september_shows_the_stage_and_the_engines_recommendation_with_every_reason(demo_db: Path) -> None:
    at = app()
    ev = engine_review(demo_db, "extra-review")
    assert ev.recommendation.outcome == "proceed"
    shown = texts(at.markdown)
    assert ("**Current stage:** Department rollout with extra review (extra-review), since 15 Jul 2026 — legal, "
            "legal-ops, procurement; approved use cases: drafting, summarise, clause_review.") in shown
    assert "### :green[:material/check_circle: Recommendation: Proceed]" in shown
    for reason in ev.recommendation.reasons:
        assert reason.detail in shown


def test_each_family_light_is_the_worst_criterion_status_with_icon_and_word(demo_db: Path) -> None:
    at = _on("2026-06")
    ev = engine_review(demo_db, "department", JUNE)
    lights = family_statuses(ev)
    assert lights == {"quality": "fail", "value": "pass", "cost": "pass", "risk": "fail", "adoption": "fail",
                      "support": "fail"}
    shown = texts(at.markdown)
    for family, status in lights.items():
        style = STATUS[status]
        assert f"**{FAMILY_TITLES[family]}** :{style.badge}-badge[{style.icon} {style.label}]" in shown


def test_key_metrics_equal_the_engine_and_change_against_the_previous_month(demo_db: Path) -> None:
    at = app()
    now, before = _values(demo_db, SEPTEMBER), _values(demo_db, Window(date(2026, 8, 1), date(2026, 8, 31)))
    shown = {m.label: m for m in at.metric}
    for family, metric_id in HEADLINE.items():
        label = metrics.REGISTRY[metric_id].label
        assert shown[label].value == value_text(metric_id, now[metric_id].value), family
        assert shown[label].delta == delta_text(metric_id, now[metric_id].value, before[metric_id].value, "EUR")
    assert shown["Error rate"].value == "2.0%" and shown["Error rate"].delta == "-3.6 pp"
    assert shown["Total cost"].value == "EUR 3,827.76"


def test_the_first_month_has_nothing_to_compare_with(demo_db: Path) -> None:
    at = _on("2026-01")
    assert not any(m.delta for m in at.metric)
    assert "no earlier month to compare" in texts(at.caption)


def test_june_pauses_and_names_the_fired_triggers_their_actions_and_the_fallback(demo_db: Path) -> None:
    at = _on("2026-06")
    ev = engine_review(demo_db, "department", JUNE)
    assert ev.recommendation.outcome == "pause"
    shown = texts(at.markdown)
    style = OUTCOME["pause"]
    assert f"### :red[{style.icon} Recommendation: Pause]" in shown
    assert [t.name for t in ev.fired] == ["Unexpected data exposure", "Repeated poor outputs",
                                          "Use outside approved scope"]
    assert "**Unexpected data exposure**] — action: **pause the rollout** (pause)." in shown
    assert "**Repeated poor outputs**] — action: **add extra review** (redesign)." in shown
    assert "**Use outside approved scope**] — action: **restrict use** (limit)." in shown
    for trigger in ev.fired:
        assert trigger.explanation in shown
    assert "- Return to manual drafting with the standard templates" in shown
    assert "- Require a second reviewer for every output" in shown


def test_readiness_lists_every_item_met_or_not(demo_db: Path) -> None:
    at = _on("2026-07")
    ev = engine_review(demo_db, "extra-review", JULY)
    shown = texts(at.markdown)
    for item in ev.readiness:
        mark = ":green[:material/check_circle: Met]" if item.met else ":red[:material/cancel: Not met]"
        assert f"- {mark} **{item.item}** — {item.reason}" in shown
    assert next(r for r in ev.readiness if r.item == "Users trained").met  # judged on 15–31 July, its own span


def test_a_department_filter_changes_the_numbers_to_the_engines_for_that_department(demo_db: Path) -> None:
    at = app()
    before = {m.label: m.value for m in at.metric}
    at.sidebar.selectbox(key="filter_department").set_value("legal")
    run(at)
    legal = engine_review(demo_db, "extra-review", Window(SEPTEMBER.start, SEPTEMBER.end, "legal"))
    after = {m.label: m.value for m in at.metric}
    assert after["Error rate"] == value_text("quality.error_rate", legal.metrics["quality.error_rate"].value)
    assert after["Active users"] == value_text("adoption.active_users", legal.metrics["adoption.active_users"].value)
    assert after != before
    assert "department legal" in texts(at.markdown)


def test_a_window_before_the_first_stage_says_so(demo_db: Path, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(plan_file.read_text().replace("starts_on = 2026-01-05", "starts_on = 2026-03-02"))
    at = _on("2026-01")
    assert texts(at.info).startswith("No stage of the plan is in force on 31 Jan 2026: the first stage, Limited "
                                     "pilot users, starts on 2 Mar 2026.")


def test_a_wide_window_is_judged_on_the_months_the_stage_was_in_force_and_says_so(demo_db: Path) -> None:
    at = app()
    months(at, "2026-01", "2026-09")
    run(at)
    note = ("Judged on Aug – Sep 2026, the months of your window in which stage extra-review was in force "
            "throughout.")
    assert f":material/date_range: {note}" in texts(at.markdown)
    ev = engine_review(demo_db, "extra-review", Window(date(2026, 1, 1), date(2026, 9, 30)))
    assert (ev.period_start, ev.period_end, ev.judged_months) == (date(2026, 8, 1), date(2026, 9, 30),
                                                                 ("2026-08", "2026-09"))
    at.switch_page("pages/support.py").run()
    assert not at.exception
    assert f":material/date_range: {note} The figures below are for that period." in texts(at.caption)
