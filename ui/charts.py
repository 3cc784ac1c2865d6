"""Chart builders: a record in, a plotly Figure out. Pure — no Streamlit, no database.

Records carry numbers already computed by the engine and statuses already judged by gates; a
builder only draws them. Every status is drawn with a marker shape and a word in the hover as well
as a colour (ui.style), and the colours are mid-tones that read on light and dark backgrounds;
the figure leaves background and font colours to the Streamlit theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import plotly.graph_objects as go

from core.words import LIMIT_LABEL, WARN_LABEL, sign
from metrics.format import day_label, display_unit, interval_text, limit_text, month_label, value_text
from metrics.model import MetricValue
from metrics.registry import REGISTRY
from metrics.seats import FunnelStep
from ui.style import BAND_FILLS, LIMIT_LINE, RETENTION_COLOURS, SERIES, STATUS, WARN_LINE, WINDOW_FILL

HEIGHT = 320


@dataclass(frozen=True)
class Point:
    """One measured value: a month ('YYYY-MM') of a trend, or a group (a department, a use case) of a
    breakdown. `status` is the gate's verdict on it, None where no gate applies."""

    key: str
    value: float | None
    n: int | None = None
    low: float | None = None
    high: float | None = None
    status: str | None = None

    @classmethod
    def of(cls, key: str, mv: MetricValue, status: str | None = None) -> Point:
        return cls(key, mv.value, mv.n, mv.low, mv.high, status)


@dataclass(frozen=True)
class StageBand:
    """A stage's period on the time axis ([start, end], inclusive) and its gate on the metric, if any."""

    stage_id: str
    name: str
    start: date
    end: date
    op: str | None = None
    threshold: float | None = None
    warn: float | None = None


@dataclass(frozen=True)
class ReviewMark:
    """A recorded gate review on the time axis: the last day it judged, and its label ('#3 Pause')."""

    day: date
    label: str


@dataclass(frozen=True)
class Trend:
    """A metric month by month, with the plan's stages and their gates, the selected window and the recorded
    gate reviews."""

    metric_id: str
    points: tuple[Point, ...]
    bands: tuple[StageBand, ...] = ()
    window: tuple[date, date] | None = None
    currency: str = "EUR"
    reviews: tuple[ReviewMark, ...] = ()


@dataclass(frozen=True)
class Breakdown:
    """A metric for each department or use case of one window, and the gate that applies to it."""

    metric_id: str
    by: str
    points: tuple[Point, ...]
    op: str | None = None
    threshold: float | None = None
    warn: float | None = None
    currency: str = "EUR"


@dataclass(frozen=True)
class Funnel:
    """The seat funnel on a window's end date (metrics.seats.funnel): each step holds the next."""

    end: date
    steps: tuple[FunnelStep, ...]


@dataclass(frozen=True)
class Retention:
    """People month by month by how they relate to the month before: for each retention metric (new,
    retained, returning, lapsed), its monthly values; and the selected window."""

    series: tuple[tuple[str, tuple[Point, ...]], ...]  # (metric id, a point per month)
    window: tuple[date, date] | None = None


# Axis number formats per display unit (plotly d3 formats), so ticks read like the numbers on the page.
AXIS: dict[str, dict[str, str]] = {
    "share": {"tickformat": ".0%"},
    "multiple": {"tickformat": ".2f", "ticksuffix": "×"},
    "hours": {"tickformat": ",.2~f", "ticksuffix": " h"},
    "minutes": {"tickformat": ",.2~f", "ticksuffix": " min"},
    "count": {"tickformat": ",~r"},
    "score": {"tickformat": ".1f"},
}


def _axis(metric_id: str, currency: str) -> dict[str, str]:
    unit = display_unit(metric_id)
    if unit == "currency":
        return {"tickformat": ",.0f", "tickprefix": f"{currency} "}
    return AXIS[unit]


def _month_start(key: str) -> date:
    return date(int(key[:4]), int(key[5:7]), 1)


def _month_middle(key: str) -> date:
    return _month_start(key) + timedelta(days=14)


