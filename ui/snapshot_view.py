"""Rendering recorded gate reviews: the history, one snapshot (summary, criteria, downloads) and the
comparison of two. Shared by Gate review (the snapshot just recorded) and Snapshots.

Renders records, never recomputes them: a snapshot shows what was frozen (snapshots.record.Snapshot),
a comparison shows snapshots.compare.Comparison as it is, in its order — plan and rule differences
first, then the decision, statuses, triggers, readiness and metric values with their change.
Names, rationale, conditions and plan text are people's words: they are escaped for markdown or shown
in st.dataframe cells (plain text); nothing here uses HTML.
"""

from __future__ import annotations

import contextlib
from datetime import date
from functools import partial

import polars as pl
import streamlit as st

from core.access import Action
from core.errors import RollgateError
from gates.recommend import PREFIX
from loaders import activity, store
from metrics.format import day_label, escape_md
from snapshots.compare import Comparison, FlagChange
from snapshots.pdf import unavailable
from snapshots.record import Snapshot
from snapshots.store import SnapshotEntry
from ui import access
from ui.clock import local_text, utc_text
from ui.evidence import FAMILY_TITLES, criteria_frame
from ui.snapshots_data import DOWNLOADS, files, pdf
from ui.style import OUTCOME, STATUS, badge_markdown

DECISION_FIELDS = {"recommendation": "Recommendation", "decision": "Decision", "decided_by": "Decided by",
                   "rationale": "Rationale", "conditions": "Conditions", "next_review_on": "Next review"}


def text_block(text: str) -> str:
    """People's multi-line text as escaped markdown that keeps its line breaks."""
    return "  \n".join(escape_md(line) for line in text.strip().splitlines())


def _day(iso: str) -> str:
    return day_label(date.fromisoformat(iso))


def entry_label(e: SnapshotEntry) -> str:
    """'#3 · extra-review · 1 Sep 2026 – 30 Sep 2026 · pause by A. Chair' (selectbox options are plain text)."""
    mark = "" if e.intact else " · NOT INTACT"
    return (f"#{e.id} · {e.stage_name or e.stage} · {_day(e.window_from)} – {_day(e.window_to)} · {e.decision} by "
            f"{e.decided_by}{mark}")


# -- the history ------------------------------------------------------------------------------------

def history_frame(entries: list[SnapshotEntry]) -> pl.DataFrame:
    """One row per snapshot, newest first: what was reviewed, recommended and decided, by whom, when,
    and whether the stored record still matches its content_sha256 and the chain."""
    rows = [{
        "#": e.id,
        "Recorded": local_text(e.created_at),
        "Stage": e.stage_name or e.stage,
        "Window": f"{_day(e.window_from)} – {_day(e.window_to)}",
        "Recommendation": OUTCOME[e.recommendation].text(),
        "Decision": OUTCOME[e.decision].text(),
        "Decided by": e.decided_by,
        "Integrity": "✔ Intact" if e.intact else f"✖ Not intact: {e.problem}",
        "Corrections": "; ".join(t for t in (f"corrects #{e.supersedes}" if e.supersedes else "",
                                             f"corrected by #{e.superseded_by}" if e.superseded_by else "") if t),
    } for e in entries]
    schema = {"#": pl.Int64, **{k: pl.String for k in ("Recorded", "Stage", "Window", "Recommendation",
                                                        "Decision", "Decided by", "Integrity", "Corrections")}}
    return pl.DataFrame(rows, schema=schema)


def history(entries: list[SnapshotEntry]) -> None:
    st.dataframe(history_frame(entries), hide_index=True, width="stretch", key="snapshots_history",
                 column_config={"#": st.column_config.NumberColumn(width="small"),
                                "Integrity": st.column_config.TextColumn(width="medium")})


# -- one snapshot ------------------------------------------------------------------------------------

def _exported(snapshot_id: int, ext: str) -> None:
    """Note a downloaded report in the activity log (DESIGN.md §11: who took which record out, and when)."""
    # The file is handed over already; a database busy past the wait must not turn the download into an error.
    with contextlib.suppress(RollgateError), store.connect(store.db_path()) as con:
        activity.record(con, access.actor(), Action.EXPORT, f"snapshot #{snapshot_id}", {"format": ext})


