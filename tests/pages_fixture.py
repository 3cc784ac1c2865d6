"""Shared by the page tests (AppTest): the app on a copy of the demo database (loaded once per session)
or on an empty one, each with a private copy of the plan; the app started on a chosen page; and text
helpers that read escaped markdown as people see it."""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Element

from gates.plan import Plan
from gates.plan_io import load_plan
from gates.review import Evaluation, evaluate
from loaders import store
from loaders.demo import load_demo
from metrics.model import Window
from ui.router import use_navigation_only

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "data" / "plan.toml"
SEPTEMBER = Window(date(2026, 9, 1), date(2026, 9, 30))


def route_through_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every page through app.py's st.navigation, as a running server does.

    pages/ is also Streamlit's legacy multipage folder, and AppTest puts the process back in that mode
    before every run, so after switch_page it would run the page file on its own (ui.router then reruns
    through app.py, which would drop a button click in a test). Here every run leaves the mode as the
    served app does when it starts: with ui.router.use_navigation_only, once Streamlit has decided.
    """
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        use_navigation_only()

    monkeypatch.setattr(PagesManager, "__init__", init)


@functools.cache
def _demo_master() -> Path:
    """The demo exports loaded once per test session; tests get a copy."""
    path = Path(tempfile.mkdtemp(prefix="rollgate-demo-")) / "demo.duckdb"
    with store.connect(path) as con:
        load_demo(con)
    return path


def use_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/plan.toml the app reads and may save to ($ROLLGATE_PLAN)."""
    path = tmp_path / "plan.toml"
    shutil.copyfile(PLAN, path)
    monkeypatch.setenv("ROLLGATE_PLAN", str(path))
    return path


def use_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app on a database file that does not exist yet ($ROLLGATE_DB), with its own plan copy."""
    route_through_app(monkeypatch)
    use_plan(tmp_path, monkeypatch)
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("ROLLGATE_DB", str(path))
    return path


def use_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app on a copy of the demo database ($ROLLGATE_DB), with its own plan copy."""
    route_through_app(monkeypatch)
    use_plan(tmp_path, monkeypatch)
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(_demo_master(), path)
    monkeypatch.setenv("ROLLGATE_DB", str(path))
    return path


def app(page: str | None = None, address: dict[str, str] | None = None) -> AppTest:
    """The app run once, on `page` (e.g. "pages/quality.py") when given, opened at a page `address` whose
    query holds `address` when given."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(address or {})
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def months(at: AppTest, first: str, last: str | None = None) -> AppTest:
    """Choose the window's first and last month ('YYYY-MM') in the sidebar's state (not yet run)."""
    at.session_state["filter_from"] = first
    at.session_state["filter_to"] = last or first
    return at


def run(at: AppTest) -> AppTest:
    """Run again and fail with the exception's message if the page raised one."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def elements(at: AppTest, kind: str) -> list[Element]:
    """The elements of one kind that AppTest has no typed list for (e.g. "download_button")."""
    found = at.get(kind)
    assert all(isinstance(e, Element) for e in found), found
    return [e for e in found if isinstance(e, Element)]


def plan() -> Plan:
    return load_plan(PLAN)


def engine_review(db: Path, stage: str, window: Window = SEPTEMBER) -> Evaluation:
    """The gate review as the engine gives it, for comparing with what a page shows."""
    with store.connect(db) as con:
        return evaluate(con, plan(), stage, window)


PAGES = ("pages/overview.py", "pages/gate_review.py", "pages/snapshots.py", "pages/quality.py", "pages/value.py",
         "pages/cost.py", "pages/risk.py", "pages/adoption.py", "pages/support.py", "pages/upload.py",
         "pages/plan.py")


def plain(markdown: str) -> str:
    """Markdown as read: backslash escapes removed (pages escape text that may come from files)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(elements: object) -> str:
    """The plain text of a list of elements (captions, markdown, alerts), joined by newlines."""
    return "\n".join(plain(str(e.value)) for e in elements)  # type: ignore[attr-defined]