def _hover(metric_id: str, p: Point, currency: str, heading: str) -> str:
    lines = [f"<b>{_html(heading)}</b>", f"{REGISTRY[metric_id].label}: {value_text(metric_id, p.value, currency)}"]
    mv = MetricValue(metric_id, p.value, p.n, p.low, p.high)
    if p.n is not None and REGISTRY[metric_id].n:
        lines.append(f"n = {p.n:,} {REGISTRY[metric_id].n}")
    if interval := interval_text(mv):
        lines.append(interval)
    if p.status is not None:
        lines.append(f"Gate: {STATUS[p.status].text()}")
    return "<br>".join(lines)


def _html(text: str) -> str:
    # Hover labels are plotly's own mini-HTML: group names come from the data, so escape them.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _errors(points: tuple[Point, ...]) -> dict[str, object] | None:
    if not any(p.low is not None and p.high is not None and p.value is not None for p in points):
        return None
    plus = [None if p.high is None or p.value is None else p.high - p.value for p in points]
    minus = [None if p.low is None or p.value is None else p.value - p.low for p in points]
    return {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "thickness": 1.2,
            "width": 3, "color": SERIES}


def _marker(points: tuple[Point, ...]) -> dict[str, object]:
    styles = [STATUS[p.status] if p.status else None for p in points]
    return {"size": 10, "color": [s.colour if s else SERIES for s in styles],
            "symbol": [s.marker if s else "circle" for s in styles], "line": {"width": 1.5, "color": SERIES}}


def _layout(fig: go.Figure, title: str, **extra: object) -> go.Figure:
    settings: dict[str, object] = {
        "title": {"text": _html(title), "x": 0, "xanchor": "left"}, "height": HEIGHT, "hovermode": "closest",
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
    }
    fig.update_layout(**(settings | extra))
    return fig


def _short(name: str, most: int = 24) -> str:
    """A stage's name for a label over its band: cut with '…' when long (the hover and legend say it whole)."""
    return name if len(name) <= most else name[:most - 1].rstrip() + "…"


def month_step(months: int) -> str:
    """The distance between month ticks for a trend of `months` months, so labels never run together on a
    chart half a page wide: every month up to a year, then every 2nd, 3rd or 6th."""
    for most, step in ((12, 1), (24, 2), (36, 3)):
        if months <= most:
            return f"M{step}"
    return "M6"


def count_step(top: float) -> float | None:
    """The tick step of a count axis up to `top`: whole numbers only (no 0.2 incidents); None leaves it to
    plotly once the numbers are large enough that its own steps are whole."""
    if top <= 5:
        return 1
    if top <= 10:
        return 2
    return None


def _y_range(values: list[float], levels: list[float]) -> list[float]:
    """From below 0 when a limit or warn level lies at 0 (so its line shows above the axis) to a little above
    the highest value or level."""
    top = max([*values, *levels, 0.0]) or 1.0
    bottom = -0.06 * top if any(level == 0 for level in levels) else 0.0
    return [bottom, top * 1.12]


# Legend entries for what colours and shapes mean (drawn as nothing: a legend item only).
def _legend_only(name: str, marker: dict[str, object] | None = None, fill: str | None = None) -> go.Scatter:
    if fill is not None:
        return go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                          marker={"symbol": "square", "size": 14, "color": fill, "line": {"width": 1,
                                                                                         "color": WARN_LINE}})
    return go.Scatter(x=[None], y=[None], mode="markers", name=name, marker=marker, hoverinfo="skip")


