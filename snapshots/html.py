"""A snapshot as a self-contained HTML report for the steering meeting.

One file, nothing fetched: the style sheet is inline, the trend charts are inline SVG, and there
is no script. A print style sheet makes "Print to PDF" a clean meeting pack: the decision and
summary first, then criteria, pause triggers, readiness, the expansion forecast, one section per family
with its trend charts, then provenance and the hash, and the plan's full text as an appendix.

The report is opened outside Streamlit, so nothing protects it but escaping: every value from
the record goes through `esc` (names, rationale, plan text, incident-derived explanations, file
names — everything). Markup is only ever built by `tag`, which escapes text children and
attribute values; `Markup` marks HTML this module built itself. Renders the record; computes no
metric.
"""

from __future__ import annotations

import calendar
import html as _html
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from core.words import STATUS_WORDS, WARN_LABEL, sign
from gates.criteria import METHOD_SENTENCES
from gates.forecast import PEOPLE_WORDS, central_text, range_text, unit_text
from gates.summary import headline_of, issues_of
from metrics.format import day_label, interval_text, limit_text, month_label, sample_text, value_text
from metrics.model import MetricValue
from metrics.registry import FAMILIES, FAMILY_QUESTIONS, REGISTRY
from snapshots.record import MetricRecord, Snapshot, TrendPoint

# -- escaping by construction ---------------------------------------------------------------------

class Markup(str):
    """HTML built by this module; anything else is text and is escaped."""


def esc(value: object) -> Markup:
    """`value` as HTML text: &, <, >, " and ' escaped; Markup passes through; None is empty."""
    if isinstance(value, Markup):
        return value
    return Markup(_html.escape("" if value is None else str(value), quote=True))


def tag(name: str, *children: object, **attrs: object) -> Markup:
    """<name attrs>children</name>: text children and every attribute value escaped. `class_` is
    written `class`; an attribute whose value is None or False is left out."""
    parts = [name]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        attr = key.rstrip("_").replace("_", "-")
        parts.append(attr if value is True else f'{attr}="{esc(value)}"')
    return Markup(f"<{' '.join(parts)}>{join(children)}</{name}>")


def void(name: str, **attrs: object) -> Markup:
    """An element without content (<circle ... />, <line ... />), attributes escaped."""
    body = tag(name, **attrs)
    return Markup(body[: -len(f"></{name}>")] + "/>")


def join(items: Iterable[object]) -> Markup:
    return Markup("".join(esc(i) for i in items))


# -- numbers as words ------------------------------------------------------------------------------

def _known(metric_id: str) -> bool:
    return metric_id in REGISTRY


def _value(metric_id: str, value: float | None, currency: str) -> str:
    if not _known(metric_id):
        return "no data" if value is None else f"{value:,.4g}"
    return value_text(metric_id, value, currency)


def _limit(metric_id: str, value: float | None, currency: str) -> str:
    if value is None:
        return ""
    if not _known(metric_id):
        return f"{value:,.4g}"
    return limit_text(metric_id, value, currency)


def _evidence(metric_id: str, m: MetricRecord | None) -> str:
    if m is None or not _known(metric_id):
        return ""
    mv = MetricValue(metric_id, m.value, m.n, m.low, m.high)
    return ", ".join(t for t in (sample_text(mv), interval_text(mv)) if t)


def _status(status: str) -> Markup:
    return tag("span", STATUS_WORDS.get(status, status), class_=f"status {status}")


def _outcome(outcome: str) -> Markup:
    return tag("span", outcome.upper(), class_=f"outcome {outcome}")


def _text_block(text: str, empty: str = "—") -> Markup:
    return tag("p", text or empty, class_="text" if text else "muted")


# -- sections ---------------------------------------------------------------------------------------

def _day(d: date | None) -> str:
    return day_label(d) if d is not None else "not set"


def _recorded(stamp: str) -> str:
    """'7 Dec 2026, 19:11 UTC' for the record's '2026-12-07T19:11:32Z'."""
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    return f"{day_label(moment.date())}, {moment:%H:%M} UTC"


def _filters(s: Snapshot) -> str:
    return "; ".join(f"{k} {v}" for k, v in (("department", s.window.department), ("use case", s.window.use_case))
                     if v)


