"""The metrics of DESIGN.md §3 written again in pandas, for the benchmark's comparison only.

An independent second implementation (no SQL, no code shared with metrics/ beyond the plan's
MetricContext): the benchmark times it beside DuckDB and checks that both give the same values
for every metric. It handles a window without department or use-case filters, which is what the
benchmark measures, and takes every usage row to name a person (the benchmark's exports all do;
its Parquet files do not say which ingestion a row came from). The seat, cohort and retention
metrics (DESIGN.md §12) read `history`: the user and time of every usage row up to the end of the
calendar month holding the window's end. Vectorised throughout; Python loops run over stages,
never over rows.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from metrics.model import MetricContext

Frames = dict[str, pd.DataFrame]
KEPT = ["accepted", "edited"]


DATE_COLUMNS = {"roster": ("access_granted_on", "access_revoked_on"), "training": ("completed_on",),
                "costs": ("month",)}


def with_datetimes(frames: Frames) -> Frames:
    """The frames with their date columns as datetime64 (Parquet dates arrive as Python dates)."""
    out = dict(frames)
    for name, columns in DATE_COLUMNS.items():
        out[name] = frames[name].assign(**{c: pd.to_datetime(frames[name][c]) for c in columns})
    return out


def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def _div(a: float, b: float) -> float | None:
    return None if not b else a / b


def _stage_index(ctx: MetricContext, days: pd.Series) -> np.ndarray:
    """Index into ctx.stages of the stage in force on each day; -1 before the first stage."""
    starts = np.array([np.datetime64(s.starts_on, "ns") for s in ctx.stages], dtype="datetime64[ns]")
    return np.searchsorted(starts, days.to_numpy(dtype="datetime64[ns]"), side="right") - 1


def _access(granted: pd.Series, revoked: pd.Series, days: pd.Series) -> pd.Series:
    """Active access on each day (a missing roster row has no granted date, so no access)."""
    return (granted <= days) & (revoked.isna() | (days < revoked))


def compute(t: Frames, ctx: MetricContext, start: date, end: date) -> dict[str, float | None]:
    """Every metric value for [start, end], no filters: {metric id: value}."""
    lo, stop = _ts(start), _ts(end + timedelta(days=1))
    rate = ctx.hourly_rate
    out: dict[str, float | None] = {}

    # usage, judged row by row
    u = t["usage"]
    u = u[(u["occurred_at"] >= lo) & (u["occurred_at"] < stop)]
    day = u["occurred_at"].dt.normalize()
    roster = t["roster"].set_index("user_id")
    joined = roster.reindex(u["user_id"].to_numpy())
    granted = pd.Series(joined["access_granted_on"].to_numpy(), index=u.index)
    revoked = pd.Series(joined["access_revoked_on"].to_numpy(), index=u.index)
    department = pd.Series(joined["department"].to_numpy(), index=u.index)
    inter = u["interactions"]
    access = _access(granted, revoked, day)
    stage = _stage_index(ctx, day)
    in_scope = np.zeros(len(u), dtype=bool)
    for i, s in enumerate(ctx.stages):
        dept_ok = np.ones(len(u), dtype=bool) if s.all_departments else department.isin(s.departments).to_numpy()
        in_scope |= (stage == i) & dept_ok & u["use_case"].isin(s.approved_use_cases).to_numpy()
    in_scope &= access.to_numpy()
    action = u["output_action"]
    kept = action.isin(KEPT)
    counts_value = kept | action.isna()
    minutes = u["minutes_saved"].fillna(u["use_case"].map(dict(ctx.default_minutes))).fillna(0.0)

    interactions = int(inter.sum())
    per_user = pd.DataFrame({"user_id": u["user_id"], "n": inter, "day": day}).groupby("user_id").agg(
        n=("n", "sum"), first_day=("day", "min"))
    active = len(per_user)
    gross = float((inter * minutes)[counts_value].sum()) / 60
    top = per_user["n"].sort_values(ascending=False).head((active + 9) // 10).sum()

    # reviews and tickets
    r = t["reviews"]
    r = r[(r["reviewed_at"] >= lo) & (r["reviewed_at"] < stop)]
    reviews = len(r)
    review_min, rework_min = float(r["review_minutes"].fillna(0).sum()), float(r["rework_minutes"].fillna(0).sum())
    s_all = t["support"]
    opened = s_all[(s_all["opened_at"] >= lo) & (s_all["opened_at"] < stop)]
    closed = s_all[(s_all["closed_at"] >= lo) & (s_all["closed_at"] < stop)]
    handling = float(opened["handling_minutes"].fillna(0).sum())

    out["quality.reviewed_outputs"] = reviews
    out["quality.error_rate"] = _div(r["outcome"].isin(["corrected", "rejected"]).sum(), reviews)
    out["quality.severe_error_rate"] = _div(r["error_severity"].isin(["major", "critical"]).sum(), reviews)
    out["quality.rejection_rate"] = _div((r["outcome"] == "rejected").sum(), reviews)
    out["quality.rework_minutes_per_review"] = _div(rework_min, reviews)
    out["quality.acceptance_rate"] = _div(float(inter[kept].sum()), float(inter[action.notna()].sum()))

    net = gross - review_min / 60 - rework_min / 60
    out["value.gross_hours_saved"] = gross
    out["value.review_hours"] = review_min / 60
    out["value.rework_hours"] = rework_min / 60
    out["value.net_hours_saved"] = net
    out["value.net_hours_per_active_user"] = _div(net, active)
    out["value.net_value"] = net * rate

    c = t["costs"]
    cash = float(c[(c["month"] >= _ts(start.replace(day=1))) & (c["month"] <= _ts(end))]["amount"].sum())
    labour = (review_min + rework_min + handling) / 60 * rate
    end_stage = ctx.stage_on(end)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    budget = None if end_stage is None or end_stage.monthly_budget is None else end_stage.monthly_budget * months
    out["cost.cash_cost"] = cash
    out["cost.labour_cost"] = labour
    out["cost.total_cost"] = cash + labour
    out["cost.cost_per_active_user"] = _div(cash + labour, active)
    out["cost.value_to_cost_ratio"] = _div(gross * rate, cash + labour)
    out["cost.budget_utilisation"] = _div(cash, budget or 0)

    i = t["incidents"]
    in_window = (i["reported_at"] >= lo) & (i["reported_at"] < stop)
    high = i["severity"].isin(["high", "critical"])
    out["risk.incidents"] = int(in_window.sum())
    out["risk.high_severity_incidents"] = int((in_window & high).sum())
    out["risk.data_exposure_incidents"] = int((in_window & i["category"].isin(["data_exposure", "privacy"])).sum())
    out["risk.complaints"] = int((in_window & (i["category"] == "complaint")).sum())
    out["risk.incident_rate_per_1k"] = _div(int(in_window.sum()) * 1000, interactions)
    out["risk.open_high_severity"] = int((high & (i["reported_at"] < stop)
                                          & (i["resolved_at"].isna() | (i["resolved_at"] >= stop))).sum())
    out["risk.unauthorised_use_share"] = _div(float(inter[~access].sum()), interactions)

    ro = t["roster"]
    with_access = ro[(ro["access_granted_on"] <= _ts(end))
                     & (ro["access_revoked_on"].isna()
                        | (ro["access_revoked_on"] > np.maximum(ro["access_granted_on"], _ts(start))))]["user_id"]
    out["adoption.users_with_access"] = len(with_access)
    out["adoption.active_users"] = active
    out["adoption.activation_rate"] = _div(int(with_access.isin(per_user.index).sum()), len(with_access))
    out["adoption.interactions"] = interactions
    out["adoption.interactions_per_active_user"] = _div(interactions, active)
    out["adoption.heavy_user_share"] = _div(float(top), interactions)
    out["adoption.scope_drift_share"] = _div(float(inter[~in_scope].sum()), interactions)
    tr = t["training"]
    if end_stage is None:
        out["adoption.training_completion_rate"] = None
    else:
        required = set(end_stage.required_training)
        done = tr[(tr["completed_on"] <= _ts(end)) & tr["module"].isin(required)].groupby("user_id")["module"].nunique()
        trained = with_access.map(done).fillna(0) >= len(required)
        out["adoption.training_completion_rate"] = _div(int(trained.sum()), len(with_access))
    # untrained: (user, module) pairs each active user needed on their first day, left-joined to training
    first = per_user.reset_index()
    first["stage"] = _stage_index(ctx, first["first_day"])
    modules = pd.DataFrame([(k, m) for k, s in enumerate(ctx.stages) for m in set(s.required_training)],
                           columns=["stage", "module"])
    needed = first.merge(modules, on="stage")
    needed = needed.merge(tr[["user_id", "module", "completed_on"]], on=["user_id", "module"], how="left")
    missing = needed["completed_on"].isna() | (needed["completed_on"] > needed["first_day"])
    out["adoption.untrained_active_users"] = int(needed.loc[missing, "user_id"].nunique())

    tickets = len(opened)
    topics = opened["topic"].dropna().str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    topic_counts = topics[topics != ""].value_counts()
    hours = (closed["closed_at"] - closed["opened_at"]).dt.total_seconds() / 3600
    f = t["feedback"]
    f = f[(f["submitted_at"] >= lo) & (f["submitted_at"] < stop)]
    out["support.tickets"] = tickets
    out["support.tickets_per_100_users"] = _div(tickets * 100, active)
    out["support.confusion_share"] = _div(
        int(opened["category"].isin(["how_to", "allowed_use", "data_rules", "review"]).sum()), tickets)
    out["support.median_resolution_hours"] = float(hours.median()) if len(hours) else None
    out["support.open_tickets"] = int(((s_all["opened_at"] < stop)
                                       & (s_all["closed_at"].isna() | (s_all["closed_at"] >= stop))).sum())
    out["support.repeated_topics"] = int((topic_counts >= 3).sum())
    out["support.satisfaction"] = float(f["satisfaction"].mean()) if len(f) else None
    if "history" in t:
        out.update(seats(t["history"], ro, ctx, end))
    return out


def seats(history: pd.DataFrame, roster: pd.DataFrame, ctx: MetricContext, end: date) -> dict[str, float | None]:
    """Idle seats and their cost, activity cohorts and retention as of `end` (DESIGN.md §12), from `history`
    (user_id, occurred_at of every usage row up to the end of `end`'s month) and the roster."""
    day = history["occurred_at"].dt.normalize()
    users = history["user_id"]
    e = _ts(end)
    holders = roster[(roster["access_granted_on"] <= e)
                     & (roster["access_revoked_on"].isna() | (e < roster["access_revoked_on"]))]["user_id"]
    recent = set(users[(day >= e - pd.Timedelta(days=29)) & (day <= e)])
    in_28 = (day >= e - pd.Timedelta(days=27)) & (day <= e)
    active_days = pd.DataFrame({"user_id": users[in_28], "day": day[in_28]}).drop_duplicates().groupby(
        "user_id").size()
    counts = holders.map(active_days).fillna(0)
    idle = int((~holders.isin(recent)).sum())
    m_start = _ts(end.replace(day=1))
    m1_start, m_stop = m_start - pd.DateOffset(months=1), m_start + pd.DateOffset(months=1)
    in_m = set(users[(day >= m_start) & (day < m_stop)])
    in_m1 = set(users[(day >= m1_start) & (day < m_start)])
    earlier = set(users[day < m1_start])
    return {
        "adoption.idle_seats": idle,
        "cost.idle_seat_cost": None if ctx.seat_price is None else idle * ctx.seat_price,
        "adoption.daily_users": int((counts >= 15).sum()),
        "adoption.weekly_users": int(counts.between(4, 14).sum()),
        "adoption.occasional_users": int(counts.between(1, 3).sum()),
        "adoption.new_users": len(in_m - in_m1 - earlier),
        "adoption.retained_users": len(in_m & in_m1),
        "adoption.returning_users": len((in_m - in_m1) & earlier),
        "adoption.lapsed_users": len(in_m1 - in_m),
    }