def trend_figure(trend: Trend) -> go.Figure:
    """The metric month by month: one point per month (shaped and coloured by its gate status, with its
    95% interval where it has one), each stage's period shaded and labelled, the stage's gate limit as a
    solid line and its warn level as a dashed line over that period, recorded gate reviews marked, and the
    selected window outlined. Months without a value are gaps, never zeros; labels never run together."""
    m = trend.metric_id
    fig = go.Figure()
    for i, band in enumerate(trend.bands):
        # Neighbouring stages alternate their label's height: a short stage's label never covers the next one's.
        fig.add_vrect(x0=band.start, x1=band.end + timedelta(days=1), fillcolor=BAND_FILLS[i % len(BAND_FILLS)],
                      line_width=0, layer="below", annotation_text=_html(_short(band.name)),
                      annotation_position="top left", annotation={"yanchor": "bottom", "yshift": -14 * (i % 2)},
                      annotation_font_size=11, name=f"stage:{band.stage_id}")
    if trend.window is not None:
        start, end = trend.window
        fig.add_vrect(x0=start, x1=end + timedelta(days=1), fillcolor=WINDOW_FILL, line_width=1,
                      line_dash="dot", line_color=WARN_LINE, layer="below", name="window")
    levels: list[float] = []
    for name, attr, colour, dash in ((LIMIT_LABEL, "threshold", LIMIT_LINE, "solid"),
                                     (WARN_LABEL, "warn", WARN_LINE, "dash")):
        xs: list[date | None] = []
        ys: list[float | None] = []
        texts: list[str | None] = []
        for band in trend.bands:
            level = getattr(band, attr)
            if level is None or band.op is None:
                continue
            levels.append(level)
            rule = f"{name} in {band.name}: {sign(band.op)} {limit_text(m, level, trend.currency)}"
            xs += [band.start, band.end + timedelta(days=1), None]
            ys += [level, level, None]
            texts += [rule, rule, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, line={"color": colour, "dash": dash,
                                     "width": 2}, hovertext=texts, hoverinfo="text", cliponaxis=False))
    pts = trend.points
    fig.add_trace(go.Scatter(
        x=[_month_middle(p.key) for p in pts], y=[p.value for p in pts], mode="lines+markers",
        name=REGISTRY[m].label, line={"color": SERIES, "width": 2}, marker=_marker(pts), error_y=_errors(pts),
        hovertext=[_hover(m, p, trend.currency, month_label(p.key)) for p in pts], hoverinfo="text",
        connectgaps=False))
    shown = {p.status for p in pts if p.status}
    for status in ("pass", "warn", "fail", "insufficient"):
        if status in shown:
            style = STATUS[status]
            fig.add_trace(_legend_only(style.label, {"symbol": style.marker, "size": 10, "color": style.colour}))
    if trend.window is not None:
        fig.add_trace(_legend_only("Selected window", fill=WINDOW_FILL))
    for review in trend.reviews:  # a shape and its label apart: plotly cannot place a line's label on dates
        fig.add_shape(type="line", x0=review.day, x1=review.day, y0=0, y1=1, yref="paper",
                      name=f"review:{review.label}", line={"color": SERIES, "width": 1, "dash": "dot"})
        fig.add_annotation(x=review.day, y=0, yref="paper", text=_html(review.label), showarrow=False,
                           xanchor="left", yanchor="bottom", font={"size": 10})
    values = [p.value for p in pts if p.value is not None]
    if pts:
        first, last = _month_start(pts[0].key), _month_start(pts[-1].key) + timedelta(days=31)
        fig.update_xaxes(range=[first, last.replace(day=1)], dtick=month_step(len(pts)), tickformat="%b<br>%Y",
                         tickangle=0)
    axis = _axis(m, trend.currency)
    if display_unit(m) == "count":
        step = count_step(max([*values, *levels, 0.0]))
        axis = {**axis, "tickformat": ",d", **({"dtick": step} if step else {})}  # type: ignore[dict-item]
    fig.update_yaxes(range=_y_range(values, levels), **axis)
    return _layout(fig, REGISTRY[m].label)


