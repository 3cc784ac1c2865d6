"""Plan history: every saved plan kept (who, when, sha256, text), compared and restored as a new version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pages_fixture import PLAN, app, run

from core.access import local
from gates.plan_history import record, sha256_of, version_of, versions
from loaders import store


def test_each_save_is_a_new_version_and_the_first_keeps_the_plan_as_found(tmp_path: Path) -> None:
    with store.connect(tmp_path / "rollgate.duckdb") as con:
        first = record(con, "name = 'a'\n", "name = 'b'\n", local("Ann"),
                       moment=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
        second = record(con, "name = 'b'\n", "name = 'c'\n", local("Bo"),
                        moment=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
        kept = versions(con)
        assert [(v.id, v.saved_by, v.content) for v in kept] == [
            (3, "Bo", "name = 'c'\n"), (2, "Ann", "name = 'b'\n"),
            (1, "(the plan as it was before Rollgate kept its versions)", "name = 'a'\n")]
        assert (first.id, second.id) == (2, 3)
        assert kept[0].sha256 == sha256_of("name = 'c'\n") and kept[0].saved_at == datetime(2026, 12, 2, 9, 0)
        assert version_of(con, sha256_of("name = 'b'\n")) == 2 and version_of(con, "0" * 64) is None


def test_the_plan_page_keeps_lists_compares_and_restores_versions(demo_db: Path, tmp_path: Path) -> None:
    original = PLAN.read_text()
    at = app("pages/plan.py")
    at.text_area(key="plan_editor").set_value(original.replace("hourly_rate = 60.0", "hourly_rate = 75.0"))
    at.button(key="plan_save").click()
    run(at)
    at.button(key="toml_confirm").click()
    run(at)
    shown = next(d.value for d in at.dataframe if "By" in d.value.columns)
    assert list(shown["#"]) == [2, 1]
    assert list(shown["By"]) == ["anyone (sign-in is off)", "(the plan as it was before Rollgate kept its versions)"]
    assert list(shown["In use"]) == ["✔ in use", ""]
    change = at.code[-1].value
    assert "-hourly_rate = 60.0\n+hourly_rate = 75.0" in change and change.startswith("--- version #1\n+++ version #2")
    at.button(key="plan_restore").click()  # version #1: shown first, saved on confirmation
    run(at)
    assert "hourly_rate = 75.0" in (tmp_path / "plan.toml").read_text()
    at.button(key="restore_confirm").click()
    run(at)
    assert (tmp_path / "plan.toml").read_text() == original
    with store.connect(demo_db) as con:
        assert [v.id for v in versions(con)] == [3, 2, 1] and versions(con)[0].content == original



def test_a_snapshot_names_the_plan_version_it_was_judged_on(demo_db: Path, tmp_path: Path) -> None:
    from gates.plan_io import load_plan
    from gates.review import evaluate
    from metrics.window import month_window
    from snapshots.build import record_review
    from snapshots.record import Decision

    plan_file = tmp_path / "plan.toml"
    with store.connect(demo_db) as con:
        record(con, plan_file.read_text(), plan_file.read_text().replace("hourly_rate = 60.0", "hourly_rate = 70.0"),
               local("Ann"))
    plan_file.write_text(plan_file.read_text().replace("hourly_rate = 60.0", "hourly_rate = 70.0"))
    p = load_plan(plan_file)
    with store.connect(demo_db) as con:
        ev = evaluate(con, p, "department", month_window("2026-06"))
        record_review(con, p, ev, Decision(outcome="pause", decided_by="Chair"))
    at = app("pages/snapshots.py")
    at.selectbox(key="snapshots_open").set_value(1)
    run(at)
    assert any(c.value.startswith("Plan Contract drafting assistant (version #2, sha256 ") for c in at.caption)
