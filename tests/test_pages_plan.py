"""Plan (AppTest): stages and gates shown readably, warnings against the loaded data, and the editor —
a plan with problems is refused with every problem listed and nothing saved; a valid one is saved;
another file can be loaded into the editor; the saved plan can be downloaded."""

from __future__ import annotations

from pathlib import Path

from pages_fixture import PLAN, app, elements, plan, run, texts
from pandas.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from gates.plan_io import check_text
from gates.plan_words import in_words
from ui.plan_view import gates_frame


def _page() -> AppTest:
    at = app()
    at.switch_page("pages/plan.py")
    return run(at)


BROKEN = (PLAN.read_text()
          .replace('metric = "quality.error_rate"', 'metric = "quality.eror_rate"', 1)
          .replace("warn = 0.07\n", "warn = 0.12\n", 1)
          .replace('mode = "approval_first"', 'mode = "careful"', 1))


def test_the_plan_reads_as_stages_with_their_gates(demo_db: Path) -> None:
    at = _page()
    shown = texts(at.markdown)
    assert "### Contract drafting assistant" in shown
    assert "**Stage 1: Limited pilot users** (pilot) — from 5 Jan 2026 until 1 Apr 2026" in shown
    assert "**Stage 3: Department rollout with extra review** (extra-review) — from 15 Jul 2026 onwards" in shown
    use_cases, *gates, triggers = (d.value for d in at.dataframe[:5])  # the forms' editors follow
    assert list(use_cases["Use case"]) == ["drafting", "summarise", "clause_review", "translation"]
    assert len(gates) == 3
    for i, table in enumerate(gates):
        assert_frame_equal(table, gates_frame(plan(), i).to_pandas(), check_dtype=False)
    first = gates[0].iloc[0].to_dict()
    assert (first["Metric"], first["Limit"], first["Warn level"], first["If it fails"]) == \
        ("Error rate", "≤ 10%", "≤ 7%", "limit the rollout")
    assert list(triggers["Trigger"]) == [t.name for t in plan().pause_triggers]


def test_a_plan_with_problems_is_refused_with_every_problem_and_not_saved(demo_db: Path, tmp_path: Path) -> None:
    saved = (tmp_path / "plan.toml").read_text()
    at = _page()
    at.text_area(key="plan_editor").set_value(BROKEN)
    at.button(key="plan_save").click()
    run(at)
    problems = check_text(BROKEN).problems
    assert len(problems) == 3
    error = texts(at.error)
    assert error.startswith("Not saved: the plan has 3 problems; fix them and try again.")
    for p in problems:
        assert f"- {in_words(p, BROKEN)}" in error
    # each problem is placed by the plan's own names, not by a path
    assert "- Stage 'Limited pilot users', the mode: unknown mode 'careful'; use one of read_only, " in error
    assert "- Stage 'Limited pilot users', gate 1, the metric: unknown metric 'quality.eror_rate'" in error
    assert (tmp_path / "plan.toml").read_text() == saved
    assert at.text_area(key="plan_editor").value == BROKEN  # the user's text is kept to fix it


def test_check_says_a_valid_plan_is_valid_without_saving(demo_db: Path, tmp_path: Path) -> None:
    at = _page()
    at.text_area(key="plan_editor").set_value(PLAN.read_text().replace("hourly_rate = 60.0", "hourly_rate = 75.0"))
    at.button(key="plan_check").click()
    run(at)
    assert texts(at.success) == "The plan is valid: 3 stages, 39 gates, 6 pause triggers. Save it to use it."
    assert "hourly_rate = 60.0" in (tmp_path / "plan.toml").read_text()


def test_a_valid_plan_is_saved_and_used_at_once(demo_db: Path, tmp_path: Path) -> None:
    at = _page()
    edited = PLAN.read_text().replace('name = "Contract drafting assistant"', 'name = "Drafting assistant, v2"')
    at.text_area(key="plan_editor").set_value(edited)
    at.button(key="plan_save").click()
    run(at)
    # first what changes, and nothing saved yet
    assert at.code[-1].value == ('--- plan as saved\n+++ plan as edited\n@@ -4,3 +4,3 @@\n \n'
                                '-name = "Contract drafting assistant"\n+name = "Drafting assistant, v2"\n'
                                ' owner = "Head of Legal Operations"')
    assert 'name = "Contract drafting assistant"' in (tmp_path / "plan.toml").read_text()
    at.button(key="toml_confirm").click()
    run(at)
    assert (tmp_path / "plan.toml").read_text() == edited  # as written, comments kept
    assert texts(at.success) == "Saved the plan 'Drafting assistant, v2' to plan.toml: 3 stages, 39 gates."
    assert "**Plan:** Drafting assistant, v2" in texts(at.sidebar.caption)


def test_another_plan_file_is_loaded_into_the_editor_and_checked_before_use(demo_db: Path, tmp_path: Path) -> None:
    at = _page()
    at.file_uploader(key="plan_upload").set_value(("other-plan.toml", BROKEN.encode(), "application/toml"))
    run(at)
    assert at.text_area(key="plan_editor").value == BROKEN
    assert texts(at.info) == "Loaded other-plan.toml into the editor: check it, then save it to use it."
    at.button(key="plan_check").click()
    run(at)
    assert texts(at.error).startswith("The plan has 3 problems")
    assert 'name = "Contract drafting assistant"' in (tmp_path / "plan.toml").read_text()


def test_departments_the_roster_does_not_have_are_warnings(demo_db: Path, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(plan_file.read_text().replace('departments = ["legal-ops"]', 'departments = ["legal-opps"]'))
    at = _page()
    assert ("Stage 'Limited pilot users', the departments (item 1): no roster row has department 'legal-opps' — "
            "did you mean 'legal-ops'?"
            in texts(at.warning))


def test_the_toml_tab_shows_the_saved_plan_with_line_numbers(demo_db: Path) -> None:
    at = _page()
    saved = at.code[0]
    assert (saved.value.rstrip(), saved.language, saved.proto.show_line_numbers) == (PLAN.read_text().rstrip(), "toml",
                                                                                    True)


def test_the_saved_plan_can_be_downloaded(demo_db: Path) -> None:
    at = _page()
    assert [b.label for b in elements(at, "download_button")] == ["Download the saved plan"]
