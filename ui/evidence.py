"""Rendering the records of a gate review (gates.review.Evaluation): the recommendation and its reasons,
criteria, pause triggers and readiness. Shared by Overview and Gate review; renders, never recomputes.

Text that may come from a file or a plan (names, departments, explanations quoting them) is escaped
for Streamlit markdown or shown in st.dataframe; nothing here uses HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import polars as pl
import streamlit as st

from core.csv_export import safe_csv
from core.words import LIMIT_LABEL, STATUS_ORDER, WARN_LABEL, sign, worst
from gates import summary
from gates.criteria import METHOD_SENTENCES, CriterionResult
from gates.review import Evaluation
from gates.triggers import ACTION_WORDS
from metrics import privacy
from metrics.drill import DRILLS
from metrics.format import day_label, escape_md, interval_text, limit_text, rule_text, value_text, window_text
from metrics.model import MetricValue
from metrics.registry import FAMILIES, REGISTRY
from snapshots.record import Snapshot
from ui.style import OUTCOME, STATUS, badge_markdown

if TYPE_CHECKING:  # the Session is handed in by the page; ui.session does not need this module
    from ui.session import Session

DRILL_SHOWN = 1000  # rows shown on the page; the download has them all
FAMILY_TITLES = {"quality": "Quality", "value": "Value", "cost": "Cost", "risk": "Risk", "adoption": "Adoption",
                 "support": "Support"}


def recommendation(ev: Evaluation, shown: int = 3) -> None:
    """The outcome as a coloured heading with icon and word, where it was judged, and its reasons: one line per
    issue in plain words under the action it calls for, the `shown` most severe first and the rest folded."""
    style = OUTCOME[ev.recommendation.outcome]
    with st.container(border=True):
        st.markdown(f"### :{style.badge}[{style.icon} Recommendation: {style.label}]")
        st.caption(f"Stage {escape_md(ev.stage_name)}, judged on "
                   f"{escape_md(window_text(ev.period))}; the stage has run {ev.days_run} days.")
        if ev.period_note:
            st.markdown(f":material/date_range: {escape_md(ev.period_note)}")
        found = summary.issues(ev)
        st.markdown(_issue_lines(found[:shown]))
        if len(found) > shown:
            rest = len(found) - shown
            with st.expander(f"{rest} more reason{'s' if rest != 1 else ''}"):
                st.markdown(_issue_lines(found[shown:]))


def _issue_lines(found: list[summary.Issue]) -> str:
    """Markdown: each action as a badge and heading, its issues as bullets."""
    blocks = []
    for outcome, items in summary.grouped(found):
        lines = [f"{badge_markdown(OUTCOME[outcome])} **{escape_md(summary.ACTION_HEADINGS[outcome])}**"]
        lines += [f"- {escape_md(i.text)}" for i in items]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def family_statuses(ev: Evaluation) -> dict[str, str]:
    """The light of each family: the worst status of its criteria in this review ('none' without gates)."""
    return {f: worst(c.status for c in ev.criteria if c.family == f) for f in FAMILIES}


def criteria_by_metric(criteria: Iterable[CriterionResult]) -> dict[str, list[CriterionResult]]:
    out: dict[str, list[CriterionResult]] = {}
    for c in criteria:
        out.setdefault(c.metric, []).append(c)
    return out


def _mv(c: CriterionResult) -> MetricValue:
    return MetricValue(c.metric, c.value, c.n, c.low, c.high)


def criteria_frame(judged: Evaluation | Snapshot) -> pl.DataFrame:
    """One row per criterion of a review, live or frozen in a snapshot, every piece of evidence as text: status,
    value, n, interval, limits, why. Gate review and Snapshots show the same frame, so a recorded review reads as
    it did when it was judged."""
    rows = [{
        "Status": STATUS[c.status].text(),
        "Family": FAMILY_TITLES[c.family],
        "Metric": c.label,
        "Value": value_text(c.metric, c.value, judged.currency),
        "n": c.n,
        "95% interval": interval_text(_mv(c)).removeprefix("95% CI "),
        LIMIT_LABEL: rule_text(c.metric, c.op, c.threshold, judged.currency),
        WARN_LABEL: rule_text(c.metric, c.op, c.warn, judged.currency),
        "Min sample": c.min_sample,
        "If it fails": c.on_fail,
        "Explanation": c.explanation,
    } for c in judged.criteria]
    schema = {"Status": pl.String, "Family": pl.String, "Metric": pl.String, "Value": pl.String, "n": pl.Int64,
              "95% interval": pl.String, LIMIT_LABEL: pl.String, WARN_LABEL: pl.String, "Min sample": pl.Int64,
              "If it fails": pl.String, "Explanation": pl.String}
    return pl.DataFrame(rows, schema=schema)


def criteria_table(ev: Evaluation, key: str) -> None:
    if not ev.criteria:
        st.info(f"Stage {ev.stage} has no gates, so nothing is judged.", icon=":material/info:")
        return
    # Status, metric and value stay in view when a narrow screen scrolls the table sideways.
    st.dataframe(criteria_frame(ev), hide_index=True, placeholder="—", key=key, width="stretch", height="content",
                 column_config={"Status": st.column_config.TextColumn(pinned=True),
                                "Metric": st.column_config.TextColumn(pinned=True),
                                "Value": st.column_config.TextColumn(pinned=True),
                                "Explanation": st.column_config.TextColumn(width="large"),
                                "n": st.column_config.NumberColumn(format="localized"),
                                "Min sample": st.column_config.NumberColumn(format="localized")})


def evidence_needed(ev: Evaluation) -> None:
    """For each criterion whose pass is not yet convincing, how much more evidence would settle it if the
    observed rate held (DESIGN.md §4 "Evidence needed")."""
    lines = []
    for c in ev.criteria:
        if c.evidence_needed and c.value is not None:
            noun = REGISTRY[c.metric].n or "observations"
            lines.append(f"- **{escape_md(c.label)}**: about {c.evidence_needed:,} more {escape_md(noun)} at "
                         f"{escape_md(value_text(c.metric, c.value, ev.currency))} would make this pass convincingly.")
    if lines:
        st.markdown("**More evidence would settle these:**\n" + "\n".join(lines))


TRIGGER_STATUS = {"fired": "✖ Fired", "quiet": "✔ Quiet", "insufficient": f"? {STATUS['insufficient'].label}"}


def fired_triggers(ev: Evaluation) -> None:
    """Each fired pause trigger with its action and days, then the plan's fallback options; or that none fired."""
    fired = ev.fired
    if not fired:
        st.markdown(f":green[:material/check_circle:] No pause trigger fired ({len(ev.triggers)} checked, each over "
                    f"its own days up to {day_label(ev.period_end)}).")
        return
    for t in fired:  # what it saw is the reasons' line; here, what the plan says to do
        style = OUTCOME[t.outcome]
        st.markdown(f":{style.badge}[{style.icon} **{escape_md(t.name)}**] — action: "
                    f"**{escape_md(ACTION_WORDS[t.action])}** ({style.label.lower()}), over the "
                    f"{t.window_days} days to {day_label(t.window_to)}.")
    options = next((t.fallback for t in fired if t.fallback), ())
    if options:
        st.markdown("**Fallback options in the plan:**\n" + "\n".join(f"- {escape_md(o)}" for o in options))


