"""Rollgate: the Streamlit entry point. A router over pages/ with the shared sidebar (DESIGN.md §7).

`streamlit run app.py` reads this file in two ways. Every browser session runs it as the script
(`__main__`): the router. Before that, the command imports it once as a module, finds `app` (an st.App)
and serves the app through it, so that the server leaves Streamlit's legacy pages/ mode as it starts,
before the first request (see ui.router).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from ui import router

if __name__ == "__main__":
    # Not above: the server imports this module before its runtime exists, and ui's cached functions would warn.
    from core.access import Action
    from core.errors import DatabaseBusy, RollgateError
    from metrics.format import escape_md
    from ui import access, data, session, style

    BUSY = ("Rollgate is being updated: another process (an import, for example) is writing to the database. "
            "Try again in a moment; this page tries again by itself every few seconds.")

    @st.fragment(run_every=5)
    def _retry_soon() -> None:
        """Run the whole page again a few seconds after it found the database busy."""
        if st.session_state.pop("_rollgate_busy", False):
            st.session_state["_rollgate_busy"] = True  # the first pass is this run itself: wait for the timer
            return
        st.rerun(scope="app")

    st.set_page_config(page_title="Rollgate", page_icon=style.ICON, layout="wide")

    PAGES = {
        "Decide": [
            st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page("pages/gate_review.py", title="Gate review", icon=":material/fact_check:", url_path="gate-review"),
            st.Page("pages/snapshots.py", title="Snapshots", icon=":material/photo_camera:", url_path="snapshots"),
        ],
        "Activity": [
            st.Page("pages/activity.py", title="Activity", icon=":material/history:", url_path="activity"),
        ],
        "Signals": [
            st.Page("pages/quality.py", title="Quality", icon=":material/verified:", url_path="quality"),
            st.Page("pages/value.py", title="Value", icon=":material/savings:", url_path="value"),
            st.Page("pages/cost.py", title="Cost", icon=":material/payments:", url_path="cost"),
            st.Page("pages/risk.py", title="Risk", icon=":material/health_and_safety:", url_path="risk"),
            st.Page("pages/adoption.py", title="Adoption", icon=":material/group:", url_path="adoption"),
            st.Page("pages/support.py", title="Support", icon=":material/support_agent:", url_path="support"),
        ],
        "Set up": [
            st.Page("pages/upload.py", title="Upload", icon=":material/upload_file:", url_path="upload"),
            st.Page("pages/plan.py", title="Plan", icon=":material/edit_note:", url_path="plan"),
        ],
    }

    if access.sign_in_on() and not access.signed_in():
        # Nothing of the rollout is shown, nor its database opened, before sign-in: one page, the way in.
        st.navigation([st.Page(access.sign_in_page, title="Sign in", icon=":material/login:")]).run()
        st.stop()
    if not access.may(Action.READ_ACTIVITY):
        del PAGES["Activity"]
    page = st.navigation(PAGES)
    try:
        access.sidebar()
        session.start()
        page.run()
    except DatabaseBusy:  # another process holds the file past the wait: a moment's patience, not an error
        st.info(BUSY, icon=":material/hourglass_top:")
        st.session_state["_rollgate_busy"] = True
        _retry_soon()
    except RollgateError as e:  # its disk full or not writable: said plainly
        st.error(escape_md(e), icon=":material/error:")
    finally:
        data.release()  # reads share one connection per run; the file is given back when the run ends
else:
    @asynccontextmanager
    async def _on_server_start(_: st.App) -> AsyncIterator[None]:
        router.use_navigation_only()
        yield

    app = st.App(__file__, lifespan=_on_server_start)