def _judged_on(s: Snapshot) -> str:
    """'1 Jun 2026 – 30 Jun 2026' — the review period (the window, for a record made before periods)."""
    first, last = (s.period.from_, s.period.to) if s.period is not None else (s.window.from_, s.window.to)
    return f"{day_label(first)} – {day_label(last)}"


def _header(s: Snapshot) -> Markup:
    filters = _filters(s)
    return tag("header",
               tag("p", f"Rollgate · gate review #{s.id}", class_="kicker"),
               tag("h1", f"{s.plan.name}: {s.stage.name}"),
               tag("p",
                   f"Judged on {_judged_on(s)}" + (f" ({filters})" if filters else "")
                   + f"; the stage had run {s.stage.days_run} days (minimum {s.stage.min_duration_days}). "
                   f"Recorded {_recorded(s.created_at)}.", class_="sub"),
               *_period(s))


def _summary_page(s: Snapshot, shown: int = 3) -> Markup:
    """The first page, for a steering group with minutes to spare: who decided what on which evidence, the most
    severe reasons, and one line per family; it prints on one A4 page."""
    d = s.decision
    found = issues_of(s.criteria, s.triggers, s.recommendation.reasons, s.currency)
    lines = [tag("li", _outcome(i.outcome), " ", i.text) for i in found[:shown]]
    more = (tag("p", f"{len(found) - shown} more reason{'s' if len(found) - shown != 1 else ''} below, with every "
                     "criterion and pause trigger.", class_="muted") if len(found) > shown else "")
    verdict = tag("table",
                  tag("tr", tag("th", "Decision", scope="row"), tag("td", _outcome(d.outcome),
                                                                     f" — by {d.decided_by}")),
                  tag("tr", tag("th", "Recommendation", scope="row"), tag("td", _outcome(s.recommendation.outcome),
                      " — " + ("the decision follows it" if not s.differs else "the decision differs; the rationale "
                               "says why"))),
                  tag("tr", tag("th", "Next review", scope="row"), tag("td", _day(d.next_review_on))),
                  class_="kv")
    rationale = _short(d.rationale, 420)
    families = []
    for family in FAMILIES:
        if not any(c.family == family for c in s.criteria) and not any(m.family == family for m in s.metrics.values()):
            continue
        head = headline_of(s.criteria, family)
        value = s.metrics.get(head.metric)
        rule = (f"limit {sign(head.criterion.op)} {_limit(head.metric, head.criterion.threshold, s.currency)}"
                if head.criterion else "no gate")
        families.append(tag("tr", tag("td", family.capitalize()), tag("td", _status(head.status)),
                            tag("td", REGISTRY[head.metric].label if _known(head.metric) else head.metric),
                            tag("td", _value(head.metric, value.value if value else None, s.currency), class_="num"),
                            tag("td", rule, class_="muted")))
    signals = tag("table", tag("thead", tag("tr", *(tag("th", h) for h in ("Family", "Status", "Headline", "Value",
                                                                           "Gate")))),
                  tag("tbody", *families), class_="grid signals")
    return tag("section", _header(s), tag("h2", "Decision"), verdict,
               tag("p", tag("strong", "Rationale: "), rationale) if rationale else "",
               tag("p", tag("strong", "Conditions: "), _short(d.conditions, 300)) if d.conditions.strip() else "",
               tag("h2", "Why"), tag("ul", *lines, class_="reasons"), more,
               tag("h2", "Signals"), signals, class_="summary-page", id="summary")


def _short(text: str, limit: int) -> str:
    """`text` cut at a word near `limit` characters ('… (in full below)'), so the first page stays one page."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "… (in full below)"


def _period(s: Snapshot) -> list[Markup]:
    """Why the figures are not the window's, when the stage was judged on a part of it (gates.period)."""
    if s.period is None or s.period.note is None:
        return []
    return [tag("p", f"{s.period.note} The criteria, pause triggers and figures below are for "
                     f"{s.period.from_} to {s.period.to}.", class_="sub period")]


