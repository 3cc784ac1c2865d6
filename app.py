"""Rollgate: the Streamlit entry point. A router over pages/ with the shared sidebar."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Rollgate", page_icon=":material/fact_check:", layout="wide")

PAGES = {
    "Data": [
        st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data", default=True),
    ],
}

st.sidebar.markdown("**Rollgate** · evidence for each rollout gate")
st.navigation(PAGES).run()