def downloads(db: str, version: tuple[int, int, int], snapshot_id: int, key: str) -> None:
    """The snapshot's HTML report, JSON record and criteria CSV, as `rollgate export` writes them, and the report
    as PDF (made when asked for; where this machine cannot make one, the button says what to install)."""
    stem, content = files(db, version, snapshot_id)
    columns = st.columns(len(DOWNLOADS) + 1)
    for column, (ext, label, mime) in zip(columns[:-1], DOWNLOADS, strict=True):
        column.download_button(label, content[ext], file_name=f"{stem}.{ext}", mime=mime, key=f"{key}_{ext}",
                               icon=":material/download:", on_click=partial(_exported, snapshot_id, ext),
                               width="stretch")
    missing = unavailable()
    columns[-1].download_button("PDF report", (lambda: pdf(db, version, snapshot_id)) if missing is None else b"",
                                file_name=f"{stem}.pdf", mime="application/pdf", key=f"{key}_pdf",
                                icon=":material/picture_as_pdf:", on_click=partial(_exported, snapshot_id, "pdf"),
                                width="stretch",
                                disabled=missing is not None,
                                help=missing or "The same report as a PDF: its first page is the summary.")
    if missing is not None:
        st.caption(escape_md(missing))


def summary(snap: Snapshot, plan_version: int | None = None) -> None:
    """What was decided on what: decision and recommendation, who, why, under which conditions, when next;
    the reasons of the recommendation and how the criteria, triggers and readiness stood."""
    d = snap.decision
    st.markdown(f"#### {escape_md(snap.title)}")
    st.markdown(f"**Decision:** {badge_markdown(OUTCOME[d.outcome])} by {escape_md(d.decided_by)} · "
                f"**Recommendation:** {badge_markdown(OUTCOME[snap.recommendation.outcome])}")
    if snap.differs:
        st.caption("The decision differs from the recommendation; the rationale says why.")
    if snap.period is not None and snap.period.note:
        st.caption(f":material/date_range: {escape_md(snap.period.note)}")
    lines = [f"**{label}:**  \n{text_block(text)}" if text.strip() else f"**{label}:** —"
             for label, text in (("Rationale", d.rationale), ("Conditions", d.conditions))]
    lines.append(f"**Next review:** {day_label(d.next_review_on) if d.next_review_on else 'not set'}")
    if snap.supersedes is not None:
        lines.append(f"**Corrects:** snapshot #{snap.supersedes}")
    st.markdown("\n\n".join(lines))
    counts = [f"{n} {STATUS[s].label.lower()}" for s in STATUS
              if (n := sum(1 for c in snap.criteria if c.status == s))]
    met = sum(1 for r in snap.readiness if r.met)
    facts = [f"{len(snap.criteria)} criteria" + (f" ({', '.join(counts)})" if counts else ""),
             f"{len(snap.fired)} of {len(snap.triggers)} pause triggers fired",
             f"{met} of {len(snap.readiness)} readiness items met"]
    reasons = "\n".join(f"- {badge_markdown(OUTCOME[r.outcome])} {escape_md(PREFIX[r.kind])}: {escape_md(r.detail)}"
                        for r in snap.recommendation.reasons)
    st.markdown(f"**Evidence:** {'; '.join(facts)}.\n\n**Why the recommendation was "
                f"{OUTCOME[snap.recommendation.outcome].label.lower()}:**\n{reasons}")
    version = f"version #{plan_version}, " if plan_version is not None else ""
    st.caption(f"Plan {escape_md(snap.plan.name)} ({version}sha256 {snap.plan.sha256[:12]}…); recorded "
               f"{escape_md(local_text(snap.created_at))} by Rollgate {escape_md(snap.app_version)}; content\\_sha256 "
               f"{snap.content_sha256}; "
               + (f"signed by the key with fingerprint {snap.signature.fingerprint}." if snap.signature
                  else "not signed (recorded before Rollgate signed its records)."),
               help=f"Recorded at {utc_text(snap.created_at)}.")


def criteria(snap: Snapshot, key: str) -> None:
    if not snap.criteria:
        st.info(f"Stage {escape_md(snap.stage.id)} had no gates, so nothing was judged.", icon=":material/info:")
        return
    st.dataframe(criteria_frame(snap), hide_index=True, placeholder="—", key=key, width="stretch", height="content",
                 column_config={"Explanation": st.column_config.TextColumn(width="large")})


# -- two snapshots -----------------------------------------------------------------------------------

def _status(status: str | None) -> str:
    return STATUS[status].text() if status in STATUS else "absent"


def _flag(value: bool | None, yes: str, no: str) -> str:
    return "absent" if value is None else (yes if value else no)


