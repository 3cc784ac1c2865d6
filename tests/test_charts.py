"""Chart builders (ui/charts.py): records in, plotly figures out — limits, warn levels, stage bands,
the selected window, statuses shown by shape and word as well as colour, and data text escaped."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import pytest

from metrics.seats import FunnelStep
from ui.charts import (
    Breakdown,
    Funnel,
    Point,
    Retention,
    ReviewMark,
    StageBand,
    Trend,
    breakdown_figure,
    count_step,
    funnel_figure,
    month_step,
    retention_figure,
    trend_figure,
)
from ui.style import RETENTION_COLOURS, STATUS

BANDS = (
    StageBand("pilot", "Limited pilot users", date(2026, 1, 5), date(2026, 3, 31), "<=", 0.10, 0.07),
    StageBand("department", "Department rollout", date(2026, 4, 1), date(2026, 7, 14), "<=", 0.12, None),
    StageBand("extra-review", "Extra review", date(2026, 7, 15), date(2026, 9, 30)),
)
POINTS = (
    Point("2026-01", 0.045, 134, 0.021, 0.094, "pass"),
    Point("2026-05", 0.07, 114, 0.036, 0.132, "warn"),
    Point("2026-06", 0.197, 127, 0.137, 0.275, "fail"),
    Point("2026-07", None, 0, None, None, "insufficient"),
    Point("2026-09", 0.02, 254, 0.008, 0.045, None),
)
TREND = Trend("quality.error_rate", POINTS, BANDS, (date(2026, 9, 1), date(2026, 9, 30)), "EUR")


def _trace(fig: go.Figure, name: str) -> go.Scatter:
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def test_trend_draws_each_stage_limit_over_its_own_period() -> None:
    limit = _trace(trend_figure(TREND), "Limit")
    # One segment per stage with a gate, each from its first day to the day after its last; None breaks the line.
    assert list(limit.x) == [date(2026, 1, 5), date(2026, 4, 1), None, date(2026, 4, 1), date(2026, 7, 15), None]
    assert list(limit.y) == [0.10, 0.10, None, 0.12, 0.12, None]
    assert limit.line.dash == "solid"
    assert limit.hovertext[0] == "Limit in Limited pilot users: ≤ 10%"


def test_trend_draws_warn_levels_dashed_only_where_a_gate_has_one() -> None:
    warn = _trace(trend_figure(TREND), "Warn level")
    assert list(warn.x) == [date(2026, 1, 5), date(2026, 4, 1), None]
    assert list(warn.y) == [0.07, 0.07, None]
    assert warn.line.dash == "dash"


def test_trend_shades_and_labels_every_stage_and_outlines_the_window() -> None:
    fig = trend_figure(TREND)
    rects = {s.name: s for s in fig.layout.shapes if s.type == "rect"}
    assert set(rects) == {"stage:pilot", "stage:department", "stage:extra-review", "window"}
    assert (rects["stage:department"].x0, rects["stage:department"].x1) == (date(2026, 4, 1), date(2026, 7, 15))
    assert rects["stage:pilot"].fillcolor != rects["stage:department"].fillcolor  # neighbours told apart
    assert (rects["window"].x0, rects["window"].x1) == (date(2026, 9, 1), date(2026, 10, 1))
    assert [a.text for a in fig.layout.annotations] == ["Limited pilot users", "Department rollout", "Extra review"]


def test_trend_points_carry_status_as_shape_and_word_and_their_interval() -> None:
    series = _trace(trend_figure(TREND), "Error rate")
    assert list(series.y) == [0.045, 0.07, 0.197, None, 0.02]
    assert series.x[0] == date(2026, 1, 15)  # the middle of its month
    assert list(series.marker.symbol) == ["circle", "triangle-up", "x", "circle-open", "circle"]
    assert list(series.marker.color)[2] == STATUS["fail"].colour
    assert series.error_y.array[0] == 0.094 - 0.045 and series.error_y.arrayminus[0] == 0.045 - 0.021
    assert series.hovertext[2] == ("<b>Jun 2026</b><br>Error rate: 19.7%<br>n = 127 reviews<br>95% CI 13.7–27.5%<br>"
                                   "Gate: ✖ Fail")
    assert series.hovertext[3] == ("<b>Jul 2026</b><br>Error rate: no data<br>n = 0 reviews<br>"
                                   "Gate: ? Not enough evidence")
    assert trend_figure(TREND).layout.yaxis.tickformat == ".0%"


def test_trend_without_gates_has_no_limit_lines_and_money_axis_uses_the_plan_currency() -> None:
    bands = tuple(StageBand(b.stage_id, b.name, b.start, b.end) for b in BANDS)
    fig = trend_figure(Trend("cost.cash_cost", (Point("2026-01", 2500.0),), bands, None, "CHF"))
    assert [t.name for t in fig.data] == ["Cash cost"]
    assert [s.name for s in fig.layout.shapes] == ["stage:pilot", "stage:department", "stage:extra-review"]
    assert fig.layout.yaxis.tickprefix == "CHF "
    assert fig.data[0].error_y.array is None


def test_breakdown_bars_show_status_symbol_and_value_and_the_gate_lines() -> None:
    bd = Breakdown("adoption.scope_drift_share", "department",
                   (Point("legal", 0.02, 400, 0.011, 0.036, "pass"),
                    Point("procurement", 0.31, 200, 0.25, 0.37, "fail"),
                    Point("finance", None, 0, None, None, "insufficient")),
                   "<=", 0.10, 0.07, "EUR")
    fig = breakdown_figure(bd)
    bars = fig.data[0]
    assert list(bars.y) == ["legal", "procurement", "finance"]
    assert list(bars.text) == ["✔ 2.0%", "✖ 31.0%", "? no data"]
    assert list(bars.marker.color) == [STATUS["pass"].colour, STATUS["fail"].colour, STATUS["insufficient"].colour]
    lines = [(s.x0, s.line.dash) for s in fig.layout.shapes if s.type == "line"]
    assert lines == [(0.10, "solid"), (0.07, "dash")]
    assert [a.text for a in fig.layout.annotations] == ["Limit ≤ 10%", "Warn level ≤ 7%"]
    assert fig.layout.title.text == "Scope drift by department"


def test_group_names_from_the_data_are_escaped_in_labels_and_hovers() -> None:
    bd = Breakdown("quality.error_rate", "use_case", (Point("<img src=x onerror=alert(1)>", 0.1, 10, 0.05, 0.2),))
    fig = breakdown_figure(bd)
    assert list(fig.data[0].y) == ["&lt;img src=x onerror=alert(1)&gt;"]
    assert fig.data[0].hovertext[0].startswith("<b>&lt;img src=x onerror=alert(1)&gt;</b>")
    assert not fig.layout.shapes  # no gate, no lines


def _months(n: int, start: tuple[int, int] = (2025, 1)) -> tuple[Point, ...]:
    year, month = start
    out = []
    for i in range(n):
        y, m = divmod(month - 1 + i, 12)
        out.append(Point(f"{year + y}-{m + 1:02d}", 1.0 + i % 3))
    return tuple(out)


@pytest.mark.parametrize(("months", "step"), [(9, "M1"), (12, "M1"), (13, "M2"), (24, "M2"), (30, "M3"),
                                              (48, "M6")])
def test_month_labels_thin_out_on_long_histories(months: int, step: str) -> None:
    assert month_step(months) == step
    assert trend_figure(Trend("risk.incidents", _months(months))).layout.xaxis.dtick == step


def test_a_count_axis_has_whole_number_ticks() -> None:
    small = trend_figure(Trend("risk.incidents", (Point("2026-01", 0.0), Point("2026-02", 3.0))))
    assert (small.layout.yaxis.tickformat, small.layout.yaxis.dtick) == (",d", 1)
    medium = trend_figure(Trend("risk.incidents", (Point("2026-01", 9.0),)))
    assert medium.layout.yaxis.dtick == 2
    large = trend_figure(Trend("adoption.active_users", (Point("2026-01", 480.0),)))
    assert large.layout.yaxis.tickformat == ",d" and large.layout.yaxis.dtick is None
    assert count_step(0.4) == 1


def test_a_limit_at_zero_is_drawn_above_the_axis() -> None:
    band = StageBand("department", "Department rollout", date(2026, 4, 1), date(2026, 6, 30), "<=", 0.0, None)
    fig = trend_figure(Trend("risk.high_severity_incidents", (Point("2026-04", 0.0), Point("2026-06", 1.0)),
                             (band,)))
    low, high = fig.layout.yaxis.range
    assert low < 0 < 1 < high  # the line at 0 sits inside the plot, not on its edge
    assert _trace(fig, "Limit").cliponaxis is False


def test_neighbouring_stage_labels_are_staggered_and_every_colour_has_a_legend_entry() -> None:
    fig = trend_figure(TREND)
    assert [a.yshift for a in fig.layout.annotations] == [0, -14, 0]
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend == ["Limit", "Warn level", "Error rate", "Pass", "Warn", "Fail", "Not enough evidence",
                      "Selected window"]


def test_recorded_gate_reviews_are_marked_on_the_trend() -> None:
    fig = trend_figure(Trend("quality.error_rate", POINTS, BANDS, None, "EUR",
                             (ReviewMark(date(2026, 6, 30), "#1 Pause"), ReviewMark(date(2026, 9, 30), "#2 Proceed"))))
    marks = [(s.x0, s.name) for s in fig.layout.shapes if s.type == "line"]
    assert marks == [(date(2026, 6, 30), "review:#1 Pause"), (date(2026, 9, 30), "review:#2 Proceed")]
    assert [a.text for a in fig.layout.annotations][-2:] == ["#1 Pause", "#2 Proceed"]


def test_breakdown_writes_values_beside_the_names_and_explains_its_colours() -> None:
    bd = Breakdown("adoption.scope_drift_share", "department",
                   (Point("legal", 0.02, 400, 0.011, 0.036, "pass"), Point("sales", 0.05, 90, 0.02, 0.1, None)),
                   "<=", 0.10, None, "EUR")
    fig = breakdown_figure(bd)
    assert list(fig.layout.yaxis.ticktext) == ["legal  ✔ 2.0%", "sales  5.0%"]
    assert fig.data[0].textposition == "none"  # not on the bar, where the whiskers are
    assert [t.name for t in fig.data[1:]] == ["✔ Pass", "No gate"]


def test_the_seat_funnel_labels_each_step_with_its_people_and_share_of_the_first() -> None:
    fig = funnel_figure(Funnel(date(2026, 9, 30), (
        FunnelStep("With access", 40, "people with access"), FunnelStep("Active", 30, "used it"),
        FunnelStep("Weekly or more", 12, "4+ days"), FunnelStep("Daily <b>", None, "15+ days"))))
    bars = fig.data[0]
    assert fig.layout.title.text == "Seats on 30 Sep 2026: from access to daily use"
    assert list(bars.y) == ["With access", "Active", "Weekly or more", "Daily &lt;b&gt;"]
    assert list(bars.x) == [40, 30, 12, 0]
    assert list(bars.text) == ["40 (100%)", "30 (75%)", "12 (30%)", "no data"]
    assert "used it" in bars.hovertext[1]


def test_retention_stacks_who_came_stayed_and_came_back_and_draws_lapsed_below_the_line() -> None:
    keys = ("2026-07", "2026-08", "2026-09")

    def series(metric_id: str, values: tuple[float | None, ...]) -> tuple[str, tuple[Point, ...]]:
        return metric_id, tuple(Point(k, v) for k, v in zip(keys, values, strict=True))

    fig = retention_figure(Retention((
        series("adoption.new_users", (None, 4, 0)), series("adoption.retained_users", (None, 30, 33)),
        series("adoption.returning_users", (None, 1, 2)), series("adoption.lapsed_users", (None, 5, 1))),
        (date(2026, 9, 1), date(2026, 9, 30))))
    assert fig.layout.barmode == "relative"
    bars = {t.name: t for t in fig.data}
    assert list(bars["New users"].y) == [None, 4, 0]  # a month without a value is a gap, not 0
    assert list(bars["Lapsed users"].y) == [None, -5, -1]
    assert bars["Lapsed users"].marker.color == RETENTION_COLOURS["adoption.lapsed_users"]
    assert "Lapsed users: 5" in bars["Lapsed users"].hovertext[1]  # the hover says the count, not its sign
    assert [s.name for s in fig.layout.shapes] == ["window"]