def _decision(s: Snapshot) -> Markup:
    d = s.decision
    rows = [
        ("Decision", _outcome(d.outcome)),
        ("Recommendation", _outcome(s.recommendation.outcome)),
        ("Decided by", esc(d.decided_by)),
        ("Rationale", _text_block(d.rationale)),
        ("Conditions", _text_block(d.conditions)),
        ("Next review", esc(_day(d.next_review_on))),
    ]
    if s.supersedes is not None:
        rows.append(("Supersedes", esc(f"snapshot #{s.supersedes} (this record corrects it)")))
    note = (tag("p", f"The decision ({d.outcome}) differs from the recommendation ({s.recommendation.outcome}); "
                     "the rationale says why.", class_="note")
            if s.differs else tag("p", "The decision follows the recommendation.", class_="muted"))
    table = tag("table", *(tag("tr", tag("th", k, scope="row"), tag("td", v)) for k, v in rows), class_="kv")
    return tag("section", tag("h2", "Decision in full"), note, table, class_="decision", id="decision")


def _rule(c_metric: str, op: str, threshold: float, warn: float | None, min_sample: int | None,
          currency: str) -> str:
    text = f"{sign(op)} {_limit(c_metric, threshold, currency)}"
    if warn is not None:
        text += f"; {WARN_LABEL.lower()} {sign(op)} {_limit(c_metric, warn, currency)}"
    if min_sample is not None:
        text += f"; at least {min_sample:,}"
    return text


def _criteria(s: Snapshot) -> Markup:
    if not s.criteria:
        return tag("section", tag("h2", "Criteria"), tag("p", "This stage has no gates.", class_="muted"))
    head = tag("thead", tag("tr", *(tag("th", h) for h in ("Family", "Gate", "Value", "Evidence", "Rule",
                                                            "If failed", "Status"))))
    body = []
    for c in s.criteria:
        # The interval the criterion was judged with (a confidence sequence under the sequential method).
        judged = MetricRecord(family=c.family, label=c.label, unit=REGISTRY[c.metric].unit, value=c.value, n=c.n,
                              low=c.low, high=c.high)
        body.append(tag("tr",
                        tag("td", c.family), tag("td", c.label), tag("td", _value(c.metric, c.value, s.currency),
                                                                     class_="num"),
                        tag("td", _evidence(c.metric, judged)),
                        tag("td", _rule(c.metric, c.op, c.threshold, c.warn, c.min_sample, s.currency)),
                        tag("td", c.on_fail), tag("td", _status(c.status)), class_=f"row-{c.status}"))
        body.append(tag("tr", tag("td", c.explanation, colspan=7, class_="explain")))
    method = METHOD_SENTENCES[s.evidence_method or "fixed"]
    return tag("section", tag("h2", "Criteria"), tag("p", method, class_="sub"),
               tag("table", head, tag("tbody", *body), class_="grid"), id="criteria")


def _triggers(s: Snapshot) -> Markup:
    if not s.triggers:
        return tag("section", tag("h2", "Pause triggers"), tag("p", "The plan has no pause triggers.",
                                                               class_="muted"), id="triggers")
    head = tag("thead", tag("tr", *(tag("th", h) for h in ("Trigger", "Value", "Fires when", "Days", "Action",
                                                            "State"))))
    body = []
    for t in s.triggers:
        state = tag("span", "FIRED", class_="status fail") if t.fired else tag("span", "quiet", class_="status pass")
        body.append(tag("tr", tag("td", t.name), tag("td", _value(t.metric, t.value, s.currency), class_="num"),
                        tag("td", f"{t.metric} {sign(t.op)} {_limit(t.metric, t.threshold, s.currency)}"),
                        tag("td", f"{t.window_from} to {t.window_to}"), tag("td", f"{t.action} ({t.outcome})"),
                        tag("td", state)))
        body.append(tag("tr", tag("td", t.explanation, colspan=6, class_="explain")))
    fallback = next((t.fallback for t in s.triggers if t.fired and t.fallback), ())
    parts: list[object] = [tag("h2", "Pause triggers"), tag("table", head, tag("tbody", *body), class_="grid")]
    if fallback:
        parts += [tag("h3", "Fallback options"), tag("ul", *(tag("li", o) for o in fallback))]
    return tag("section", *parts, id="triggers")


