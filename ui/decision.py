"""Recording a gate-review decision. A placeholder: the snapshots work replaces this module with the
decision form (outcome, decided by, rationale, conditions, next review date) and the downloads."""

from __future__ import annotations

import streamlit as st

from gates.plan import Plan
from gates.review import Evaluation


def render(evaluation: Evaluation, plan: Plan) -> None:
    """Say how a decision on this review is recorded for now."""
    month = f"{evaluation.end:%Y-%m}"
    st.info("Decisions are recorded from the command line for now, which freezes this review as a snapshot:\n\n"
            f"`python cli.py snapshot --stage {evaluation.stage} --month {month} --decision OUTCOME --by NAME`",
            icon=":material/edit_note:")