def breakdown_figure(bd: Breakdown) -> go.Figure:
    """Horizontal bars, one per group, each labelled with its status symbol and value (not colour alone),
    with the 95% interval where there is one and the gate's limit and warn level as vertical lines."""
    m = bd.metric_id
    pts = bd.points
    labels = [f"{STATUS[p.status].symbol} " if p.status else "" for p in pts]
    texts = [f"{lab}{value_text(m, p.value, bd.currency)}" for lab, p in zip(labels, pts, strict=True)]
    keys = [_html(p.key) for p in pts]
    fig = go.Figure(go.Bar(
        y=keys, x=[p.value for p in pts], orientation="h", name=REGISTRY[m].label,
        marker={"color": [STATUS[p.status].colour if p.status else SERIES for p in pts]},
        # The value and status are written beside the group's name, not on the bar, where the interval's
        # whiskers would cross them.
        text=texts, textposition="none", error_x=_errors(pts),
        hovertext=[_hover(m, p, bd.currency, p.key) for p in pts], hoverinfo="text", showlegend=False))
    shown = {p.status for p in pts}
    for status in ("pass", "warn", "fail", "insufficient"):
        if status in shown:
            style = STATUS[status]
            fig.add_trace(_legend_only(style.text(), {"symbol": "square", "size": 12, "color": style.colour}))
    if None in shown:
        fig.add_trace(_legend_only("No gate", {"symbol": "square", "size": 12, "color": SERIES}))
    for name, level, colour, dash in ((LIMIT_LABEL, bd.threshold, LIMIT_LINE, "solid"),
                                      (WARN_LABEL, bd.warn, WARN_LINE, "dash")):
        if level is None or bd.op is None:
            continue
        fig.add_vline(x=level, line_color=colour, line_dash=dash, line_width=2, name=name,
                      annotation_text=f"{name} {sign(bd.op)} {limit_text(m, level, bd.currency)}",
                      annotation_position="top", annotation_font_size=11)
    fig.update_xaxes(rangemode="tozero", **_axis(m, bd.currency))
    fig.update_yaxes(autorange="reversed", type="category", tickvals=keys,
                     ticktext=[f"{k}  {t}" for k, t in zip(keys, texts, strict=True)])
    by = "department" if bd.by == "department" else "use case"
    return _layout(fig, f"{REGISTRY[m].label} by {by}", height=max(HEIGHT, 90 + 40 * len(pts)), showlegend=True)


def funnel_figure(funnel: Funnel) -> go.Figure:
    """The seat funnel: one bar per step, narrowing from the people with access to the daily users, each
    labelled with its people and their share of the first step. A step without a value reads "no data"."""
    steps = funnel.steps
    first = steps[0].people if steps else None
    texts = []
    for step in steps:
        share = f" ({step.people / first:.0%})" if step.people is not None and first else ""
        texts.append("no data" if step.people is None else f"{step.people:,}{share}")
    fig = go.Figure(go.Funnel(
        y=[_html(s.label) for s in steps], x=[s.people or 0 for s in steps], text=texts, textinfo="text",
        textposition="auto", marker={"color": SERIES}, connector={"line": {"color": WARN_LINE, "width": 1}},
        hovertext=[f"<b>{_html(s.label)}</b><br>{t} people<br>{_html(s.meaning)}" for s, t in
                   zip(steps, texts, strict=True)], hoverinfo="text"))
    return _layout(fig, f"Seats on {day_label(funnel.end)}: from access to daily use", showlegend=False)


def retention_figure(retention: Retention) -> go.Figure:
    """People month by month: new, retained and returning users stacked above the axis (together, the
    month's active users), lapsed users below it; the selected window outlined. A month without a value is a
    gap, never a zero."""
    fig = go.Figure()
    if retention.window is not None:
        start, end = retention.window
        fig.add_vrect(x0=start, x1=end + timedelta(days=1), fillcolor=WINDOW_FILL, line_width=1, line_dash="dot",
                      line_color=WARN_LINE, layer="below", name="window")
    keys: list[str] = []
    for metric_id, pts in retention.series:
        sign_ = -1 if metric_id == "adoption.lapsed_users" else 1
        keys = keys or [p.key for p in pts]
        fig.add_trace(go.Bar(
            x=[_month_middle(p.key) for p in pts], y=[None if p.value is None else sign_ * p.value for p in pts],
            name=REGISTRY[metric_id].label, marker={"color": RETENTION_COLOURS[metric_id]},
            hovertext=[_hover(metric_id, p, "", month_label(p.key)) for p in pts], hoverinfo="text"))
    if keys:
        first, last = _month_start(keys[0]), _month_start(keys[-1]) + timedelta(days=31)
        fig.update_xaxes(range=[first, last.replace(day=1)], dtick=month_step(len(keys)), tickformat="%b<br>%Y",
                         tickangle=0)
    fig.update_yaxes(tickformat=",d", zeroline=True)
    # two rows of legend below the month labels
    return _layout(fig, "Retention month by month (lapsed below the line)", barmode="relative", showlegend=True,
                   height=HEIGHT + 40, legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0})