def _readiness(s: Snapshot) -> Markup:
    rows = [tag("tr", tag("td", r.item), tag("td", tag("span", "met", class_="status pass") if r.met
                                               else tag("span", "not met", class_="status fail")),
                tag("td", r.reason)) for r in s.readiness]
    head = tag("thead", tag("tr", tag("th", "Item"), tag("th", "State"), tag("th", "Why")))
    return tag("section", tag("h2", "Readiness"), tag("table", head, tag("tbody", *rows), class_="grid"),
               id="readiness")


def _forecast(s: Snapshot) -> Markup:
    """The expansion forecast shown beside the review: a row per measure (central value, 80% range, unit, the
    current rate it scales or why there is none), then its assumptions. Nothing for a record without one."""
    fc = s.forecast
    if fc is None:
        return Markup("")
    span = f"{fc.method.coverage:.0%} range"
    head = tag("thead", tag("tr", *(tag("th", h) for h in ("Measure", "Forecast", span, "Unit", "Current rate"))))
    rows = [tag("tr", tag("td", m.label), tag("td", central_text(m), class_="num"),
                tag("td", range_text(m), class_="num"), tag("td", unit_text(m, fc.currency)),
                tag("td", m.missing or m.rate_text, class_="muted" if m.missing else None)) for m in fc.measures]
    intro = (f"Stage {fc.stage.name} ({fc.stage.id}) in {month_label(fc.month)}, its first full month, with "
             f"{fc.people.count:,} people with access ({PEOPLE_WORDS[fc.people.source]}) and damping {fc.damping:g}; "
             f"learned from stage {fc.from_stage.name} ({fc.from_stage.id}), {day_label(fc.period.from_)} – "
             f"{day_label(fc.period.to)}.")
    return tag("section", tag("h2", "Expansion forecast"), tag("p", intro, class_="sub"),
               tag("table", head, tag("tbody", *rows), class_="grid forecast"),
               tag("h3", "Assumptions"), tag("ul", *(tag("li", a) for a in fc.assumptions), class_="assumptions"),
               id="forecast")


def _family(s: Snapshot, family: str) -> Markup:
    ids = [k for k, m in s.metrics.items() if m.family == family]
    status = {c.metric: c.status for c in s.criteria}
    head = tag("thead", tag("tr", *(tag("th", h) for h in ("Metric", "Value", "Evidence", "Gate"))))
    rows = [tag("tr", tag("td", s.metrics[k].label, tag("div", REGISTRY[k].meaning, class_="meaning")
                          if _known(k) else ""),
                tag("td", _value(k, s.metrics[k].value, s.currency), class_="num"),
                tag("td", _evidence(k, s.metrics[k])),
                tag("td", _status(status[k]) if k in status else tag("span", "no gate", class_="muted")))
            for k in ids]
    gated = [c for c in s.criteria if c.family == family]
    charts = [_chart(s, c.metric, c.label, s.trends.get(c.metric, ()), c.op, c.threshold, c.warn) for c in gated]
    if not charts and ids:
        charts = [_chart(s, ids[0], s.metrics[ids[0]].label, s.trends.get(ids[0], ()), None, None, None)]
    question = next((q for f, q in FAMILY_QUESTIONS.items() if f == family), "")
    return tag("section", tag("h2", family.capitalize()), tag("p", question, class_="question"),
               tag("table", head, tag("tbody", *rows), class_="grid"),
               _incidents(s) if family == "risk" else "",
               tag("div", *charts, class_="charts"), class_="family", id=f"family-{family}")


def _incidents(s: Snapshot) -> Markup:
    found = s.incidents
    title = tag("h3", "Incidents in the window")
    if not found.total:
        return join([title, tag("p", "No incident was reported in the window, and none was open at its end.",
                                class_="muted")])
    head = tag("thead", tag("tr", *(tag("th", h) for h in ("Incident", "Reported", "Severity", "Category",
                                                            "Status", "What happened"))))
    rows = []
    for i in found.listed:
        status = i.status or ("resolved" if i.resolved_at else "open")
        if i.resolved_at:
            status += f" {i.resolved_at[:10]}"
        what = [tag("div", i.description or "(no description)")]
        if i.correction:
            what.append(tag("div", f"Correction: {i.correction}", class_="meaning"))
        details = [f"use case {i.use_case}" if i.use_case else "",
                   (f"{i.people_affected:,} {'person' if i.people_affected == 1 else 'people'} affected"
                    if i.people_affected is not None else ""),
                   "escalated" if i.escalated else ""]
        if any(details):
            what.append(tag("div", ", ".join(d for d in details if d), class_="meaning"))
        rows.append(tag("tr", tag("td", i.incident_id), tag("td", i.reported_at[:10], class_="date"),
                        tag("td", i.severity, class_=f"sev-{i.severity}"), tag("td", i.category.replace("_", " ")),
                        tag("td", status, class_="date"), tag("td", *what)))
    more = (tag("p", f"Showing the {len(found.listed)} most severe of {found.total} incidents.", class_="muted")
            if found.total > len(found.listed) else "")
    return join([title, tag("table", head, tag("tbody", *rows), class_="grid"), more])


