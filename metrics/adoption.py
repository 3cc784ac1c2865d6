"""Adoption: did the right, trained people use it, within the approved use cases? (DESIGN.md §3)

Usage-based metrics come from the window's one usage pass (metrics.facts); who had access and
who completed the training come from the roster and training exports. Active users are counted
whether or not they are in the roster. Returns {metric id: MetricValue}.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from metrics import filters, scope
from metrics.facts import Facts
from metrics.model import MetricContext, MetricValue, Window
from metrics.query import fetch_one, window_params
from metrics.values import amount, proportion, quotient


@dataclass(frozen=True)
class AccessFacts:
    """Roster users with access on some day of the window, and how many of them had completed,
    by the end, every module required by the stage in force on the end date."""

    with_access: int
    trained: int


def access_facts(con: duckdb.DuckDBPyConnection, window: Window, required: tuple[str, ...]) -> AccessFacts:
    """Grain roster user → one row of counts. `required` is the module list to check."""
    sql = f"""
        with
        access_users as (
            select r.user_id from ({filters.roster_rows(window)}) r where {scope.access_during_window("r")}
        ),
        completed as (
            select t.user_id, count(distinct t.module) as modules
            from training t
            where t.completed_on <= $end and list_contains(cast($modules as varchar[]), t.module)
            group by t.user_id
        )
        select count(*) as with_access,
               count(*) filter (where coalesce(c.modules, 0) >= $module_count) as trained
        from access_users a
        left join completed c on c.user_id = a.user_id"""
    modules = sorted(set(required))
    params = {**window_params(window), "modules": modules, "module_count": len(modules)}
    return AccessFacts(**fetch_one(con, sql, params))


def compute(con: duckdb.DuckDBPyConnection, ctx: MetricContext, window: Window,
            facts: Facts | None = None) -> dict[str, MetricValue]:
    """Every adoption metric for `window`. Training completion is null when no stage is in force
    on the end date; a stage that requires no module gives 1."""
    f = facts or Facts(con, ctx, window)
    u = f.usage
    stage = scope.stage_on(ctx, window.end)
    a = access_facts(con, window, stage.required_training if stage else ())
    training = (proportion("adoption.training_completion_rate", a.trained, a.with_access) if stage
                else MetricValue("adoption.training_completion_rate", None, a.with_access))
    values = [
        amount("adoption.users_with_access", a.with_access),
        amount("adoption.active_users", u.active_users),
        proportion("adoption.activation_rate", u.activated, a.with_access),
        amount("adoption.interactions", u.interactions),
        quotient("adoption.interactions_per_active_user", u.interactions, u.active_users, n=u.active_users),
        quotient("adoption.heavy_user_share", u.heavy, u.interactions, n=u.interactions),
        proportion("adoption.scope_drift_share", u.out_of_scope, u.interactions),
        training,
        amount("adoption.untrained_active_users", u.untrained),
    ]
    return {v.id: v for v in values}
