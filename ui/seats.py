"""The Adoption page's seats section (DESIGN.md §12): on the window's last day, the funnel from access to daily
use; month by month, who came, stayed, came back and left; and the idle seats to reclaim, under the plan's
privacy floor.

Numbers are the engine's records — the window's metrics, every month's metrics, and the seats of
metrics.seats — through the Session's cached calls; this module arranges them into chart records (ui.charts)
and a table, and decides nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core.csv_export import safe_csv
from metrics import privacy, seats
from metrics.format import day_label, escape_md, value_text
from metrics.model import MetricValue
from ui import session
from ui.charts import Funnel, Point, Retention, funnel_figure, retention_figure
from ui.session import Session

CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
NEVER = "never"
IDLE_OPEN = "idle_seats_open"  # the state of the idle-seat list's expander
LIST_COLUMNS = {"user_id": "Person", "department": "Department", "last_active": "Last active",
                "days_idle": "Days idle"}


def retention_record(s: Session, monthly: Mapping[str, Mapping[str, MetricValue]]) -> Retention:
    """The retention metrics month by month over all loaded months, with the sidebar's window."""
    assert s.window is not None
    months = s.extent.months
    return Retention(tuple((m, tuple(Point.of(k, monthly[k][m]) for k in months)) for m in seats.RETENTION),
                     (s.window.start, s.window.end))


# The same record always gives the same figure (ui.family does the same for its charts).
@functools.lru_cache(maxsize=256)
def _funnel_chart(funnel: Funnel) -> go.Figure:
    return funnel_figure(funnel)


@functools.lru_cache(maxsize=256)
def _retention_chart(retention: Retention) -> go.Figure:
    return retention_figure(retention)


def idle_rows(listed: pl.DataFrame) -> list[dict[str, object]]:
    """The idle-seat list as rows for the table and the download: the last active date as YYYY-MM-DD, or
    "never"."""
    return [{**row, "last_active": row["last_active"].isoformat() if row["last_active"] else NEVER}
            for row in listed.to_dicts()]


def _idle_list(s: Session, values: Mapping[str, MetricValue]) -> None:
    plan, window = s.plan, s.window
    assert plan is not None and window is not None
    idle, cost = values["adoption.idle_seats"], values["cost.idle_seat_cost"]
    if idle.value is None:
        st.caption(escape_md(f"No list: {idle.missing or 'no data'}."))
        return
    price = (f"at the plan's seat price they cost {value_text(cost.id, cost.value, plan.currency)} a month"
             if cost.value is not None else "the plan sets no seat price, so their cost is not known")
    st.caption(escape_md(f"People with access on {day_label(window.end)} who did not use the tool in the "
                         f"{seats.IDLE_DAYS} days up to it, most idle first; {price}."))
    listed = seats.idle_list(s.seat_holders(window))  # each person's last use: read when the list is opened
    people = privacy.people_named(listed)
    minimum = plan.privacy_min_group
    if minimum and people is not None and 0 < people < minimum:
        st.caption(f":material/visibility_off: The list names {escape_md(privacy.hidden_text(minimum))}, so it is "
                   f"not shown: the plan keeps groups this small private (privacy_min_group = {minimum}).")
        return
    if listed.height == 0:
        st.caption("No idle seat: everyone with access used the tool in those days.")
        return
    rows = idle_rows(listed)
    st.dataframe(pl.DataFrame(rows, schema=dict.fromkeys(LIST_COLUMNS, pl.String) | {"days_idle": pl.Int64}),
                 hide_index=True, width="stretch", key="idle_seats_table",
                 column_config=dict(LIST_COLUMNS))
    st.download_button("Download idle seats (CSV)", safe_csv(rows, list(LIST_COLUMNS)),
                       file_name=f"rollgate-idle-seats-{window.end}.csv", mime="text/csv", key="idle_seats_csv",
                       icon=":material/download:", on_click="ignore")


def render() -> None:
    """The seats section of the Adoption page, for the sidebar's window."""
    s = session.get()
    window = s.window
    assert s.plan is not None and window is not None
    st.subheader("Seats and retention")
    st.caption(escape_md(f"As of the window's last day, {day_label(window.end)}: the seats, and how often their "
                         f"holders used the tool in the {seats.COHORT_DAYS} days up to it. Retention compares each "
                         "calendar month with the one before."))
    values = s.values(window)
    steps = seats.funnel(values, s.seat_count(window))
    left, right = st.columns(2)
    with left:
        if all(step.people is None for step in steps):
            missing = values["adoption.daily_users"].missing or "no data"
            st.caption(escape_md(f"No seat funnel: {missing}."))
        else:
            st.plotly_chart(_funnel_chart(Funnel(window.end, steps)), key="seats_funnel", config=CHART_CONFIG)
        st.caption(escape_md(" · ".join(f"{step.label}: {step.meaning}" for step in steps)))
    with right:
        with st.spinner("Computing every month…", show_time=True):
            monthly = s.monthly()
        st.plotly_chart(_retention_chart(retention_record(s, monthly)), key="seats_retention", config=CHART_CONFIG)
        st.caption("New: first use ever that month · Retained: used it that month and the month before · "
                   "Returning: back after a month or more without · Lapsed (below the line): used it the month "
                   "before, not that month. A gap is a month whose usage export, or the month before's, is missing.")
    idle = values["adoption.idle_seats"].value
    label = "Idle seats to reclaim" + (f": {idle:,.0f}" if idle is not None else "")
    listing = st.expander(label, key=IDLE_OPEN, on_change="rerun", icon=":material/event_seat:")
    with listing:
        if listing.open:  # the list reads every holder's last use, so only when someone opens it
            _idle_list(s, values)
