"""Gate review's expansion forecast (AppTest, demo data): beside the recommendation, the next stage's first full
month as the engine forecasts it, with its assumptions; the damping, the people and the stage are asked on the
page; the last stage says there is nothing after it; a recorded decision keeps the forecast the page showed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from pages_fixture import app, plan, run, texts
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from gates.forecast import Ask, Forecast, forecast
from loaders import store
from metrics.model import Window
from snapshots import store as snapshot_store
from ui import decision
from ui.forecast import summary, table

MARCH = Window(date(2026, 3, 1), date(2026, 3, 31))


def _page(first: str = "2026-03", last: str = "2026-03") -> AppTest:
    at = app()
    at.session_state["filter_from"], at.session_state["filter_to"] = first, last
    at.switch_page("pages/gate_review.py")
    return run(at)


def _engine(db: Path, stage: str, window: Window, ask: Ask) -> Forecast:
    with store.connect(db) as con:
        return forecast(con, plan(), stage, window, ask)


def _shown(at: AppTest) -> pl.DataFrame:
    return pl.from_pandas(at.table[0].value)


def test_the_next_stage_is_forecast_beside_the_recommendation(demo_db: Path) -> None:
    at = _page()
    expected = _engine(demo_db, "pilot", MARCH, Ask())
    assert (expected.stage.id, expected.month) == ("department", "2026-04")
    assert_frame_equal(_shown(at), table(expected))
    assert list(table(expected)["Measure"]) == ["Active users", "Interactions", "Support tickets", "Incidents",
                                                "Usage cost", "Net hours saved"]
    assert "#### Expansion forecast" in [m.value for m in at.markdown]
    assert summary(expected) in [c.value for c in at.caption]
    assert texts(at.caption).count("Apr 2026, the first full month of stage Department rollout: 45 people with "
                                   "access (the stage's expected_users in the plan), damping 1; learned from stage "
                                   "Limited pilot users, 1 Mar 2026 – 31 Mar 2026.") == 1
    assistant = next(e for e in at.expander if e.label == "Assumptions")
    assert texts(assistant.markdown).splitlines() == [f"- {a}" for a in expected.assumptions]
    assert at.selectbox(key="forecast_stage").format_func("") == "Next stage: Department rollout"
    assert at.selectbox(key="forecast_stage").options == ["Next stage: Department rollout", "Limited pilot users",
                                                          "Department rollout", "Department rollout with extra review"]
    # the criteria table is still the page's first dataframe
    assert "Status" in at.dataframe[0].value.columns


def test_damping_and_people_are_asked_on_the_page(demo_db: Path) -> None:
    at = _page()
    at.slider(key="forecast_damping").set_value(0.5)
    at.number_input(key="forecast_users").set_value(200)
    run(at)
    expected = _engine(demo_db, "pilot", MARCH, Ask(users=200, damping=0.5))
    assert_frame_equal(_shown(at), table(expected))
    assert expected.measure("active_users").central == 100  # 200 people, half as likely as the pilot's 100%
    assert "200 people with access (as given), damping 0.5" in texts(at.caption)


def test_the_last_stage_has_no_next_stage_until_one_is_chosen(demo_db: Path) -> None:
    at = _page("2026-09", "2026-09")
    assert not at.table
    assert ("Stage Department rollout with extra review is the last stage of the plan: there is no next stage to "
            "forecast. Choose a stage above to forecast it.") in texts(at.caption)
    assert at.selectbox(key="forecast_stage").options == ["Next stage: none (the reviewed stage is the last)",
                                                          "Department rollout with extra review"]
    at.selectbox(key="forecast_stage").set_value("extra-review")
    at.number_input(key="forecast_users").set_value(90)
    run(at)
    expected = _engine(demo_db, "extra-review", Window(date(2026, 9, 1), date(2026, 9, 30)),
                       Ask("extra-review", 90))
    assert_frame_equal(_shown(at), table(expected))
    assert expected.month == "2026-10"


def test_a_recorded_decision_keeps_the_forecast_the_page_showed(demo_db: Path) -> None:
    at = _page()
    at.slider(key="forecast_damping").set_value(0.7)
    run(at)
    field = decision.field_key("decision_by", at.session_state)
    at.text_input(key=field).input("Steering committee chair")
    next(b for b in at.button if b.label == "Record decision").click()
    run(at)
    assert not at.error
    with store.connect(demo_db) as con:
        snap = snapshot_store.get(con, 1)
    shown = _engine(demo_db, "pilot", MARCH, Ask(damping=0.7))
    assert snap.forecast is not None and snap.forecast.damping == 0.7
    # as shown (a sum's last bits may differ between two runs of DuckDB's parallel aggregation: compared as people
    # read them, and the numbers to 9 digits)
    assert_frame_equal(table(snap.forecast), table(shown))
    assert snap.forecast.assumptions == shown.assumptions
    assert _numbers(snap.forecast) == pytest.approx(_numbers(shown), rel=1e-9)
    assert snap.intact


def _numbers(fc: Forecast) -> list[float]:
    found = [x for m in fc.measures for x in (m.central, m.low, m.high)]
    assert all(x is not None for x in found)
    return [float(x or 0) for x in found]


def test_the_sidebar_filters_do_not_narrow_the_forecast_and_it_says_so(demo_db: Path) -> None:
    at = _page()
    at.sidebar.selectbox(key="filter_department").set_value("legal-ops")
    run(at)
    assert_frame_equal(_shown(at), table(_engine(demo_db, "pilot", MARCH, Ask())))
    assert ("The forecast is of the whole stage: the sidebar's department and use-case filters do not apply to it."
            in texts(at.caption))
