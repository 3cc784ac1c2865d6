"""Every session-state key the app uses, and the one place where they get their first values.

app.py calls `init` at the top of every run, before any widget is drawn: a key that is missing,
or whose value no longer fits the data or the plan (a month that is gone after an undo, a stage
the edited plan no longer has), is set to its default. Widgets are then created with `key=` only,
never with a `value=` as well, so Streamlit never sees two sources for one value — except the
month range, which is removed when it no longer fits and takes its default from the slider itself.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from metrics.extent import Extent
from ui.plan import PlanState

# A selectbox shows None as "no choice made", so an explicit "all" / "automatic" choice is "" (no
# department, use case, stage or column is ever the empty string).
ALL = ""

# Sidebar filters, shared by every page.
MONTHS = "filter_months"          # (first 'YYYY-MM', last 'YYYY-MM')
DEPARTMENT = "filter_department"  # ALL = every department
USE_CASE = "filter_use_case"      # ALL = every use case
# Gate review.
GATE_STAGE = "gate_review_stage"  # ALL = the stage in force on the window's last day
# Plan page: the editor's text and the sha256 of the plan file it was filled from.
PLAN_EDITOR = "plan_editor"
PLAN_EDITOR_SOURCE = "plan_editor_source"
# Upload page: a counter in the uploader's key (a new key empties it after an import), previews
# already computed ({cache key: report}), and the reports of the last import.
UPLOAD_ROUND = "upload_round"
UPLOAD_PREVIEWS = "upload_previews"
LAST_IMPORT = "last_import"
# A message to show once, after the rerun that follows an action (load demo, import, undo, save).
FLASH = "flash"
# The Session of the current run (ui.session), for the page that app.py runs next.
SESSION = "session"


def init(state: MutableMapping[str, Any], extent: Extent, plan: PlanState) -> None:
    """Give every key a valid value for this data and this plan."""
    months = extent.months
    chosen = state.get(MONTHS)
    valid = (isinstance(chosen, tuple | list) and len(chosen) == 2 and chosen[0] in months
             and chosen[1] in months and chosen[0] <= chosen[1])
    if not valid:
        # The slider then starts from its default, the latest month (ui.sidebar): gates are judged month
        # by month. (The slider must be given that default itself: a range slider without a range
        # default reads the browser's two handles as one value.)
        state.pop(MONTHS, None)
    if state.get(DEPARTMENT) not in (ALL, *extent.departments):
        state[DEPARTMENT] = ALL
    if state.get(USE_CASE) not in (ALL, *extent.use_cases):
        state[USE_CASE] = ALL

    stage_ids = plan.plan.stage_ids if plan.plan is not None else ()
    if state.get(GATE_STAGE) not in (ALL, *stage_ids):
        state[GATE_STAGE] = ALL

    if state.get(PLAN_EDITOR_SOURCE) != plan.sha256 or PLAN_EDITOR not in state:
        state[PLAN_EDITOR] = plan.text
        state[PLAN_EDITOR_SOURCE] = plan.sha256

    state.setdefault(UPLOAD_ROUND, 0)
    state.setdefault(UPLOAD_PREVIEWS, {})
