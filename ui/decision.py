"""Recording a gate-review decision (DESIGN.md §5, §7): the form at the end of Gate review.

The person's decision (outcome, rationale, conditions, next review date; who decides is the signed-in person,
or a name typed in when sign-in is off) is written through
the engine only, `snapshots.build.record_review`, which checks it, checks that the evidence has not
changed since it was shown, and appends the snapshot with the expansion forecast the page shows beside the
review (ui.forecast's choices). Its refusal (InputError, listing every problem)
is shown as it is and nothing is recorded. On success the run starts again (the data version has
changed) and the snapshot just recorded is offered as its three downloads.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import streamlit as st

from core.access import Action
from core.errors import InputError, RollgateError
from gates.plan import Plan
from gates.recommend import SEVERITY
from gates.review import Evaluation
from loaders import store
from metrics.format import escape_md
from snapshots.build import MAX_NAME, MAX_TEXT, record_review
from snapshots.record import Decision, Snapshot
from snapshots.store import SnapshotEntry
from ui import access, forecast, snapshot_view, snapshots_data, state
from ui.clock import local_text, utc_text
from ui.session import Session
from ui.style import OUTCOME

# The form's fields. Their widget keys carry a round number ("decision_outcome_3"): a browser keeps a
# widget's value for as long as its key lives, so after a recorded decision, or for another review, the
# form starts a new round of keys, and carries over the values that should stay (`field_key`).
OUTCOME_KEY = "decision_outcome"
BY = "decision_by"
RATIONALE = "decision_rationale"
CONDITIONS = "decision_conditions"
NEXT_REVIEW = "decision_next_review"
SUPERSEDES = "decision_supersedes"
FIELDS = (OUTCOME_KEY, BY, RATIONALE, CONDITIONS, NEXT_REVIEW, SUPERSEDES)
FORM = "decision_form"
ROUND = "decision_round"            # the current round of field keys
FOR_REVIEW = "decision_for_review"  # the review the form was last drawn for
RECORDED = "decision_recorded"      # id of the snapshot this session recorded last
NEW = 0                             # "supersedes nothing" in the supersedes choice (ids start at 1)


def field_key(field: str, session_state: Any = None) -> str:
    """The widget key of a form field in the current round ('decision_by_2'), in this session's state or in
    `session_state` (an AppTest's)."""
    ss = st.session_state if session_state is None else session_state
    number = ss[ROUND] if ROUND in ss else 0  # noqa: SIM401 (AppTest's session state has no .get)
    return f"{field}_{number}"


def _next_round(keep: tuple[str, ...]) -> None:
    """Start new widget keys for the form, carrying over the values of the fields in `keep`."""
    ss = st.session_state
    old = ss.get(ROUND, 0)
    for field in FIELDS:
        value = ss.pop(f"{field}_{old}", None)
        if field in keep and value is not None:
            ss[f"{field}_{old + 1}"] = value
    ss[ROUND] = old + 1


def review_key(ev: Evaluation) -> tuple[str, str, str, str | None, str | None]:
    """What identifies the review being decided: stage, window and filters."""
    return (ev.stage, ev.start.isoformat(), ev.end.isoformat(), ev.department, ev.use_case)


def _same_review(snap: Snapshot, ev: Evaluation) -> bool:
    w = snap.window
    return (snap.stage.id, w.from_.isoformat(), w.to.isoformat(), w.department, w.use_case) == review_key(ev)


def render(s: Session, ev: Evaluation, plan: Plan) -> None:
    """The snapshot this session just recorded for this review (with its downloads), earlier snapshots of
    the same review, and the decision form."""
    try:
        known = snapshots_data.entries(s.db, s.version)
    except RollgateError as e:
        st.warning(escape_md(str(e)), icon=":material/warning:")
        known = []
    _recorded(s, ev, known)
    if access.may(Action.DECIDE):
        _form(s, ev, plan, known)
    else:
        access.cannot(Action.DECIDE, "Recording a gate decision")


def _recorded(s: Session, ev: Evaluation, known: list[SnapshotEntry]) -> None:
    recorded = st.session_state.get(RECORDED)
    # The listing has no filters: the few snapshots of the same stage and dates are read to compare them.
    earlier = [e for e in known if e.intact and e.id != recorded and e.stage == ev.stage
               and (e.window_from, e.window_to) == (ev.start.isoformat(), ev.end.isoformat())
               and _same_review(snapshots_data.snapshot(s.db, s.version, e.id), ev)]
    if isinstance(recorded, int) and any(e.id == recorded for e in known):
        try:
            snap = snapshots_data.snapshot(s.db, s.version, recorded)
        except RollgateError as e:
            st.error(escape_md(str(e)), icon=":material/gpp_bad:")
            snap = None
        if snap is not None and _same_review(snap, ev):
            style = OUTCOME[snap.decision.outcome]
            with st.container(border=True, key="decision_recorded_box"):
                st.markdown(f":{style.badge}[{style.icon}] **Recorded as snapshot #{snap.id}:** decision "
                            f"**{style.label}** by {escape_md(snap.decision.decided_by)}, "
                            f"{escape_md(local_text(snap.created_at))}. Download the report for the steering meeting:",
                            help=f"Recorded at {utc_text(snap.created_at)}.")
                snapshot_view.downloads(s.db, s.version, snap.id, key="decision_download")
                st.page_link("pages/snapshots.py", label="Open it among the snapshots", icon=":material/photo_camera:")
    if earlier:
        listed = "; ".join(f"#{e.id} ({e.decision} by {escape_md(e.decided_by)}, "
                           f"{escape_md(local_text(e.created_at))})" for e in earlier)
        st.caption(f"Already recorded for this review: {listed}. Recording again adds a new snapshot; to correct one, "
                   "name it under *Corrects*.")


def _form(s: Session, ev: Evaluation, plan: Plan, known: list[SnapshotEntry]) -> None:
    ss = st.session_state
    ss.setdefault(ROUND, 0)
    if ss.get(FOR_REVIEW) != review_key(ev):
        if FOR_REVIEW in ss:
            # Another stage or window: the outcome starts again from its recommendation and the next review
            # from after its window; who decides and what they wrote stay.
            _next_round(keep=(BY, RATIONALE, CONDITIONS))
        ss[FOR_REVIEW] = review_key(ev)
    key = {f: field_key(f) for f in FIELDS}
    recommended = ev.recommendation.outcome
    ss.setdefault(key[OUTCOME_KEY], recommended)
    corrections = [NEW, *(e.id for e in known if e.intact)]
    if ss.get(key[SUPERSEDES], NEW) not in corrections:
        ss.pop(key[SUPERSEDES])
    labels = {e.id: snapshot_view.entry_label(e) for e in known}

    st.caption("Recording freezes this review — every criterion, trigger and metric value, the plan and the files "
               "read — with your decision, as a snapshot that is never changed afterwards.")
    with st.form(FORM, border=True):
        outcome = st.radio("Decision", SEVERITY, key=key[OUTCOME_KEY], horizontal=True,
                           format_func=lambda o: OUTCOME[o].text() + (" (recommended)" if o == recommended else ""),
                           help="The recommendation is where the evidence points; the decision is yours. A decision "
                                "other than the recommendation needs a rationale.")
        if access.sign_in_on():  # the record names the signed-in person; nobody types a name for another
            by = None
            st.markdown(f"**Decided by** {escape_md(access.who())}")
        else:
            by = st.text_input("Decided by", key=key[BY], max_chars=MAX_NAME,
                               placeholder="A name or role, e.g. Steering committee chair")
        rationale = st.text_area("Rationale", key=key[RATIONALE], max_chars=MAX_TEXT,
                                 placeholder="Why this decision; required when it differs from the recommendation.")
        conditions = st.text_area("Conditions", key=key[CONDITIONS], max_chars=MAX_TEXT, height=100,
                                  placeholder="What must hold until the next review, if anything.")
        left, right = st.columns(2)
        with left:
            next_review = st.date_input("Next review", value=None, min_value=ev.end + timedelta(days=1),
                                        key=key[NEXT_REVIEW], format="YYYY-MM-DD",
                                        help="Optional; a day after the reviewed window.")
        with right:
            supersedes = st.selectbox("Corrects", corrections, key=key[SUPERSEDES],
                                      format_func=lambda i: "Nothing: a new decision" if i == NEW else labels[i],
                                      help="When this decision corrects one recorded before, choose it: snapshots are "
                                           "never changed, a correction is a new snapshot that names the one it "
                                           "corrects.")
        submitted = st.form_submit_button("Record decision", type="primary", icon=":material/photo_camera:")
    if submitted:
        _record(s, ev, plan, {"outcome": outcome, "decided_by": by or "", "rationale": rationale or "",
                              "conditions": conditions or "", "next_review_on": next_review},
                supersedes=supersedes or None)


def _record(s: Session, ev: Evaluation, plan: Plan, fields: dict[str, Any], supersedes: int | None) -> None:
    """Write the decision through the engine; say its refusal, or start the run again with the snapshot."""
    next_review = fields["next_review_on"]
    decision = Decision(**{**fields, "next_review_on": next_review if isinstance(next_review, date) else None})
    try:
        # One connection for this write, closed after it (DESIGN.md §9). WRITE_LOCK spans the whole call,
        # not only the append the engine locks, so no import or undo of this app can slip in between the
        # engine's check that the evidence is unchanged and the append.
        with st.spinner("Recording the decision…"), store.connect(store.db_path()) as con, store.WRITE_LOCK:
            snap = record_review(con, plan, ev, decision, supersedes=supersedes, by=access.actor(),
                                 forecast_ask=forecast.ask())
    except InputError as e:
        refusal(str(e))
        return
    except RollgateError as e:
        st.warning(escape_md(str(e)), icon=":material/warning:")
        return
    _next_round(keep=(BY,))  # a fresh form for the next decision, by the same person
    st.session_state[RECORDED] = snap.id
    st.session_state[state.FLASH] = (f"Recorded snapshot #{snap.id}: decision {snap.decision.outcome} by "
                                     f"{snap.decision.decided_by}.")
    st.rerun()


def refusal(message: str) -> None:
    """The engine's refusal as an error: its first line, then each problem it lists."""
    head, *rest = message.splitlines() or [""]
    problems = "\n".join(f"- {escape_md(line.strip())}" for line in rest if line.strip())
    st.error(escape_md(head) + ("\n" + problems if problems else ""), icon=":material/block:")
