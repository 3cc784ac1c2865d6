"""Gate review (AppTest): every criterion with its evidence, the triggers, readiness and recommendation,
as the engine judged them; another stage can be chosen; the decision is recorded through the form (the
engine's refusal shown as it is, nothing stored), becomes a snapshot with its three downloads and is listed
on Snapshots."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pages_fixture import app, elements, engine_review, months, plain, plan, run, texts
from pandas.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from loaders import store
from metrics.drill import rows as drill_rows
from metrics.format import escape_md, value_text
from metrics.model import Window
from snapshots import store as snapshot_store
from ui import decision
from ui.evidence import criteria_frame
from ui.style import OUTCOME

EXTRA = "Department rollout with extra review"  # the stage's name, as pages show it


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
        "95% interval": "0.8–4.5%", "Limit": "≤ 10%", "Warn level": "≤ 7%", "Min sample": 100, "If it fails": "limit",
        "Explanation": "Error rate 2.0% (5 of 254 reviews, 95% CI 0.8–4.5%) is within the 10% limit."}
    assert f"Recommendation: {OUTCOME[ev.recommendation.outcome].label}" in texts(at.markdown)


def test_triggers_and_readiness_are_listed_and_june_fires(demo_db: Path) -> None:
    at = _page(filter_from="2026-06", filter_to="2026-06")
    ev = engine_review(demo_db, "department", Window(date(2026, 6, 1), date(2026, 6, 30)))
    triggers = next(d.value for d in at.dataframe if "Trigger" in d.value.columns)
    assert list(triggers["Trigger"]) == [t.name for t in ev.triggers]
    words = {"fired": "✖ Fired", "quiet": "✔ Quiet", "insufficient": "? Not enough evidence"}
    assert list(triggers["Status"]) == [words[t.status] for t in ev.triggers]
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
    # the pilot ran January to March: September holds nothing to judge it on, and the page says so
    said = ("stage 'pilot' was not in force between 1 Sep 2026 and 30 Sep 2026 (it runs from 5 Jan 2026 to 31 Mar "
            "2026); choose a window in which it was, or the stage in force then.")
    assert [i.value for i in at.info] == ["S" + escape_md(said[1:])]
    assert not at.dataframe and not at.exception


def test_the_decision_has_its_own_section_after_the_evidence(demo_db: Path) -> None:
    at = _page()
    assert at.subheader[-1].value == "Record the decision"
    outcome = at.radio(key=_field(at, "decision_outcome"))
    assert outcome.options == ["✔ Proceed (recommended)", "→ Continue", "▼ Limit", "✎ Redesign", "⏸ Pause"]
    assert outcome.value == "proceed"  # the recommendation, until the person chooses
    assert at.text_input(key=_field(at, "decision_by")).value == ""
    assert at.date_input(key=_field(at, "decision_next_review")).value is None
    assert at.selectbox(key=_field(at, "decision_supersedes")).options == ["Nothing: a new decision"]
    # No snapshot to download yet; the drill-down's rows name fewer than 5 people, so they are not listed either.
    assert [b.key for b in at.get("download_button")] == []
    assert "so they are not listed: the plan keeps groups this small private (privacy_min_group = 5)" in texts(
        at.caption)


# -- recording the decision -------------------------------------------------------------------------

def _field(at: AppTest, name: str) -> str:
    return decision.field_key(name, at.session_state)


def _decide(at: AppTest, outcome: str, by: str, rationale: str = "", conditions: str = "",
            next_review: date | None = None) -> AppTest:
    at.radio(key=_field(at, "decision_outcome")).set_value(outcome)
    at.text_input(key=_field(at, "decision_by")).input(by)
    at.text_area(key=_field(at, "decision_rationale")).input(rationale)
    at.text_area(key=_field(at, "decision_conditions")).input(conditions)
    if next_review is not None:
        at.date_input(key=_field(at, "decision_next_review")).set_value(next_review)
    next(b for b in at.button if b.label == "Record decision").click()
    return run(at)


def _stored(db: Path) -> list[tuple[object, ...]]:
    with store.connect(db) as con:
        return con.execute("select id, stage, window_from, decision, decided_by from gate_reviews order by id"
                           ).fetchall()


def test_a_decision_other_than_the_recommendation_without_a_rationale_is_refused_and_nothing_recorded(
        demo_db: Path) -> None:
    at = _decide(_page(), "pause", "Steering committee chair")
    assert texts(at.error) == ("The decision was not recorded:\n"
                               "- rationale: the decision 'pause' differs from the recommendation 'proceed'; write "
                               "the rationale for deciding otherwise.")
    assert _stored(demo_db) == []
    assert not at.success and [b.key for b in at.get("download_button")] == []
    # What the person wrote stays in the form, to be completed.
    assert at.radio(key=_field(at, "decision_outcome")).value == "pause"
    assert at.text_input(key=_field(at, "decision_by")).value == "Steering committee chair"


def test_every_problem_of_a_decision_is_listed_at_once(demo_db: Path) -> None:
    at = _decide(_page(), "limit", "   ")
    assert texts(at.error).splitlines() == [
        "The decision was not recorded:",
        "- decided_by: say who decided (a name or role).",
        "- rationale: the decision 'limit' differs from the recommendation 'proceed'; write the rationale for "
        "deciding otherwise."]
    assert _stored(demo_db) == []


def test_recording_a_decision_creates_the_snapshot_offers_its_downloads_and_lists_it(demo_db: Path) -> None:
    rationale = "Two severe incidents in legal-ops.\nWait for the audit **first** <b>please</b>."
    at = _decide(_page(), "pause", "A. Chair <b>x</b>", rationale, "Extra review stays on.", date(2026, 10, 30))
    assert not at.error
    assert texts(at.success) == "Recorded snapshot #1: decision pause by A. Chair <b>x</b>."
    assert _stored(demo_db) == [(1, "extra-review", date(2026, 9, 1), "pause", "A. Chair <b>x</b>")]
    with store.connect(demo_db) as con:
        snap = snapshot_store.get(con, 1)
    assert snap.decision.model_dump() == {"outcome": "pause", "decided_by": "A. Chair <b>x</b>",
                                          "rationale": rationale, "conditions": "Extra review stays on.",
                                          "next_review_on": date(2026, 10, 30)}
    assert snap.recommendation.outcome == "proceed"
    assert ([(c.metric, c.status, c.explanation) for c in snap.criteria]
            == [(c.metric, c.status, c.explanation) for c in engine_review(demo_db, "extra-review").criteria])
    # The three downloads of the snapshot just recorded, and a form ready for the next decision.
    buttons = [b for b in elements(at, "download_button") if b.label != "Download these rows (CSV)"]
    assert [(d.label, d.proto.url.rsplit(".", 1)[1]) for d in buttons[:3]] == [
        ("HTML report", "html"), ("JSON record", "json"), ("Criteria CSV", "csv")]
    assert (buttons[3].label, buttons[3].proto.disabled) == ("PDF report", False)  # rendered when asked for
    # the time in the viewer's zone (UTC here: AppTest has no browser), the stored UTC time on hover
    recorded = next(m for m in at.markdown if "Recorded as snapshot #1" in m.value)
    assert re.search(r"\*\*Recorded as snapshot #1:\*\* decision \*\*Pause\*\* by A\. Chair <b>x</b>, \d{1,2} \w{3} "
                     r"\d{4}, \d\d:\d\d UTC\. Download", plain(recorded.value))
    assert re.fullmatch(r"Recorded at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.", recorded.help or "")
    assert at.radio(key=_field(at, "decision_outcome")).value == "proceed"
    assert at.text_area(key=_field(at, "decision_rationale")).value == ""
    assert at.selectbox(key=_field(at, "decision_supersedes")).options[1].startswith(
        f"#1 · {EXTRA} · 1 Sep 2026")
    # The user's text is escaped wherever markdown shows it; no element allows HTML.
    assert all(not m.proto.allow_html for m in at.markdown)
    assert "A\\. Chair \\<b\\>x\\</b\\>" in "".join(m.value for m in at.markdown)

    at.switch_page("pages/snapshots.py")
    run(at)
    history = at.dataframe[0].value.to_dict("records")
    assert [{k: row[k] for k in ("#", "Stage", "Window", "Recommendation", "Decision", "Decided by", "Integrity")}
            for row in history] == [
        {"#": 1, "Stage": EXTRA,
         "Window": "1 Sep 2026 – 30 Sep 2026", "Recommendation": "✔ Proceed",
         "Decision": "⏸ Pause", "Decided by": "A. Chair <b>x</b>", "Integrity": "✔ Intact"}]


def test_a_correction_names_the_snapshot_it_supersedes(demo_db: Path) -> None:
    at = _decide(_page(), "pause", "A. Chair", "Incidents.")
    at.selectbox(key=_field(at, "decision_supersedes")).set_value(1)
    at = _decide(at, "limit", "A. Chair", "Limit instead: the incidents were in one team.")
    assert texts(at.success) == "Recorded snapshot #2: decision limit by A. Chair."
    with store.connect(demo_db) as con:
        assert [(e.id, e.supersedes, e.superseded_by) for e in snapshot_store.entries(con)] == [(2, 1, None),
                                                                                                (1, None, 2)]
    assert "Already recorded for this review: #1 (pause by A. Chair," in texts(at.caption)
    # The same stage and dates for one department is another review: nothing recorded for it yet.
    at.sidebar.selectbox(key="filter_department").set_value("legal")
    run(at)
    assert "Already recorded" not in texts(at.caption)
    assert [b.label for b in elements(at, "download_button")] == []  # no snapshot's (the drill-down: too few people)


def test_the_outcome_follows_the_recommendation_of_another_window(demo_db: Path) -> None:
    at = _page()
    at.radio(key=_field(at, "decision_outcome")).set_value("limit")
    run(at)
    months(at, "2026-06", "2026-06")  # June: the pause triggers fire
    run(at)
    assert at.radio(key=_field(at, "decision_outcome")).value == "pause"


def test_the_rows_behind_a_failing_criterion_are_shown_and_downloadable(demo_db: Path) -> None:
    at = _page(filter_from="2026-06", filter_to="2026-06")
    box = at.selectbox(key="drill_metric")
    assert box.value == "quality.error_rate"  # failing criteria first, in plan order
    assert box.format_func(box.value) == "✖ Error rate — reviews that corrected or rejected the output"
    ev = engine_review(demo_db, "department", Window(date(2026, 6, 1), date(2026, 6, 30)))
    with store.connect(demo_db) as con:
        expected = drill_rows(con, plan().metric_context(), "quality.error_rate", ev.period)
    shown = next(d.value for d in at.dataframe if "review_id" in d.value.columns)
    assert list(shown["review_id"]) == list(expected["review_id"]) and len(shown) == 25  # 25 of 127 reviews
    assert "25 rows, 1 Jun 2026 – 30 Jun 2026." in texts(at.caption)
    assert "Download these rows (CSV)" in [b.label for b in elements(at, "download_button")]
    box.set_value("adoption.scope_drift_share")
    run(at)
    drift = next(d.value for d in at.dataframe if "why" in d.value.columns)
    assert drift["interactions"].sum() == 546  # 37.8% of 1,445 people's interactions