def triggers_frame(ev: Evaluation) -> pl.DataFrame:
    rows = [{
        "Status": TRIGGER_STATUS[t.status],
        "Trigger": t.name,
        "Value": value_text(t.metric, t.value, ev.currency),
        "Days": f"{t.window_from} – {t.window_to}",
        "Fires when": f"{sign(t.op)} {limit_text(t.metric, t.threshold, ev.currency)}",
        "Action": ACTION_WORDS[t.action],
        "Explanation": t.explanation,
    } for t in ev.triggers]
    return pl.DataFrame(rows, schema={k: pl.String for k in ("Status", "Trigger", "Value", "Days", "Fires when",
                                                               "Action", "Explanation")})


def readiness(ev: Evaluation) -> None:
    """The checklist: each item met or not, with icon, word and reason."""
    lines = []
    for r in ev.readiness:
        mark = ":green[:material/check_circle: Met]" if r.met else ":red[:material/cancel: Not met]"
        lines.append(f"- {mark} **{escape_md(r.item)}** — {escape_md(r.reason)}")
    st.markdown("\n".join(lines))


# Which evidence method judged a review (DESIGN.md §4 "Evidence method"), as the report says it.
METHOD_WORDS = METHOD_SENTENCES


def drill_down(s: Session, ev: Evaluation) -> None:
    """The rows behind a failing or warning criterion — and any other with records to show — for the judged
    period and filters (metrics.drill), in a table and as a CSV to take away."""
    ordered = sorted((c for c in ev.criteria if c.metric in DRILLS),
                     key=lambda c: STATUS_ORDER.index(c.status) if c.status in STATUS_ORDER else len(STATUS_ORDER))
    if not ordered:
        return
    labels = {c.metric: f"{STATUS[c.status].symbol} {c.label} — {DRILLS[c.metric].title.lower()}" for c in ordered}
    with st.expander("The rows behind a criterion", icon=":material/table_rows:",
                     expanded=any(c.status in ("fail", "warn") for c in ordered)):
        chosen = st.selectbox("Criterion", list(labels), format_func=labels.__getitem__, key="drill_metric",
                              help="Failing and warning criteria first. The rows are those the number counted, "
                                   "over the period judged and with the sidebar's filters.")
        found = s.drill(chosen, ev.period)
        people = privacy.people_named(found)
        minimum = s.plan.privacy_min_group if s.plan is not None else 0
        if minimum and people is not None and 0 < people < minimum:
            st.caption(f":material/visibility_off: These {found.height:,} row{'s' if found.height != 1 else ''} name "
                       f"{privacy.hidden_text(minimum)}, so they are not listed: the plan keeps groups this small "
                       f"private (privacy_min_group = {minimum}).")
            return
        st.caption(f"{found.height:,} row{'s' if found.height != 1 else ''}, {escape_md(window_text(ev.period))}.")
        st.dataframe(found.head(DRILL_SHOWN), hide_index=True, placeholder="—", width="stretch", key="drill_rows")
        if found.height > DRILL_SHOWN:
            st.caption(f"The first {DRILL_SHOWN:,} shown; the download holds all of them.")
        st.download_button("Download these rows (CSV)", safe_csv(found.to_dicts(), found.columns),
                           file_name=f"{chosen.replace('.', '-')}-{ev.period_start}-to-{ev.period_end}.csv",
                           mime="text/csv", key="drill_download", icon=":material/download:", on_click="ignore")