def _provenance(s: Snapshot) -> Markup:
    p = s.provenance
    head = tag("thead", tag("tr", *(tag("th", h) for h in ("#", "Dataset", "File", "sha256", "Uploaded (UTC)",
                                                            "Rows read", "Rows in file"))))
    rows = [tag("tr", tag("td", src.ingestion_id, class_="num"), tag("td", src.dataset), tag("td", src.file_name),
                tag("td", src.sha256, class_="mono-small"), tag("td", src.uploaded_at),
                tag("td", f"{src.rows:,}", class_="num"), tag("td", f"{src.rows_in_file:,}", class_="num"))
            for src in p.sources]
    table = (tag("table", head, tag("tbody", *rows), class_="grid") if rows
             else tag("p", "No stored rows fell in these days.", class_="muted"))
    return tag("section", tag("h2", "Provenance"),
               tag("p", f"The review read the days {p.from_} to {p.to} (the window, the pause triggers' windows and "
                        f"the trend months). These ingestions hold the rows it read:"),
               table, id="provenance")


def _plan(s: Snapshot) -> Markup:
    stages = tag("ul", *(tag("li", f"{st.id} — {st.name}, from {st.starts_on}") for st in s.plan.stages))
    return tag("section", tag("h2", "Rollout plan"),
               tag("p", f"{s.plan.name}, owned by {s.plan.owner}. sha256 of the plan text: ",
                   tag("span", s.plan.sha256, class_="mono-small")),
               stages, tag("pre", s.plan.content, class_="plan"), class_="appendix", id="plan")


def _footer(s: Snapshot) -> Markup:
    """Who recorded it and how to check it: the hashes, last, where a reader who needs them looks."""
    signed = (join(["Signed by the key with fingerprint ", tag("span", s.signature.fingerprint, class_="mono-small"),
                    "; `rollgate verify FILE.json` checks the record and its signature."])
              if s.signature is not None else "Not signed (recorded before Rollgate signed its records).")
    return tag("footer", tag("p", f"Gate review #{s.id}, recorded {_recorded(s.created_at)} by Rollgate "
                                  f"{s.app_version}. Record content_sha256 ", tag("span", s.content_sha256,
                                                                                class_="mono-small"),
                             "; plan sha256 ", tag("span", s.plan.sha256, class_="mono-small"), "."),
                   tag("p", signed))


def _integrity(s: Snapshot) -> Markup:
    rows = [("Snapshot", f"#{s.id}"), ("content_sha256", tag("span", s.content_sha256, class_="mono-small")),
            ("Follows", tag("span", s.previous_sha256 or "none (the first snapshot)", class_="mono-small")),
            ("Plan sha256", tag("span", s.plan.sha256, class_="mono-small")),
            ("Recorded", s.created_at), ("Rollgate", s.app_version)]
    return tag("section", tag("h2", "Integrity"),
               tag("table", *(tag("tr", tag("th", k, scope="row"), tag("td", v)) for k, v in rows), class_="kv"),
               tag("p", "The JSON record of this review carries the same content_sha256; "
                        "`rollgate verify FILE.json` recomputes it and says whether the record was altered."),
               id="integrity")


# -- charts -------------------------------------------------------------------------------------------

