"""One page per signal family (DESIGN.md §7): every metric of the family for the window with its value,
sample, interval, gate status and meaning; then, one view at a time, the monthly trend with the plan's
stages and gates drawn, breakdowns by department and by use case, and the numbers for download.

Numbers come from the engine (through ui.session's cached calls) and verdicts from gates: the window's
from gates.review, each month of a trend and each group of a breakdown from gates.trend. This module
only arranges them into records for ui.charts and tables.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core.calendar import month_of_key
from core.csv_export import safe_csv
from core.words import LIMIT_LABEL, NO_GATE, WARN_LABEL, worst
from gates.criteria import CriterionResult
from gates.plan import Stage
from gates.trend import Verdict, gate_on, judge_groups, judge_months, stage_periods
from metrics import privacy
from metrics.engine import BreakdownRow
from metrics.filters import FILTER_LINKS
from metrics.format import count_text, escape_md, interval_text, month_label, rule_text, value_text, window_text
from metrics.model import MetricValue
from metrics.registry import FAMILY_QUESTIONS, REGISTRY, Family, MetricDef, by_family
from ui import guards, session, snapshots_data
from ui.charts import Breakdown, Point, ReviewMark, StageBand, Trend, breakdown_figure, trend_figure
from ui.evidence import FAMILY_TITLES, criteria_by_metric
from ui.session import Session
from ui.style import OUTCOME, STATUS, badge_markdown

VIEWS = ("Monthly trend", "By department", "By use case", "Numbers")
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def filter_notes(family: Family, department: str | None, use_case: str | None) -> list[str]:
    """Sentences naming the datasets of this family that an active filter leaves alone, and the metrics
    that therefore count every department or use case."""
    metrics = by_family(family)
    sources = sorted({d for m in metrics for d in m.sources})
    notes = []
    for chosen, i, name, noun in ((department, 0, "department", "department"), (use_case, 1, "use-case", "use case")):
        if chosen is None:
            continue
        loose = [d for d in sources if not FILTER_LINKS[d][i]]
        if loose:
            hit = [m.label for m in metrics if set(m.sources) & set(loose)]
            notes.append(f"The {name} filter does not narrow {', '.join(loose)} (they carry no {noun}), so "
                         f"{', '.join(hit)} still count those rows for every {noun}.")
    return notes


def _points(verdicts: tuple[Verdict, ...]) -> tuple[Point, ...]:
    return tuple(Point.of(v.key, v.value, v.status) for v in verdicts)


def trend_record(s: Session, defn: MetricDef, monthly: dict[str, dict[str, MetricValue]]) -> Trend:
    """The metric month by month as gates.trend judged it, with each stage's period and its gate, and the recorded
    gate reviews (their last day judged, number and decision)."""
    plan = s.plan
    assert plan is not None and s.window is not None
    months = s.extent.months
    points = _points(judge_months(plan, defn.id, {key: monthly[key] for key in months}))
    bands = []
    for period in stage_periods(plan, month_of_key(months[0])[0], month_of_key(months[-1])[1]):
        gate = gate_on(period.stage, defn.id)
        bands.append(StageBand(period.stage.id, period.stage.name, period.start, period.end,
                               gate.op if gate else None, gate.threshold if gate else None,
                               gate.warn if gate else None))
    first, last = month_of_key(months[0])[0], month_of_key(months[-1])[1]
    standing = [e for e in sorted(snapshots_data.entries(s.db, s.version), key=lambda e: e.id)
                if e.intact and e.superseded_by is None]
    reviews = tuple(ReviewMark(day, f"#{e.id} {OUTCOME[e.decision].label}") for e in standing
                    if first <= (day := date.fromisoformat(e.window_to)) <= last)
    return Trend(defn.id, points, tuple(bands), (s.window.start, s.window.end), plan.currency, reviews)


# Building a plotly figure costs ~15 ms; the same record always gives the same figure, so an unchanged
# rerun reuses it. Figures are only read after building (st.plotly_chart copies them), so sharing them between
# sessions is safe. Kept by the records' own hash (frozen dataclasses): Streamlit's cache hashes an argument
# field by field, which cost more per chart than the lookup saves when many people open a page at once.
@functools.lru_cache(maxsize=1024)
def _trend_chart(trend: Trend) -> go.Figure:
    return trend_figure(trend)


@functools.lru_cache(maxsize=512)
def _breakdown_chart(bd: Breakdown) -> go.Figure:
    return breakdown_figure(bd)


def _card(defn: MetricDef, mv: MetricValue, crits: list[CriterionResult], stage: Stage | None,
          currency: str) -> None:
    with st.container(border=True):
        st.metric(defn.label, value_text(defn.id, mv.value, currency), help=f"How it is computed: {defn.formula}.")
        status = worst(c.status for c in crits)
        if crits:
            c = crits[0]
            limits = " · ".join(t for t in (f"{LIMIT_LABEL.lower()} {rule_text(c.metric, c.op, c.threshold, currency)}",
                                            f"{WARN_LABEL.lower()} {rule_text(c.metric, c.op, c.warn, currency)}"
                                            if c.warn is not None
                                            else "") if t)
            st.markdown(f"{badge_markdown(STATUS[status])} {escape_md(limits)}")
        else:
            where = f"stage {stage.name}" if stage else "this window (no stage in force)"
            st.markdown(f"{badge_markdown(STATUS[NO_GATE])} {escape_md(f'no gate in {where}')}")
        # why there is no value, when an export does not cover the period or names nobody
        evidence = " · ".join(t for t in (count_text(mv) and f"n = {count_text(mv)}", interval_text(mv), mv.missing)
                              if t)
        if evidence:
            st.caption(escape_md(evidence))
        st.caption(escape_md(defn.meaning))


def _group_table(rows: list[BreakdownRow], currency: str) -> pl.DataFrame:
    """Groups as rows, metrics as columns, values formatted."""
    keys = list(dict.fromkeys(r.key for r in rows))
    table: dict[str, list[str]] = {"Group": keys}
    for metric_id in dict.fromkeys(r.metric_id for r in rows):
        found = {r.key: r.value for r in rows if r.metric_id == metric_id}
        table[REGISTRY[metric_id].label] = [str(found[k].missing) if privacy.is_hidden(found[k])
                                            else value_text(metric_id, found[k].value, currency) for k in keys]
    return pl.DataFrame(table)


def _breakdown_view(s: Session, family: Family, by: str, stage: Stage | None) -> None:
    plan = s.plan
    assert plan is not None and s.window is not None
    word = "department" if by == "department" else "use case"
    if (by == "department" and s.department) or (by == "use_case" and s.use_case):
        st.caption(f"The sidebar narrows the window to one {word}; choose all {word}s there to compare them.")
    rows = s.breakdown(family, by)  # type: ignore[arg-type]
    if not rows:
        st.info(f"No {word}s to break this window down by.", icon=":material/info:")
        return
    metrics = by_family(family)
    gated = [m for m in metrics if gate_on(stage, m.id)]
    choice = st.selectbox("Metric", [m.id for m in metrics], index=metrics.index(gated[0]) if gated else 0,
                          format_func=lambda i: next(m.label for m in metrics if m.id == i),
                          key=f"{family}_{by}_metric")
    gate = gate_on(stage, choice)
    points = _points(judge_groups(plan, stage, choice, [(r.key, r.value) for r in rows if r.metric_id == choice]))
    fig = _breakdown_chart(Breakdown(choice, by, points, gate.op if gate else None,
                                     gate.threshold if gate else None, gate.warn if gate else None, plan.currency))
    st.plotly_chart(fig, key=f"{family}_{by}_chart", config=CHART_CONFIG)
    hidden = sorted({r.key for r in rows if privacy.is_hidden(r.value)})
    if hidden:
        st.caption(f":material/visibility_off: Not shown under the plan's privacy floor "
                   f"({escape_md(privacy.hidden_text(plan.privacy_min_group))}; when only one group is that small, "
                   f"the next smallest is hidden with it, so the total cannot give it away): "
                   f"{escape_md(', '.join(hidden))}.")
    if gate:
        st.caption(f"Each {word} is compared with the limit of stage {escape_md(stage.name if stage else '')}; "
                   "the gate itself is judged on the whole window.")
    st.dataframe(_group_table(rows, plan.currency), hide_index=True, placeholder="—", width="stretch",
                 key=f"{family}_{by}_table", column_config={"Group": st.column_config.TextColumn(word.capitalize())})


def _numbers_view(s: Session, family: Family, values: Mapping[str, MetricValue],
                  crits: dict[str, list[CriterionResult]], monthly: dict[str, dict[str, MetricValue]]) -> None:
    plan = s.plan
    assert plan is not None and s.window is not None
    metrics = by_family(family)
    window_rows = [{
        "metric": m.id, "label": m.label, "value": values[m.id].value, "n": values[m.id].n,
        "low": values[m.id].low, "high": values[m.id].high, "unit": m.unit,
        "status": worst(c.status for c in crits.get(m.id, [])) if crits.get(m.id) else "",
        "start": s.window.start.isoformat(), "end": s.window.end.isoformat(),
    } for m in metrics]
    st.markdown(f"**This window** ({escape_md(window_text(s.window))})")
    st.dataframe(pl.DataFrame(window_rows, infer_schema_length=None).with_columns(
        shown=pl.Series([value_text(m.id, values[m.id].value, plan.currency) for m in metrics])),
        hide_index=True, placeholder="—", width="stretch", key=f"{family}_window_numbers",
        column_order=("label", "shown", "value", "n", "low", "high", "status"),
        column_config={"label": "Metric", "shown": "Value", "value": st.column_config.NumberColumn("Exact value"),
                       "low": "95% low", "high": "95% high", "status": "Gate status"})
    columns = ["metric", "label", "start", "end", "value", "n", "low", "high", "unit", "status"]
    st.download_button("Download this window (CSV)", safe_csv(window_rows, columns),
                       file_name=f"rollgate-{family}-{s.window.start}-{s.window.end}.csv", mime="text/csv",
                       key=f"{family}_window_csv", icon=":material/download:")
    month_rows = [{
        "month": key, "metric": m.id, "label": m.label, "value": monthly[key][m.id].value,
        "n": monthly[key][m.id].n, "low": monthly[key][m.id].low, "high": monthly[key][m.id].high, "unit": m.unit,
    } for key in s.extent.months for m in metrics]
    st.markdown("**Month by month**")
    frame = pl.DataFrame(month_rows, infer_schema_length=None)
    st.dataframe(frame.with_columns(pl.col("month").map_elements(month_label, return_dtype=pl.String)),
                 hide_index=True, placeholder="—", width="stretch", key=f"{family}_monthly_numbers",
                 column_order=("month", "label", "value", "n", "low", "high"),
                 column_config={"month": "Month", "label": "Metric", "low": "95% low", "high": "95% high"})
    st.download_button("Download month by month (CSV)",
                       safe_csv(month_rows, ["month", "metric", "label", "value", "n", "low", "high", "unit"]),
                       file_name=f"rollgate-{family}-monthly.csv", mime="text/csv", key=f"{family}_monthly_csv",
                       icon=":material/download:")


def render(family: Family) -> None:
    """The whole page of one family."""
    st.title(FAMILY_TITLES[family])
    st.caption(FAMILY_QUESTIONS[family])
    guards.show_flash()
    s = session.get()
    guards.require(s, f"{family} evidence")
    plan, window = s.plan, s.window
    assert plan is not None and window is not None
    stage = s.stage_in_force()
    judged = s.stage_criteria(stage.id) if stage else None
    values = judged.metrics if judged else s.values(window)
    crits = criteria_by_metric(judged.criteria if judged else ())
    stage_words = (f"judged against the gates of stage {escape_md(stage.name)}" if stage
                   else "no stage of the plan is in force yet, so there are no gates to judge against")
    st.markdown(f"**{escape_md(window_text(window))}** — {stage_words}.")
    if judged is not None and judged.period.note:  # the figures below are those of the period judged
        st.caption(f":material/date_range: {escape_md(judged.period.note)} The figures below are for that period.")
    for note in filter_notes(family, s.department, s.use_case):
        st.caption(f":material/filter_alt: {escape_md(note)}")

    metrics = by_family(family)
    for i in range(0, len(metrics), 3):
        for col, defn in zip(st.columns(3), metrics[i:i + 3], strict=False):
            with col:
                _card(defn, values[defn.id], crits.get(defn.id, []), stage, plan.currency)

    tabs = st.tabs(list(VIEWS), key=f"{family}_view", on_change="rerun")
    with tabs[0]:
        if tabs[0].open is not False:
            with st.spinner("Computing every month…", show_time=True):
                monthly = s.monthly()
            st.caption("Month by month over all loaded months, with the sidebar's department and use-case filters. "
                       "Shaded: the plan's stages; solid line: the limit; dashed: the warn level; dotted box: "
                       "the selected window; dotted line: a recorded gate review. Marker shapes show each month's "
                       "gate status (● pass, ▲ warn, ✖ fail, ○ not enough evidence); a gap is a month without a "
                       "value.")
            for i in range(0, len(metrics), 2):
                for col, defn in zip(st.columns(2), metrics[i:i + 2], strict=False):
                    col.plotly_chart(_trend_chart(trend_record(s, defn, monthly)), key=f"{family}_trend_{defn.name}",
                                     config=CHART_CONFIG)
    with tabs[1]:
        if tabs[1].open:
            _breakdown_view(s, family, "department", stage)
    with tabs[2]:
        if tabs[2].open:
            _breakdown_view(s, family, "use_case", stage)
    with tabs[3]:
        if tabs[3].open:
            with st.spinner("Computing every month…", show_time=True):
                monthly = s.monthly()
            _numbers_view(s, family, values, crits, monthly)
