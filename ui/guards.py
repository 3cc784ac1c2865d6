"""Page guards, called at the top of a page: `require` stops a page that cannot show its numbers yet —
no data (upload or load the demo), or a plan with problems (fix it on the Plan page) — after saying
what to do; `show_flash` shows the message the last action left; `demo_button` loads the demo."""

from __future__ import annotations

import streamlit as st

from core.access import Action
from core.errors import RollgateError
from loaders import store
from loaders.demo import load_demo
from metrics import privacy
from metrics.format import escape_md
from ui import access, state
from ui.session import Session

WHAT_TO_UPLOAD = ("the month's exports: usage, human reviews, costs, incidents, support tickets, training, the "
                  "access roster and feedback")


def show_flash() -> None:
    """The message an action left for the run after it (shown once)."""
    if flash := st.session_state.pop(state.FLASH, None):
        st.success(escape_md(flash), icon=":material/check_circle:")


def demo_button(key: str = "load_demo") -> None:
    """'Load demo data': ingests data/demo like any upload, then reruns so every page sees it."""
    if not access.may(Action.IMPORT):
        access.cannot(Action.IMPORT, "Loading the demo data")
        return
    if st.button("Load demo data", type="primary", key=key, icon=":material/play_circle:"):
        try:
            with st.spinner("Loading the demo exports…"), store.connect(store.db_path()) as con:
                reports = load_demo(con, by=access.actor())
        except RollgateError as e:
            st.warning(escape_md(str(e)), icon=":material/warning:")
        else:
            stored = sum(r.status == "stored" for r in reports)
            st.session_state[state.FLASH] = f"Loaded {stored} demo files."
            st.rerun()


def no_data(what: str) -> None:
    """The empty state of a page that shows `what`: say what to upload, offer the demo."""
    st.info(f"No exports are loaded yet, so there is no {what} to show. Upload {WHAT_TO_UPLOAD} on the Upload "
            "page, or load the demo data to explore Rollgate with a nine-month rollout story.",
            icon=":material/upload_file:")
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left:
        demo_button()
    with right:
        st.page_link("pages/upload.py", label="Upload exports", icon=":material/upload:")


def require(s: Session, what: str, need_plan: bool = True) -> None:
    """Stop the page (after saying why) when there is no data, or when it needs a valid plan and has none."""
    if need_plan and s.plan is None:
        name, count = escape_md(s.plan_state.path.name), len(s.plan_state.problems)
        st.warning(f"The rollout plan ({name}) has {count} problem(s), so nothing can be judged against it. Fix it "
                   "on the Plan page.", icon=":material/rule:")
        st.page_link("pages/plan.py", label="Open the plan", icon=":material/edit_note:")
        st.stop()
    if not s.has_data:
        no_data(what)
        st.stop()
    floor = s.floor()
    if floor.hides_view:
        assert s.window is not None  # a view with data has a window
        chosen = escape_md(privacy.view_words(s.window))
        st.info(f"The {chosen} covers {floor.text} in this window, so its {what} is not shown: the plan keeps groups "
                f"this small private (privacy_min_group = {floor.minimum}). Choose a larger group or all of them in "
                "the sidebar; the review of the whole stage is always shown.", icon=":material/visibility_off:")
        st.stop()
