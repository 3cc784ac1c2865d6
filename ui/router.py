"""Every page runs through app.py's st.navigation, although the page files live in pages/.

Streamlit also takes a pages/ folder beside the entry file for its legacy multipage app. Which of the
two a process serves is decided when its first session opens (pages/ exists: the legacy app) and left
only when some run calls st.navigation. In the legacy app a page's address is looked up among the
files: pages/quality.py runs on its own, without app.py and its sidebar, and /gate-review, not a file
name, is "Page not found". Streamlit 1.67 has no public way to say otherwise: no setting, no argument
of st.navigation or st.App, and st.navigation leaves the mode only once a session's run has called it,
too late for the first request of a fresh process when it asks for a page's address. So the app
switches the mode itself, here only: app.py as the server starts, and `through_the_router` for a run
that still started in the legacy app.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def use_navigation_only() -> bool:
    """Leave Streamlit's legacy pages/ mode for good. True if the process was in it.

    The mode is the class attribute PagesManager.uses_pages_directory, not a public API (Streamlit 1.67:
    runtime/pages_manager.py sets it for a new process, runtime/scriptrunner/script_runner.py reads it
    before every run, st.navigation sets it to False). A Streamlit upgrade must check it still exists.
    """
    legacy = bool(PagesManager.uses_pages_directory)
    PagesManager.uses_pages_directory = False
    return legacy


def through_the_router() -> None:
    """Make sure this run went through app.py's st.navigation; if it did not, start it again so it does.

    A served app left the legacy mode as the server started. AppTest has no server start and resets
    the mode before every run, so after switch_page it runs the page file on its own: then the mode
    is switched off and the run starts again through app.py, on the same page.
    """
    if use_navigation_only():
        st.rerun()