W, H = 330, 170
# Paint as SVG presentation attributes as well as the style sheet's classes: PDF renderers (WeasyPrint) do not
# apply a page's CSS inside inline SVG, and an unpainted shape is filled black.
PAINT: dict[str, dict[str, object]] = {
    "gridline": {"stroke": "#d9dee5", "stroke_width": 1},
    "tick": {"font_size": 9, "fill": "#5b6472"},
    "band-0": {"fill": "#808080", "fill_opacity": 0.10},
    "band-1": {"fill": "#3b82c4", "fill_opacity": 0.10},
    "stage-label": {"font_size": 8, "fill": "#5b6472"},
    "threshold": {"stroke": "#b3261e", "stroke_width": 1.6},
    "warn": {"stroke": "#a86400", "stroke_width": 1.4, "stroke_dasharray": "5 3"},
    "threshold-label": {"font_size": 8, "fill": "#b3261e"},
    "warn-label": {"font_size": 8, "fill": "#a86400"},
    "window": {"fill": "#e08a00", "fill_opacity": 0.06, "stroke": "#a86400", "stroke_width": 1,
               "stroke_dasharray": "2 2"},
    "series": {"fill": "none", "stroke": "#1f4e9c", "stroke_width": 2},
    "point": {"fill": "#1f4e9c"},
}
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 30


def _overlaps(p: TrendPoint, start: date, end: date) -> bool:
    return p.from_ <= end and p.to >= start


def _chart(s: Snapshot, metric_id: str, label: str, points: Sequence[TrendPoint], op: str | None,
           threshold: float | None, warn: float | None) -> Markup:
    """A line chart of one metric by month (inline SVG), drawn as the app draws its trends: each stage's period
    shaded and labelled, the reviewed stage's limit solid and warn level dashed over its period, the window
    outlined."""
    title = tag("figcaption", label)
    values = [p.value for p in points if p.value is not None]
    if not points or not values:
        return tag("figure", title, tag("p", "No data in these months.", class_="muted"), class_="chart")
    levels = [v for v in (threshold, warn) if v is not None]
    lo, hi, ticks = _scale(min([0.0, *values, *levels]), max([*values, *levels]),
                           whole=_known(metric_id) and REGISTRY[metric_id].unit == "count")
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    step = plot_w / max(1, len(points) - 1)

    def x(i: float) -> float:
        return LEFT + (plot_w / 2 if len(points) == 1 else i * step)

    def y(v: float) -> float:
        return TOP + plot_h - (v - lo) / (hi - lo) * plot_h

    parts: list[Markup] = []
    for v in ticks:
        parts.append(void("line", x1=LEFT, x2=W - RIGHT, y1=f"{y(v):.1f}", y2=f"{y(v):.1f}", class_="gridline",
                          **PAINT["gridline"]))
        parts.append(tag("text", _value(metric_id, v, s.currency), x=LEFT - 4, y=f"{y(v) + 3:.1f}",
                         class_="tick", text_anchor="end", **PAINT["tick"]))
    months = [p.month for p in points]

    def xd(day: date) -> float:
        """The x of a day: inside its month's slot; before the first month the left edge, after the last the
        right edge."""
        key = f"{day:%Y-%m}"
        if key not in months:
            return float(LEFT) if key < months[0] else float(W - RIGHT)
        days = calendar.monthrange(day.year, day.month)[1]
        return max(LEFT, min(W - RIGHT, x(months.index(key)) - step / 2 + step * (day.day - 1) / days))

    # As the app draws them (ui.charts): each stage's period shaded (neighbours alternate) and labelled (labels
    # staggered), the reviewed stage's limit solid and warn level dashed over its own period.
    stages = list(s.plan.stages)
    last_day = max(p.to for p in points)
    spans = [(st, st.starts_on, (stages[i + 1].starts_on if i + 1 < len(stages) else last_day + timedelta(days=1)))
             for i, st in enumerate(stages)]
    for i, (st, start, stop) in enumerate(spans):
        x0, x1 = xd(start), xd(stop) if stop <= last_day else float(W - RIGHT)
        if x1 <= x0:
            continue
        parts.append(void("rect", x=f"{x0:.1f}", y=TOP, width=f"{x1 - x0:.1f}", height=plot_h,
                          class_=f"stage-band band-{i % 2}", **PAINT[f"band-{i % 2}"]))
        parts.append(tag("text", st.id[:16], x=f"{x0 + 2:.1f}", y=TOP + 8 + 9 * (i % 2), class_="stage-label",
                         **PAINT["stage-label"]))
    reviewed = next(((a, b) for st, a, b in spans if st.id == s.stage.id), None)
    for level, cls, word in ((threshold, "threshold", "limit"), (warn, "warn", "warn")):
        if level is not None:
            x0, x1 = ((xd(reviewed[0]), xd(reviewed[1]) if reviewed[1] <= last_day else float(W - RIGHT))
                      if reviewed else (float(LEFT), float(W - RIGHT)))
            parts.append(void("line", x1=f"{x0:.1f}", x2=f"{x1:.1f}", y1=f"{y(level):.1f}", y2=f"{y(level):.1f}",
                              class_=cls, **PAINT[cls]))
            parts.append(tag("text", f"{word} {_limit(metric_id, level, s.currency)}", x=f"{x1:.1f}",
                             y=f"{y(level) - 3:.1f}", class_=f"level-label {cls}-label", text_anchor="end",
                             **PAINT[f"{cls}-label"]))
    inside = [i for i, p in enumerate(points) if _overlaps(p, s.window.from_, s.window.to)]
    if inside:  # the selected window: a dotted box over its months
        half = step / 2 if len(points) > 1 else plot_w / 2
        x0, x1 = max(LEFT, x(inside[0]) - half), min(W - RIGHT, x(inside[-1]) + half)
        parts.append(void("rect", x=f"{x0:.1f}", y=TOP, width=f"{x1 - x0:.1f}", height=plot_h, class_="window",
                          **PAINT["window"]))
    segment: list[str] = []
    for i, point in enumerate([*points, None]):
        if point is not None and point.value is not None:
            segment.append(f"{x(i):.1f},{y(point.value):.1f}")
            continue
        if len(segment) > 1:
            parts.append(void("polyline", points=" ".join(segment), class_="series", **PAINT["series"]))
        segment = []
    for i, p in enumerate(points):
        if p.value is not None:
            parts.append(tag("circle", tag("title", f"{p.month}: {_value(metric_id, p.value, s.currency)}"),
                             cx=f"{x(i):.1f}", cy=f"{y(p.value):.1f}", r=2.6, class_="point", **PAINT["point"]))
        parts.append(tag("text", _month_label(p.month, i), x=f"{x(i):.1f}", y=H - BOTTOM + 14, class_="tick",
                         text_anchor="middle", **PAINT["tick"]))
    rule = ""
    if threshold is not None:
        rule = f"; gate {sign(op or '')} {_limit(metric_id, threshold, s.currency)}"
    summary = f"{label} by month{rule}: " + ", ".join(f"{p.month} {_value(metric_id, p.value, s.currency)}"
                                                      for p in points)
    svg = tag("svg", tag("title", summary), *parts, xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {W} {H}",
              role="img", aria_label=summary, class_="trend")
    return tag("figure", title, svg, class_="chart")


