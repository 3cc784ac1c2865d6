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

from core.words import sign
from metrics.format import display_unit, interval_text, limit_text, month_label, value_text
from metrics.model import MetricValue
from metrics.registry import REGISTRY
from ui.style import BAND_FILLS, LIMIT_LINE, SERIES, STATUS, WARN_LINE, WINDOW_FILL

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
class Trend:
    """A metric month by month, with the plan's stages and their gates, and the selected window."""

    metric_id: str
    points: tuple[Point, ...]
    bands: tuple[StageBand, ...] = ()
    window: tuple[date, date] | None = None
    currency: str = "EUR"


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


def trend_figure(trend: Trend) -> go.Figure:
    """The metric month by month: one point per month (shaped and coloured by its gate status, with its
    95% interval where it has one), each stage's period shaded and labelled, the stage's gate limit as a
    solid line and its warn level as a dashed line over that period, and the selected window outlined."""
    m = trend.metric_id
    fig = go.Figure()
    for i, band in enumerate(trend.bands):
        fig.add_vrect(x0=band.start, x1=band.end + timedelta(days=1), fillcolor=BAND_FILLS[i % len(BAND_FILLS)],
                      line_width=0, layer="below", annotation_text=_html(band.stage_id),
                      annotation_position="top left", annotation={"yanchor": "bottom"}, annotation_font_size=11,
                      name=f"stage:{band.stage_id}")
    if trend.window is not None:
        start, end = trend.window
        fig.add_vrect(x0=start, x1=end + timedelta(days=1), fillcolor=WINDOW_FILL, line_width=1,
                      line_dash="dot", line_color=WARN_LINE, layer="below", name="window")
    for name, attr, colour, dash in (("Gate limit", "threshold", LIMIT_LINE, "solid"),
                                     ("Warn level", "warn", WARN_LINE, "dash")):
        xs: list[date | None] = []
        ys: list[float | None] = []
        texts: list[str | None] = []
        for band in trend.bands:
            level = getattr(band, attr)
            if level is None or band.op is None:
                continue
            rule = f"{name} in {band.name}: {sign(band.op)} {limit_text(m, level, trend.currency)}"
            xs += [band.start, band.end + timedelta(days=1), None]
            ys += [level, level, None]
            texts += [rule, rule, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, line={"color": colour, "dash": dash,
                                     "width": 2}, hovertext=texts, hoverinfo="text"))
    pts = trend.points
    fig.add_trace(go.Scatter(
        x=[_month_middle(p.key) for p in pts], y=[p.value for p in pts], mode="lines+markers",
        name=REGISTRY[m].label, line={"color": SERIES, "width": 2}, marker=_marker(pts), error_y=_errors(pts),
        hovertext=[_hover(m, p, trend.currency, month_label(p.key)) for p in pts], hoverinfo="text",
        connectgaps=False))
    if pts:
        first, last = _month_start(pts[0].key), _month_start(pts[-1].key) + timedelta(days=31)
        fig.update_xaxes(range=[first, last.replace(day=1)], dtick="M1", tickformat="%b<br>%Y", tickangle=0)
    fig.update_yaxes(rangemode="tozero", **_axis(m, trend.currency))
    return _layout(fig, REGISTRY[m].label)


def breakdown_figure(bd: Breakdown) -> go.Figure:
    """Horizontal bars, one per group, each labelled with its status symbol and value (not colour alone),
    with the 95% interval where there is one and the gate's limit and warn level as vertical lines."""
    m = bd.metric_id
    pts = bd.points
    labels = [f"{STATUS[p.status].symbol} " if p.status else "" for p in pts]
    fig = go.Figure(go.Bar(
        y=[_html(p.key) for p in pts], x=[p.value for p in pts], orientation="h", name=REGISTRY[m].label,
        marker={"color": [STATUS[p.status].colour if p.status else SERIES for p in pts]},
        text=[f"{lab}{value_text(m, p.value, bd.currency)}" for lab, p in zip(labels, pts, strict=True)],
        textposition="auto", error_x=_errors(pts),
        hovertext=[_hover(m, p, bd.currency, p.key) for p in pts], hoverinfo="text"))
    for name, level, colour, dash in (("Gate limit", bd.threshold, LIMIT_LINE, "solid"),
                                      ("Warn level", bd.warn, WARN_LINE, "dash")):
        if level is None or bd.op is None:
            continue
        fig.add_vline(x=level, line_color=colour, line_dash=dash, line_width=2, name=name,
                      annotation_text=f"{name} {sign(bd.op)} {limit_text(m, level, bd.currency)}",
                      annotation_position="top", annotation_font_size=11)
    fig.update_xaxes(rangemode="tozero", **_axis(m, bd.currency))
    fig.update_yaxes(autorange="reversed", type="category")
    by = "department" if bd.by == "department" else "use case"
    return _layout(fig, f"{REGISTRY[m].label} by {by}", height=max(HEIGHT, 60 + 40 * len(pts)), showlegend=False)
