"""The app as a whole (AppTest): the router's pages, the shared sidebar, every page on an empty and on
the demo database, the empty state's "Load demo data", and leaving Streamlit's legacy pages/ mode."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from pages_fixture import PAGES, app, months, run, texts, use_plan
from streamlit.runtime.pages_manager import PagesManager

from loaders import store
from ui import router
from ui.router import use_navigation_only


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_an_empty_database_says_what_to_upload_and_offers_the_demo(empty_db: Path, page: str) -> None:
    at = app(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    infos = " ".join(i.value for i in at.info)
    if page == "pages/snapshots.py":
        assert "rollgate snapshot" in infos
    elif page == "pages/plan.py":
        editor = at.text_area(key="plan_editor").value
        assert editor is not None
        assert editor.startswith("# Default rollout plan")
    else:
        assert "No exports are loaded yet" in infos
        assert at.button(key="load_demo").label == "Load demo data"
    if page not in ("pages/upload.py", "pages/plan.py", "pages/snapshots.py"):
        assert "Upload the month's exports: usage, human reviews, costs" in infos


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_the_demo_shows_no_exception_error_or_warning(demo_db: Path, page: str) -> None:
    at = app(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]
    assert at.title[0].value == {"pages/gate_review.py": "Gate review"}.get(page, page[6:-3].capitalize())


def test_load_demo_data_from_an_empty_page_fills_every_page(empty_db: Path) -> None:
    at = app("pages/quality.py")
    at.button(key="load_demo").click()
    run(at)
    assert texts(at.success) == "Loaded 8 demo files."
    assert [m.label for m in at.metric][:3] == ["Reviewed outputs", "Error rate", "Severe error rate"]
    with store.connect(empty_db) as con:
        assert store.row_counts(con)["usage"] == 4000


def test_the_sidebar_holds_the_window_the_filters_and_the_plan(demo_db: Path) -> None:
    at = app()
    first, last = at.sidebar.selectbox(key="filter_from"), at.sidebar.selectbox(key="filter_to")
    assert (first.label, last.label) == ("From", "To")
    assert first.options == last.options == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026",
                                             "Jul 2026", "Aug 2026", "Sep 2026"]
    assert (first.value, last.value) == ("2026-09", "2026-09")  # the latest month with data
    department = at.sidebar.selectbox(key="filter_department")
    assert department.options == ["All departments", "finance", "legal", "legal-ops", "procurement", "sales"]
    use_case = at.sidebar.selectbox(key="filter_use_case")
    assert use_case.options[0] == "All use cases" and "drafting" in use_case.options
    captions = texts(at.sidebar.caption)
    assert "**Plan:** Contract drafting assistant" in captions
    assert "**Stage on 30 Sep 2026:** Department rollout with extra review, since 15 Jul 2026" in captions


def test_the_stage_in_the_sidebar_follows_the_window(demo_db: Path) -> None:
    at = app()
    months(at, "2026-02")
    run(at)
    assert "**Stage on 28 Feb 2026:** Limited pilot users, since 5 Jan 2026" in texts(at.sidebar.caption)


def test_either_end_of_the_window_moves_and_the_window_never_runs_backwards(demo_db: Path) -> None:
    at = app()
    at.sidebar.selectbox(key="filter_from").set_value("2026-06")
    run(at)
    assert "**Window:** 1 Jun 2026 – 30 Sep 2026." in texts(at.markdown)
    at.sidebar.selectbox(key="filter_to").set_value("2026-04")  # before the first month: the window is April
    run(at)
    assert (at.session_state["filter_from"], at.session_state["filter_to"]) == ("2026-04", "2026-04")
    at.sidebar.selectbox(key="filter_from").set_value("2026-08")  # after the last month: the window is August
    run(at)
    assert (at.session_state["filter_from"], at.session_state["filter_to"]) == ("2026-08", "2026-08")


def test_the_page_address_holds_the_window_and_filters(demo_db: Path) -> None:
    at = app()
    assert at.query_params == {"from": "2026-09", "to": "2026-09"}
    months(at, "2026-05", "2026-06")
    at.sidebar.selectbox(key="filter_department").set_value("legal")
    run(at)
    assert at.query_params == {"from": "2026-05", "to": "2026-06", "department": "legal"}
    at.switch_page("pages/risk.py")
    run(at)  # a page change clears the address; the run writes it again
    assert at.query_params == {"from": "2026-05", "to": "2026-06", "department": "legal"}


def test_a_copied_address_opens_the_same_view(demo_db: Path) -> None:
    at = run(app(address={"from": "2026-04", "to": "2026-06", "use_case": "drafting"}))
    assert (at.session_state["filter_from"], at.session_state["filter_to"]) == ("2026-04", "2026-06")
    assert at.sidebar.selectbox(key="filter_use_case").value == "drafting"
    assert "**Window:** 1 Apr 2026 – 30 Jun 2026, use case drafting." in texts(at.markdown)


def test_an_address_naming_what_the_data_lacks_says_so(demo_db: Path) -> None:
    at = run(app(address={"from": "2025-01", "to": "2026-06", "department": "marketing"}))
    assert (at.session_state["filter_from"], at.session_state["filter_to"]) == ("2026-06", "2026-06")
    assert at.sidebar.selectbox(key="filter_department").value == ""
    captions = texts(at.sidebar.caption)
    assert ("The page address asked for from = 2025-01, which the data does not have; the sidebar shows what it "
            "does.") in captions
    assert "The page address asked for department = marketing" in captions
    assert at.query_params == {"from": "2026-06", "to": "2026-06"}


def test_filters_survive_page_changes(demo_db: Path) -> None:
    at = app()
    at.sidebar.selectbox(key="filter_department").set_value("legal")
    run(at)
    at.switch_page("pages/risk.py")
    run(at)
    assert at.sidebar.selectbox(key="filter_department").value == "legal"
    assert "The department filter does not narrow incidents" in texts(at.caption)


def test_a_plan_with_problems_is_named_on_every_page_and_fixed_on_the_plan_page(demo_db: Path, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(plan_file.read_text().replace('op = "<="', 'op = "<<"', 1))
    at = app()
    assert not at.exception
    assert texts(at.warning).startswith("The rollout plan (plan.toml) has 1 problem(s), so nothing can be judged")
    at.switch_page("pages/plan.py")
    run(at)
    assert ("Stage 'Limited pilot users', gate 'Error rate', the direction (<= or >=): unknown operator '<<'"
            in texts(at.warning))


def test_the_app_leaves_streamlits_legacy_pages_mode_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)  # a fresh process beside pages/
    assert use_navigation_only() is True
    assert PagesManager.uses_pages_directory is False
    assert use_navigation_only() is False


def test_the_served_app_leaves_the_legacy_mode_as_the_server_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    served = importlib.import_module("app")

    async def start() -> None:
        async with served._on_server_start(served.app):
            assert PagesManager.uses_pages_directory is False

    asyncio.run(start())


def test_a_page_run_on_its_own_starts_again_through_the_router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest puts the process back in the legacy mode before every run (as no served app is), so after
    switch_page the page file runs without app.py until ui.router sends the run through it."""
    use_plan(tmp_path, monkeypatch)
    monkeypatch.setenv("ROLLGATE_DB", str(tmp_path / "empty.duckdb"))
    seen: list[bool] = []

    def spy() -> bool:
        seen.append(use_navigation_only())
        return seen[-1]

    monkeypatch.setattr(router, "use_navigation_only", spy)
    at = app("pages/quality.py")
    assert True in seen  # the page's run found the legacy mode and started again
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Quality"
    assert texts(at.sidebar.markdown).startswith("**Rollgate** · evidence for each rollout gate")
