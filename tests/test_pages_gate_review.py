"""Gate review (AppTest): every criterion with its evidence, the triggers, readiness and recommendation,
as the engine judged them; another stage can be chosen; the decision has its own section."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pages_fixture import app, engine_review, run, texts, use_demo
from pandas.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from gates.format import value_text
from metrics.model import Window
from ui.evidence import criteria_frame
from ui.style import OUTCOME


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo(tmp_path, monkeypatch)


def _page(**state: object) -> AppTest:
    at = app()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page("pages/gate_review.py")
    return run(at)


def test_every_criterion_is_shown_with_value_n_interval_limit_status_and_explanation(demo_db: Path) -> None:
    at = _page()
    ev = engine_review(demo_db, "extra-review")
    table = at.dataframe[0].value
    assert_frame_equal(table, criteria_frame(ev).to_pandas(), check_dtype=False)
    error_rate = table.iloc[0].to_dict()
    assert error_rate == {
        "Status": "✔ Pass", "Family": "Quality", "Metric": "Error rate", "Value": "2.0%", "n": 254,
        "95% interval": "0.8–4.5%", "Limit": "≤ 10%", "Warn": "≤ 7%", "Min sample": 100, "If it fails": "limit",
        "Explanation": "Error rate 2.0% (5 of 254 reviews, 95% CI 0.8–4.5%) is within the 10% limit."}
    assert f"Recommendation: {OUTCOME[ev.recommendation.outcome].label}" in texts(at.markdown)


def test_triggers_and_readiness_are_listed_and_june_fires(demo_db: Path) -> None:
    at = _page(filter_months=("2026-06", "2026-06"))
    ev = engine_review(demo_db, "department", Window(date(2026, 6, 1), date(2026, 6, 30)))
    triggers = at.dataframe[1].value
    assert list(triggers["Trigger"]) == [t.name for t in ev.triggers]
    assert list(triggers["Fired"]) == ["✖ Fired" if t.fired else "✔ Quiet" for t in ev.triggers]
    assert list(triggers["Value"]) == [value_text(t.metric, t.value) for t in ev.triggers]
    shown = texts(at.markdown)
    assert "Recommendation: Pause" in shown
    for item in ev.readiness:
        assert f"**{item.item}** — {item.reason}" in shown


def test_another_stage_can_be_reviewed_on_the_same_window(demo_db: Path) -> None:
    at = _page()
    assert at.selectbox(key="gate_review_stage").value == ""
    assert at.selectbox(key="gate_review_stage").options[0] == ("Stage in force on 30 Sep 2026: Department rollout "
                                                                "with extra review")
    at.selectbox(key="gate_review_stage").set_value("pilot")
    run(at)
    ev = engine_review(demo_db, "pilot")
    assert_frame_equal(at.dataframe[0].value, criteria_frame(ev).to_pandas(), check_dtype=False)
    assert "Stage Limited pilot users (pilot), 1 Sep 2026 – 30 Sep 2026" in texts(at.caption)


def test_the_decision_has_its_own_section_after_the_evidence(demo_db: Path) -> None:
    at = _page()
    assert at.subheader[-1].value == "Record the decision"
    assert "python cli.py snapshot --stage extra-review --month 2026-09 --decision OUTCOME --by NAME" in texts(at.info)
