"""Every session-state key the app uses, and the one place where they get their first values.

app.py calls `init` at the top of every run, before any widget is drawn: a key that is missing,
or whose value no longer fits the data or the plan (a month that is gone after an undo, a stage
the edited plan no longer has), is set to its default. Widgets are then created with `key=` only,
never with a `value=` as well, so Streamlit never sees two sources for one value.

The window and the filters also live in the page address (`?from=2026-06&to=2026-06&department=legal`,
DESIGN.md §7): a session's first run takes them from it (`ADDRESS`), so a copied or bookmarked address
opens the same view; ui.sidebar writes them back after every run.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from metrics.extent import Extent
from ui.plan import PlanState

# A selectbox shows None as "no choice made", so an explicit "all" / "automatic" choice is "" (no
# department, use case, stage or column is ever the empty string).
ALL = ""

# Sidebar filters, shared by every page.
FROM = "filter_from"              # first month of the window, 'YYYY-MM'
TO = "filter_to"                  # last month, 'YYYY-MM'
DEPARTMENT = "filter_department"  # ALL = every department
USE_CASE = "filter_use_case"      # ALL = every use case
# The page address's names for them, and whether this session has read the address yet.
ADDRESS = {"from": FROM, "to": TO, "department": DEPARTMENT, "use_case": USE_CASE}
ADDRESS_READ = "address_read"
# What the address asked for that the data does not have (shown once in the sidebar).
ADDRESS_IGNORED = "address_ignored"
# Gate review.
GATE_STAGE = "gate_review_stage"  # ALL = the stage in force on the window's last day
# Gate review's expansion forecast: the stage to forecast (ALL = the next stage), the damping, and the people
# who will have access (None = the stage's expected_users, else the roster).
FORECAST_STAGE = "forecast_stage"
FORECAST_DAMPING = "forecast_damping"
FORECAST_USERS = "forecast_users"
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


def init(state: MutableMapping[str, Any], extent: Extent, plan: PlanState,
         address: Mapping[str, str] | None = None) -> None:
    """Give every key a valid value for this data and this plan; on a session's first run, the window and the
    filters the page `address` names (what it names that the data does not have goes to ADDRESS_IGNORED)."""
    if not state.get(ADDRESS_READ):
        state[ADDRESS_READ] = True
        ignored = []
        choices = {FROM: extent.months, TO: extent.months, DEPARTMENT: extent.departments,
                   USE_CASE: extent.use_cases}
        for name, key in ADDRESS.items():
            value = (address or {}).get(name)
            if value is None or extent.empty:
                continue
            if value in choices[key]:
                state[key] = value
            else:
                ignored.append(f"{name} = {value}")
                state.pop(key, None)
        for one, other in ((FROM, TO), (TO, FROM)):  # one end given: the window is that month
            if state.get(one) in extent.months and state.get(other) not in extent.months:
                state[other] = state[one]
        state[ADDRESS_IGNORED] = ignored
    months = extent.months
    latest = months[-1] if months else None
    for key in (FROM, TO):
        if state.get(key) not in months:
            state[key] = latest  # gates are judged month by month: the window starts on the latest month
    if months and state[FROM] > state[TO]:
        state[FROM], state[TO] = state[TO], state[FROM]
    if state.get(DEPARTMENT) not in (ALL, *extent.departments):
        state[DEPARTMENT] = ALL
    if state.get(USE_CASE) not in (ALL, *extent.use_cases):
        state[USE_CASE] = ALL

    stage_ids = plan.plan.stage_ids if plan.plan is not None else ()
    if state.get(GATE_STAGE) not in (ALL, *stage_ids):
        state[GATE_STAGE] = ALL
    if state.get(FORECAST_STAGE) not in (ALL, *stage_ids):
        state[FORECAST_STAGE] = ALL
    state.setdefault(FORECAST_DAMPING, 1.0)
    state.setdefault(FORECAST_USERS, None)

    if state.get(PLAN_EDITOR_SOURCE) != plan.sha256 or PLAN_EDITOR not in state:
        state[PLAN_EDITOR] = plan.text
        state[PLAN_EDITOR_SOURCE] = plan.sha256

    state.setdefault(UPLOAD_ROUND, 0)
    state.setdefault(UPLOAD_PREVIEWS, {})


def address(state: Mapping[str, Any]) -> dict[str, str]:
    """The page address's parameters for the window and filters in `state` (a filter only when one is chosen)."""
    out = {"from": state[FROM], "to": state[TO]} if state.get(FROM) else {}
    for name, key in (("department", DEPARTMENT), ("use_case", USE_CASE)):
        if state.get(key):
            out[name] = state[key]
    return out


def keep_order(state: MutableMapping[str, Any], changed: str) -> None:
    """After the first or last month changed: move the other one so the window never runs backwards."""
    if state.get(FROM) and state.get(TO) and state[FROM] > state[TO]:
        other = TO if changed == FROM else FROM
        state[other] = state[changed]
