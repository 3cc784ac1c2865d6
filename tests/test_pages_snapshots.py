"""Snapshots (AppTest): the history of recorded gate reviews with their integrity, one snapshot opened
(summary, criteria, downloads) and two compared — rendered from the stored records and from
snapshots.compare's record, never recomputed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from pages_fixture import app, elements, engine_review, plan, run, texts
from pandas.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from gates.plan_io import load_plan
from gates.review import evaluate
from loaders import store
from metrics.model import Window
from snapshots import compare, exports
from snapshots import store as snapshot_store
from snapshots.build import record_review
from snapshots.pdf import INSTALL
from snapshots.record import Decision, Snapshot
from ui import snapshot_view, snapshots_data
from ui.evidence import criteria_frame

JULY = Window(date(2026, 7, 1), date(2026, 7, 31))
AUGUST = Window(date(2026, 8, 1), date(2026, 8, 31))
SEPTEMBER = Window(date(2026, 9, 1), date(2026, 9, 30))


EXTRA = "Department rollout with extra review"  # the stage's name, as pages show it


def _record(db: Path, window: Window, decision: Decision, supersedes: int | None = None,
            day: int = 2) -> Snapshot:
    """A snapshot recorded through the engine, as the Gate review form does."""
    p = plan()
    with store.connect(db) as con:
        ev = engine_review(db, "extra-review", window)
        moment = datetime(window.end.year, window.end.month % 12 + 1, day, 9, 0, tzinfo=UTC)
        return record_review(con, p, ev, decision, supersedes=supersedes, now=moment)


def _two(db: Path) -> tuple[Snapshot, Snapshot]:
    """July (judged on 15–31 July, when extra-review was in force) paused against the recommendation
    (continue), then August proceeding as recommended."""
    jul = _record(db, JULY, Decision(outcome="pause", decided_by="Head of Legal <i>Ops</i>",
                                       rationale="Wait for the **audit**:\nincidents in legal-ops.",
                                       conditions="Extra review stays on.", next_review_on=date(2026, 9, 30)))
    aug = _record(db, AUGUST, Decision(outcome="proceed", decided_by="Steering committee"))
    return jul, aug


def _page() -> AppTest:
    return app("pages/snapshots.py")


def _table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The one table on the page whose columns start with `columns`."""
    found = [d.value for d in at.dataframe if tuple(d.value.columns[:len(columns)]) == columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_without_snapshots_the_page_says_how_they_are_made(demo_db: Path) -> None:
    at = _page()
    assert not at.exception and not at.error and not at.warning
    assert texts(at.info) == (
        "No gate review has been recorded yet. A snapshot is made when a gate-review decision is recorded: at the "
        "end of the Gate review page, or from the command line with "
        "`rollgate snapshot --stage ID --month YYYY-MM --decision OUTCOME --by NAME`.")
    assert not at.dataframe


def test_the_history_lists_every_snapshot_newest_first_with_its_integrity(demo_db: Path) -> None:
    _two(demo_db)
    at = _page()
    assert at.subheader[0].value == "History"
    assert at.dataframe[0].value.to_dict("records") == [
        {"#": 2, "Recorded": "2 Sep 2026, 09:00 UTC", "Stage": EXTRA,
         "Window": "1 Aug 2026 – 31 Aug 2026",
         "Recommendation": "✔ Proceed", "Decision": "✔ Proceed", "Decided by": "Steering committee",
         "Integrity": "✔ Intact", "Corrections": ""},
        {"#": 1, "Recorded": "2 Aug 2026, 09:00 UTC", "Stage": EXTRA,
         "Window": "1 Jul 2026 – 31 Jul 2026",
         "Recommendation": "→ Continue", "Decision": "⏸ Pause", "Decided by": "Head of Legal <i>Ops</i>",
         "Integrity": "✔ Intact", "Corrections": ""}]
    assert not at.error


def test_opening_a_snapshot_shows_its_summary_criteria_and_downloads(demo_db: Path) -> None:
    jul, _ = _two(demo_db)
    at = _page()
    assert at.selectbox(key="snapshots_open").value == 2  # the newest
    at.selectbox(key="snapshots_open").set_value(1)
    run(at)
    shown = texts(at.markdown)
    assert "#### Gate review #1: Department rollout with extra review (extra-review), 2026-07-01 to 2026-07-31" in shown
    assert ("**Decision:** :red-badge[:material/pause_circle: Pause] by Head of Legal <i>Ops</i> · "
            "**Recommendation:** :blue-badge[:material/pending: Continue]") in shown
    assert ("**Rationale:**  \nWait for the **audit**:  \nincidents in legal-ops.\n\n**Conditions:**  \n"
            "Extra review stays on.\n\n**Next review:** 30 Sep 2026") in shown
    assert "The decision differs from the recommendation; the rationale says why." in texts(at.caption)
    # People's words are escaped in markdown (shown literally, never as formatting or HTML).
    raw = "\n".join(m.value for m in at.markdown)
    assert "Head of Legal \\<i\\>Ops\\</i\\>" in raw and "Wait for the \\*\\*audit\\*\\*\\:" in raw
    assert all(not m.proto.allow_html for m in at.markdown)
    # The criteria as frozen: the same table the Gate review showed for that month.
    assert_frame_equal(_table(at, "Status", "Family", "Metric"),
                       criteria_frame(engine_review(demo_db, "extra-review", JULY)).to_pandas(), check_dtype=False)
    buttons = elements(at, "download_button")
    assert [(d.label, d.proto.url.rsplit(".", 1)[1]) for d in buttons[:3]] == [
        ("HTML report", "html"), ("JSON record", "json"), ("Criteria CSV", "csv")]
    assert (buttons[3].label, buttons[3].proto.disabled) == ("PDF report", False)  # rendered when asked for
    # What the buttons hold is exactly what `cli.py export` writes.
    version = store.data_version(demo_db)
    stem, content = snapshots_data.files(str(demo_db), version, 1)
    assert stem == exports.file_stem(jul) and content == exports.render_all(jul)


def test_comparing_two_snapshots_renders_the_comparison_record(demo_db: Path) -> None:
    jul, aug = _two(demo_db)
    at = _page()
    assert (at.selectbox(key="snapshots_compare_a").value, at.selectbox(key="snapshots_compare_b").value) == (1, 2)
    record = compare.compare(jul, aug)
    # Plan and rules first, then decision, statuses, metric values.
    assert [h.value for h in at.subheader] == ["History", "Plan and rules", "Decision",
                                               "Criteria whose status changed", "Metric values"]
    assert texts(at.success).startswith(f"Same plan (sha256 {jul.plan.sha256[:12]}…) and stage")
    assert _table(at, "Field").to_dict("records") == [
        {"Field": "Recommendation", "#1": "continue", "#2": "proceed"},
        {"Field": "Decision", "#1": "pause", "#2": "proceed"},
        {"Field": "Decided by", "#1": "Head of Legal <i>Ops</i>", "#2": "Steering committee"},
        {"Field": "Rationale", "#1": "Wait for the **audit**:\nincidents in legal-ops.", "#2": "—"},
        {"Field": "Conditions", "#1": "Extra review stays on.", "#2": "—"},
        {"Field": "Next review", "#1": "2026-09-30", "#2": "—"}]
    metrics = _table(at, "Family", "Metric", "#1")
    assert_frame_equal(metrics, snapshot_view.metrics_frame(record).to_pandas(), check_dtype=False)
    assert list(metrics["Change"]) == [m.change_text for m in record.metrics]
    error_rate = next(m for m in record.metrics if m.metric == "quality.error_rate")
    assert metrics[metrics["Metric"] == "Error rate"].to_dict("records") == [
        {"Family": "Quality", "Metric": "Error rate", "#1": error_rate.text_a, "#2": error_rate.text_b,
         "Change": error_rate.change_text}]
    # July is judged on 15–31 July, the part of it in which extra-review was in force
    assert _table(at, "Metric", "Status #1").to_dict("records") == [
        {"Metric": "Net hours per active user", "Status #1": "▲ Warn", "Status #2": "✔ Pass", "Value #1": "1.7 h",
         "Value #2": "2.9 h", "Rule changed": ""},
        {"Metric": "Value to cost", "Status #1": "▲ Warn", "Status #2": "✔ Pass", "Value #1": "1.28×",
         "Value #2": "2.35×", "Rule changed": ""}]
    assert "**Readiness items that changed**\nNone." in texts(at.markdown)
    assert "**Pause triggers that changed**\nNone." in texts(at.markdown)


def test_a_comparison_across_plans_says_so_first_and_marks_the_changed_rules(demo_db: Path, tmp_path: Path) -> None:
    jul, _ = _two(demo_db)
    plan_file = tmp_path / "plan.toml"  # the app's copy (pages_fixture.use_plan)
    head, tail = plan_file.read_text().split('id = "extra-review"')
    plan_file.write_text(head + 'id = "extra-review"' + tail.replace("threshold = 0.10", "threshold = 0.12", 1))
    changed = load_plan(plan_file)
    with store.connect(demo_db) as con:
        ev = evaluate(con, changed, "extra-review", SEPTEMBER)
        third = record_review(con, changed, ev, Decision(outcome="proceed", decided_by="Steering committee"))
    at = _page()
    at.selectbox(key="snapshots_compare_a").set_value(1)
    at.selectbox(key="snapshots_compare_b").set_value(third.id)
    run(at)
    record = compare.compare(jul, third)
    assert record.notes and record.rule_changed
    assert texts(at.warning).splitlines()[0] == record.notes[0]
    assert _table(at, "Metric", "Rule in #1").to_dict("records") == [
        {"Metric": r.label, "Rule in #1": r.rule_a, "Rule in #3": r.rule_b, "What changed": "; ".join(r.rule_changes)}
        for r in record.rule_changed]
    assert "threshold 10% → 12%" in "; ".join(record.rule_changed[0].rule_changes)


def test_the_same_snapshot_twice_is_not_compared(demo_db: Path) -> None:
    _two(demo_db)
    at = _page()
    at.selectbox(key="snapshots_compare_a").set_value(2)
    run(at)
    assert "Choose two different snapshots." in texts(at.info)
    assert [list(d.value.columns)[:2] for d in at.dataframe] == [["#", "Recorded"], ["Status", "Family"]]
    assert not at.subheader[1:]  # the history only: no comparison


def test_one_snapshot_cannot_be_compared_yet(demo_db: Path) -> None:
    _record(demo_db, SEPTEMBER, Decision(outcome="proceed", decided_by="Steering committee"))
    at = _page()
    assert "Comparing needs two recorded snapshots" in texts(at.info)


def test_an_altered_snapshot_is_flagged_and_not_offered(demo_db: Path) -> None:
    _two(demo_db)
    with store.connect(demo_db) as con:
        con.execute("update gate_reviews set record = replace(record, 'Extra review stays on.', 'Nothing.') "
                    "where id = 1")
        entries = snapshot_store.entries(con)
    at = _page()
    problems = {e.id: e.problem for e in entries}
    assert list(at.dataframe[0].value["Integrity"]) == ["✖ Not intact: " + str(problems[2]),
                                                        "✖ Not intact: " + str(problems[1])]
    assert texts(at.error).startswith("2 of 2 snapshots no longer match what was recorded; do not rely on them:")
    at.selectbox(key="snapshots_open").set_value(1)
    run(at)
    assert ("snapshot #1 was altered after it was recorded: its content no longer matches its content_sha256"
            in texts(at.error))
    assert not at.get("download_button")


def test_where_a_pdf_cannot_be_made_the_button_says_what_to_install(demo_db: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _record(demo_db, JULY, Decision(outcome="continue", decided_by="Chair"))
    monkeypatch.setattr("ui.snapshot_view.unavailable", lambda: INSTALL)
    at = app("pages/snapshots.py")
    at.selectbox(key="snapshots_open").set_value(1)
    run(at)
    pdf = elements(at, "download_button")[3]
    assert (pdf.label, pdf.proto.disabled, pdf.proto.help) == ("PDF report", True, INSTALL)
    assert INSTALL in texts(at.caption)
    assert [d.proto.disabled for d in elements(at, "download_button")[:3]] == [False, False, False]
