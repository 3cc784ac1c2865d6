"""Activity: who did what and when — imports, undos, plan changes, decisions, downloads of reports — newest
first, filterable, with the check of its hash chain (DESIGN.md §11). Approvers and admins see it."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.access import Action
from loaders import activity
from metrics.format import escape_md
from ui import access, data, guards, session
from ui.clock import viewer_zone, zone_note

st.title("Activity")
st.caption("Who did what and when: every import, undo, plan change, gate decision and downloaded report, newest "
           "first. Entries are only ever added, each chained to the one before by its hash, so an edited or "
           "removed entry shows below.")
guards.show_flash()
s = session.get()
if not access.may(Action.READ_ACTIVITY):  # the page is not listed for them; an address typed in is refused too
    access.cannot(Action.READ_ACTIVITY, "The activity log")
    st.stop()

listed, problems = data.activity_log(s.db, s.version)
if problems:
    st.error(f"The activity log does not check: {len(problems)} problem{'s' if len(problems) != 1 else ''}. An "
             "entry was changed, removed or inserted outside Rollgate; restore the database from a backup, or keep "
             "it as evidence of what happened.\n\n" + "\n".join(f"- {escape_md(p)}" for p in problems),
             icon=":material/gpp_bad:")
elif listed:
    st.success(f"The log checks: {len(listed)} entr{'ies' if len(listed) != 1 else 'y'}, each chained to the one "
               "before.", icon=":material/verified_user:")
if not listed:
    st.info("Nothing has been recorded yet: imports, undos, plan changes and decisions appear here as they happen.",
            icon=":material/history:")
    st.stop()

frame = pl.DataFrame([{"id": e.id, "at": e.at, "who": e.who, "role": e.role, "action": e.action,
                       "object": e.object, "details": activity.details_text(e.details)} for e in reversed(listed)])
left, right = st.columns(2)
actions = left.multiselect("Actions", sorted(frame["action"].unique()), key="activity_actions",
                           placeholder="Every action")
people = right.multiselect("People", sorted(frame["who"].unique()), key="activity_people",
                           placeholder="Everyone")
if actions:
    frame = frame.filter(pl.col("action").is_in(actions))
if people:
    frame = frame.filter(pl.col("who").is_in(people))
zone = viewer_zone()
st.dataframe(frame, hide_index=True, width="stretch", key="activity_table", placeholder="—", column_config={
    "id": st.column_config.NumberColumn("#", pinned=True),
    "at": st.column_config.DatetimeColumn("When", timezone=zone.key if zone else "UTC", help=zone_note(),
                                          format="D MMM YYYY, HH:mm:ss"),
    "who": "Who", "role": "Role", "action": "Action", "object": "What",
    "details": st.column_config.TextColumn("Details", width="large"),
})
st.caption(f"{frame.height} of {len(listed)} entries shown.")
