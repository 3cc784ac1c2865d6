"""The snapshot record: canonical JSON, the content hash, number rules, and the decision checks."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from snapshot_fixture import MOMENT, plan, plan_with, pure_review, pure_snapshot

from core.errors import InputError
from core.version import __version__
from gates.period import review_period
from metrics.model import Window
from metrics.registry import METRICS
from snapshots.build import build_snapshot, check_decision, parse_outcome, trend_window
from snapshots.html import report as to_html
from snapshots.record import (
    Decision,
    IncidentList,
    Snapshot,
    canonical_json,
    content_sha256,
    parse_json,
    round_float,
    utc_stamp,
)
from snapshots.verify import load_verified, verify


@pytest.mark.parametrize(("data", "expected"), [
    ({"b": 1, "a": [True, None, "x"]}, b'{"a":[true,null,"x"],"b":1}'),
    ({"x": 3.0}, b'{"x":3}'),
    ({"x": -0.0}, b'{"x":0}'),
    ({"x": 0.1}, b'{"x":0.1}'),
    ({"x": 1.5e-05}, b'{"x":1.5e-05}'),
    ({"x": 2.5e15}, b'{"x":2500000000000000.0}'),
    ({"x": "é<"}, b'{"x":"\\u00e9<"}'),
    ({"nested": {"z": 1, "y": {"b": 2, "a": 1}}}, b'{"nested":{"y":{"a":1,"b":2},"z":1}}'),
])
def test_canonical_json(data: dict[str, object], expected: bytes) -> None:
    assert canonical_json(data) == expected


def test_canonical_json_refuses_nan_and_foreign_types() -> None:
    with pytest.raises(ValueError, match="cannot hold the number nan"):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError, match="cannot hold a date"):
        canonical_json({"x": date(2026, 1, 1)})


@pytest.mark.parametrize(("value", "expected"), [
    (0.19685039370078741, 0.1968503937), (1 / 3, 0.3333333333), (2.0000000000000004, 2.0), (-0.0, 0.0),
    (123456789012.5, 123456789000.0), (5e-324, 5e-324),
])
def test_floats_are_rounded_to_ten_significant_digits_when_built(value: float, expected: float) -> None:
    assert round_float(value) == expected


def test_the_hash_is_sha256_of_the_canonical_json_without_the_hash_field() -> None:
    data = {"b": 2.0, "a": "x", "content_sha256": "anything"}
    assert content_sha256(data) == hashlib.sha256(b'{"a":"x","b":2}').hexdigest()


def test_same_inputs_give_the_same_content_sha256() -> None:
    first, second = pure_snapshot(), pure_snapshot()
    assert first.content_sha256 == second.content_sha256
    assert first.intact
    assert first.as_data() == second.as_data()


def test_number_noise_below_ten_digits_does_not_change_the_hash() -> None:
    noisy = pure_review(values={"quality.error_rate": 0.1 + 0.2})       # 0.30000000000000004
    clean = pure_review(values={"quality.error_rate": 0.3})
    assert pure_snapshot(noisy).content_sha256 == pure_snapshot(clean).content_sha256


@pytest.mark.parametrize("change", [
    {"snapshot_id": 2}, {"previous": "a" * 64},
    {"decision": Decision(outcome="pause", decided_by="Steering group", rationale="x")},
    {"evaluation": pure_review(values={"quality.error_rate": 0.3000000001})},
    {"p": plan_with('name = "Contract drafting assistant"', 'name = "Contract drafting assistant v2"')},
])
def test_any_change_of_input_changes_the_hash(change: dict[str, object]) -> None:
    assert pure_snapshot(**change).content_sha256 != pure_snapshot().content_sha256  # type: ignore[arg-type]


def test_the_record_holds_every_part_of_the_review() -> None:
    p = plan()
    snap = pure_snapshot(p=p)
    data = snap.as_data()
    assert list(data) == ["format", "id", "content_sha256", "created_at", "app_version", "supersedes",
                          "previous_sha256", "plan", "stage", "window", "period", "currency", "recommendation",
                          "decision",
                          "criteria", "triggers", "readiness", "evidence_method", "metrics", "trends", "incidents",
                          "provenance"]
    assert data["format"] == "rollgate.gate-review/1"
    assert data["created_at"] == "2026-07-02T09:30:00Z"
    assert data["plan"]["content"] == p.content and data["plan"]["sha256"] == p.sha256
    assert data["window"] == {"from": "2026-06-01", "to": "2026-06-30", "department": None, "use_case": None}
    assert data["period"] == {"from": "2026-06-01", "to": "2026-06-30", "note": None, "months": []}
    assert len(data["criteria"]) == len(p.stage("department").gates) == 13
    assert len(data["triggers"]) == len(p.pause_triggers) == 6
    assert [r["item"] for r in data["readiness"]][:2] == ["Scope defined", "Stages defined"]
    assert list(data["metrics"]) == [m.id for m in METRICS] and data["metrics"]["quality.error_rate"] == {
        "family": "quality", "label": "Error rate", "unit": "ratio", "value": None, "n": 100, "low": None,
        "high": None}
    assert {m["family"] for m in data["metrics"].values()} == {"quality", "value", "cost", "risk", "adoption",
                                                               "support"}
    assert data["decision"] == {"outcome": "continue", "decided_by": "Steering group", "rationale": "",
                                "conditions": "", "next_review_on": None}


def test_a_record_read_back_from_json_is_the_same_snapshot() -> None:
    snap = pure_snapshot()
    again = Snapshot.model_validate(json.loads(canonical_json(snap.as_data())))
    assert again == snap and again.intact
    assert list(again.metrics) == list(snap.metrics)  # registry order, not the sorted order of canonical JSON


def test_the_record_names_the_review_period_when_it_is_a_part_of_the_window() -> None:
    p = plan()
    july = Window(date(2026, 7, 1), date(2026, 7, 31))
    period = review_period(p, p.stage("extra-review"), july)
    ev = pure_review(p, "extra-review", july, period=period)
    snap = pure_snapshot(ev, p)
    note = "Judged on 15–31 Jul 2026, the part of your window in which stage extra-review was in force."
    assert snap.as_data()["period"] == {"from": "2026-07-15", "to": "2026-07-31", "note": note, "months": []}
    assert snap.as_data()["window"]["from"] == "2026-07-01"
    report = to_html(snap)
    assert f"{note} The criteria, pause triggers and figures below are for 2026-07-15 to 2026-07-31." in report


def test_a_record_made_before_review_periods_still_verifies() -> None:
    """Records made before the review period was recorded have no `period` key: their hash still holds."""
    data = pure_snapshot().as_data()
    del data["period"]
    data["content_sha256"] = content_sha256(data)
    raw = canonical_json(data)
    assert not verify(raw, "gate-review-0001.json").trusted  # intact, but nothing shows who made it
    snap = load_verified(raw, "gate-review-0001.json", allow_unsigned=True)
    assert snap.period is None and snap.intact and "period" not in snap.as_data()
    assert "The criteria, pause triggers and figures below are for" not in to_html(snap)  # no period note
    assert "Judged on 1 Jun 2026 – 30 Jun 2026" in to_html(snap)  # the window, as judged then
    # a period added to an old record afterwards is a change of its content
    forged = json.loads(raw) | {"period": {"from": "2026-06-01", "to": "2026-06-30", "note": None, "months": []}}
    assert not verify(canonical_json(forged), "gate-review-0001.json").intact


def test_a_plan_other_than_the_evaluated_one_is_refused() -> None:
    other = plan_with("hourly_rate = 60.0", "hourly_rate = 61.0")
    with pytest.raises(InputError, match="evaluated on another version of the plan"):
        build_snapshot(evaluation=pure_review(), plan=other, decision=Decision(outcome="continue", decided_by="x"),
                       trends={}, incidents=IncidentList(total=0, listed=()), sources=(), span=pure_review().window,
                       snapshot_id=1, created_at=MOMENT)


def test_app_version_is_pyprojects() -> None:
    assert __version__ == "0.1.0"


def test_utc_stamp() -> None:
    from datetime import datetime, timedelta, timezone

    two_hours_east = timezone(timedelta(hours=2))
    assert utc_stamp(datetime(2026, 7, 2, 11, 30, 5, 999, tzinfo=two_hours_east)) == "2026-07-02T09:30:05Z"
    assert utc_stamp(datetime(2026, 7, 2, 9, 30)) == "2026-07-02T09:30:00Z"


# -- the decision -------------------------------------------------------------------------------------

def test_a_decision_that_differs_without_a_rationale_is_refused() -> None:
    ev = pure_review()
    assert ev.recommendation.outcome == "continue"
    with pytest.raises(InputError) as refused:
        check_decision(Decision(outcome="pause", decided_by="A. Chair", rationale="   "), ev)
    assert str(refused.value) == ("The decision was not recorded:\n  rationale: the decision 'pause' differs from the "
                                  "recommendation 'continue'; write the rationale for deciding otherwise.")


def test_a_decision_that_follows_the_recommendation_needs_no_rationale_and_is_trimmed() -> None:
    checked = check_decision(Decision(outcome="continue", decided_by="  A. Chair ", conditions=" weekly check\n"),
                             pure_review())
    assert (checked.decided_by, checked.rationale, checked.conditions) == ("A. Chair", "", "weekly check")


def test_every_problem_of_a_decision_is_listed() -> None:
    with pytest.raises(InputError) as refused:
        check_decision(Decision(outcome="proceed", decided_by=" ", next_review_on=date(2026, 6, 30),
                                conditions="x" * 20_001), pure_review())
    assert str(refused.value).splitlines() == [
        "The decision was not recorded:",
        "  decided_by: say who decided (a name or role).",
        "  rationale: the decision 'proceed' differs from the recommendation 'continue'; write the rationale for "
        "deciding otherwise.",
        "  conditions: at most 20,000 characters.",
        "  next_review_on: 2026-06-30 is not after the reviewed window, which ends 2026-06-30; give a later date.",
    ]


@pytest.mark.parametrize(("text", "expected"), [("pause", "pause"), (" Limit ", "limit"), ("PROCEED", "proceed")])
def test_parse_outcome(text: str, expected: str) -> None:
    assert parse_outcome(text) == expected


def test_parse_outcome_refuses_other_words() -> None:
    with pytest.raises(InputError) as refused:
        parse_outcome("stop")
    assert str(refused.value) == "'stop' is not a decision; choose one of proceed, continue, limit, redesign, pause."


# -- reading JSON -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "message"), [
    (b'{"a": 1, "a": 2}', "the key 'a' appears twice in one object"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"a": NaN}', "NaN is not a number a snapshot can hold"),
    (b'{"a": ', "not valid JSON (Expecting value at line 1, column 7)"),
    (b'\xff{"a": 1}', "not UTF-8 text (invalid start byte at byte 0)"),
])
def test_parse_json_refuses(raw: bytes, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_json(raw)
    assert str(refused.value) == message


def test_trend_window_starts_with_the_first_stage_at_most_twelve_months_back() -> None:
    p = plan()
    assert trend_window(p, pure_review().window).start == date(2026, 1, 1)
    late = trend_window(p, pure_review(window=type(pure_review().window)(date(2027, 3, 1), date(2027, 3, 31))).window)
    assert (late.start, late.end) == (date(2026, 4, 1), date(2027, 3, 31))