def _flags_frame(rows: tuple[FlagChange, ...], yes: str, no: str, a: int, b: int) -> pl.DataFrame:
    return pl.DataFrame([{"Item": r.name, f"#{a}": _flag(r.before, yes, no), f"#{b}": _flag(r.after, yes, no),
                          "Detail": r.detail} for r in rows],
                        schema={k: pl.String for k in ("Item", f"#{a}", f"#{b}", "Detail")})


def rule_frame(c: Comparison) -> pl.DataFrame:
    a, b = c.a.id, c.b.id
    return pl.DataFrame([{"Metric": r.label, f"Rule in #{a}": r.rule_a or "absent",
                          f"Rule in #{b}": r.rule_b or "absent", "What changed": "; ".join(r.rule_changes)}
                         for r in c.rule_changed],
                        schema={k: pl.String for k in ("Metric", f"Rule in #{a}", f"Rule in #{b}", "What changed")})


def decision_frame(c: Comparison) -> pl.DataFrame:
    a, b = c.a.id, c.b.id
    return pl.DataFrame([{"Field": DECISION_FIELDS.get(f, f), f"#{a}": x or "—", f"#{b}": y or "—"}
                         for f, x, y in c.decision_changes],
                        schema={k: pl.String for k in ("Field", f"#{a}", f"#{b}")})


def status_frame(c: Comparison) -> pl.DataFrame:
    a, b = c.a.id, c.b.id
    return pl.DataFrame([{"Metric": r.label, f"Status #{a}": _status(r.status_a), f"Status #{b}": _status(r.status_b),
                          f"Value #{a}": r.text_a, f"Value #{b}": r.text_b,
                          "Rule changed": "; ".join(r.rule_changes)} for r in c.status_changed],
                        schema={k: pl.String for k in ("Metric", f"Status #{a}", f"Status #{b}", f"Value #{a}",
                                                       f"Value #{b}", "Rule changed")})


def metrics_frame(c: Comparison) -> pl.DataFrame:
    a, b = c.a.id, c.b.id
    return pl.DataFrame([{"Family": FAMILY_TITLES.get(m.family, m.family), "Metric": m.label, f"#{a}": m.text_a,
                          f"#{b}": m.text_b, "Change": m.change_text} for m in c.metrics],
                        schema={k: pl.String for k in ("Family", "Metric", f"#{a}", f"#{b}", "Change")})


def _table(frame: pl.DataFrame, key: str, empty: str) -> None:
    if frame.is_empty():
        st.markdown(empty)
    else:
        st.dataframe(frame, hide_index=True, width="stretch", height="content", key=key)


def comparison(c: Comparison) -> None:
    """The comparison from `c.a` to `c.b`, in the record's order: plan and rules first (a change of rule
    must never pass for a change of evidence), then decision, statuses, triggers, readiness, metric
    values with their change, and the files only one side read."""
    st.markdown(f"From **{escape_md(c.a.label)}** to **{escape_md(c.b.label)}**.")

    st.subheader("Plan and rules")
    if c.notes:
        for note in c.notes:
            st.warning(escape_md(note), icon=":material/rule:")
    else:
        st.success(f"Same plan (sha256 {c.a.plan_sha256[:12]}…) and stage: every difference below is a change of "
                   "evidence or of decision, not of rule.", icon=":material/rule:")
    _table(rule_frame(c), "compare_rules", "No gate's rule changed.")

    st.subheader("Decision")
    _table(decision_frame(c), "compare_decision", "The recommendation and the decision are the same in both.")

    st.subheader("Criteria whose status changed")
    _table(status_frame(c), "compare_statuses", "No criterion changed its status.")
    st.markdown("**Pause triggers that changed**")
    _table(_flags_frame(c.triggers, "✖ Fired", "✔ Quiet", c.a.id, c.b.id), "compare_triggers", "None.")
    st.markdown("**Readiness items that changed**")
    _table(_flags_frame(c.readiness, "✔ Met", "✖ Not met", c.a.id, c.b.id), "compare_readiness", "None.")

    st.subheader("Metric values")
    st.caption(f"Every metric of the six families in #{c.a.id} and #{c.b.id}, and the change from the first to the "
               "second; shares change in percentage points.")
    _table(metrics_frame(c), "compare_metrics", "Neither snapshot holds metric values.")

    if c.sources_only_a or c.sources_only_b:
        st.subheader("Sources")
        lines = [f"- only in #{c.a.id}: {escape_md(s)}" for s in c.sources_only_a]
        lines += [f"- only in #{c.b.id}: {escape_md(s)}" for s in c.sources_only_b]
        st.markdown("\n".join(lines))