def _scale(lo: float, hi: float, whole: bool) -> tuple[float, float, list[float]]:
    """An axis from `lo` to `hi` on round numbers (1, 2, 2.5 or 5 × a power of ten; whole numbers
    for counts): (bottom, top, ticks), about four ticks."""
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    bottom = math.floor(lo / step + 1e-9) * step
    top = max(math.ceil(hi / step - 1e-9) * step, bottom + step)
    count = round((top - bottom) / step)
    return bottom, top, [bottom + i * step for i in range(count + 1)]


def _month_label(month: str, index: int) -> str:
    year, number = month.split("-")
    name = calendar.month_abbr[int(number)]
    return f"{name} {year[2:]}" if index == 0 or number == "01" else name


# -- the page ------------------------------------------------------------------------------------------

CSS = """
:root { --ink: #1d2430; --muted: #5b6472; --line: #d9dee5; --pass: #1b7f3b; --warn: #a86400;
        --fail: #b3261e; --na: #5b6472; --band: #eef3fb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       max-width: 1000px; margin: 24px auto; padding: 0 20px; }
h1 { font-size: 24px; margin: 4px 0 6px; } h2 { font-size: 18px; margin: 28px 0 8px;
  border-bottom: 2px solid var(--ink); padding-bottom: 3px; } h3 { font-size: 15px; margin: 14px 0 6px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; color: var(--muted); margin: 0; }
.sub { color: var(--muted); margin: 2px 0; } .muted { color: var(--muted); } .note { font-weight: 600; }
.mono-small { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid var(--line); }
thead th { font-size: 12px; color: var(--muted); border-bottom: 1px solid var(--ink); }
table.kv th { width: 160px; color: var(--muted); font-weight: 600; } table.kv p { margin: 0; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.explain { color: var(--muted); font-size: 12px; padding-top: 0; }
tr.row-fail td, tr.row-warn td { font-weight: 600; }
p.text { white-space: pre-wrap; margin: 0; }
.status { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 700;
          border: 1px solid currentColor; white-space: nowrap; }
.status.pass { color: var(--pass); } .status.warn { color: var(--warn); } .status.fail { color: var(--fail); }
.status.insufficient { color: var(--na); }
.outcome { font-weight: 800; letter-spacing: .04em; }
.outcome.proceed { color: var(--pass); } .outcome.continue { color: var(--ink); }
.outcome.limit, .outcome.redesign { color: var(--warn); } .outcome.pause { color: var(--fail); }
section.summary-page h2 { margin-top: 16px; } ul.reasons { padding-left: 18px; } ul.reasons li { margin: 3px 0; }
table.signals td { padding: 3px 6px; }
footer { margin-top: 28px; border-top: 1px solid var(--line); color: var(--muted); font-size: 11px; }
section.decision { border: 2px solid var(--ink); padding: 4px 14px 8px; margin-top: 18px; }
section.decision h2 { border: 0; margin-top: 8px; }
.question { color: var(--muted); font-style: italic; margin: 0 0 4px; }
.meaning { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 18px; }
figure.chart { margin: 0; } figcaption { font-weight: 600; font-size: 13px; }
svg.trend { width: 100%; height: auto; display: block; }
svg .gridline { stroke: var(--line); stroke-width: 1; } svg .tick { font-size: 9px; fill: var(--muted); }
svg .window { fill: rgba(224, 138, 0, 0.06); stroke: var(--warn); stroke-width: 1; stroke-dasharray: 2 2; }
svg .series { fill: none; stroke: #1f4e9c; stroke-width: 2; }
svg .point { fill: #1f4e9c; } svg .threshold { stroke: var(--fail); stroke-width: 1.6; }
svg .warn { stroke: var(--warn); stroke-dasharray: 5 3; stroke-width: 1.4; }
svg .band-0 { fill: rgba(128, 128, 128, 0.10); } svg .band-1 { fill: rgba(59, 130, 196, 0.10); }
svg .stage-label { font-size: 8px; fill: #5b6472; }
svg .level-label { font-size: 8px; } svg .threshold-label { fill: var(--fail); } svg .warn-label { fill: var(--warn); }
td.date { white-space: nowrap; }
ul.assumptions { padding-left: 18px; color: var(--muted); font-size: 12px; } ul.assumptions li { margin: 2px 0; }
td.sev-high, td.sev-critical { color: var(--fail); font-weight: 700; }
pre.plan { white-space: pre-wrap; font-size: 11px; background: #f6f7f9; padding: 10px; border: 1px solid var(--line); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; margin: 0; max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2, h3, figcaption { break-after: avoid; page-break-after: avoid; }
  tr, figure.chart, section.decision, table.kv { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  section.summary-page { break-after: page; page-break-after: always; }
  .families, section.appendix { break-before: page; page-break-before: always; }
  section.family h2 { margin-top: 16px; }
  .charts { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  pre.plan { columns: 2; column-gap: 8mm; font-size: 7pt; background: none; border: 0; padding: 0; }
}
"""


def report(s: Snapshot) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    families: list[str] = [f for f in FAMILIES if any(m.family == f for m in s.metrics.values())]
    families += sorted({m.family for m in s.metrics.values()} - set(families))
    body = join([
        _summary_page(s), _decision(s), _criteria(s), _triggers(s), _readiness(s), _forecast(s),
        tag("div", *(_family(s, f) for f in families), class_="families"),
        _provenance(s), _integrity(s), _plan(s), _footer(s),
    ])
    head = join([
        Markup('<meta charset="utf-8">'),
        Markup('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        # No script, no fetch: the report is read offline and outside Streamlit.
        Markup("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'; img-src data:\">"),
        tag("title", f"{s.title} — {s.plan.name}"),
        tag("style", Markup(CSS)),
    ])
    return f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>{head}</head>\n<body>{body}</body>\n</html>\n"
