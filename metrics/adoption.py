"""Adoption: did the right, trained people use it, within the approved use cases? (DESIGN.md §3)

Usage-based metrics come from the window's one usage pass; who had access and who completed the
training come from the roster and training exports (both in metrics.facts). Active users are
counted whether or not they are in the roster. Seats, activity cohorts and retention look back from
the window's end date (metrics.seats, DESIGN.md §12). Returns {metric id: MetricValue}.
"""

from __future__ import annotations

from metrics import scope
from metrics.facts import WindowFacts
from metrics.measure import amount, proportion, quotient
from metrics.model import MetricContext, MetricValue, Window


def compute(ctx: MetricContext, window: Window, f: WindowFacts) -> dict[str, MetricValue]:
    """Every adoption metric for `window`. Training completion is null when no stage is in force
    on the end date; a stage that requires no module gives 1."""
    u, a, s = f.usage, f.access, f.seats
    stage = scope.stage_on(ctx, window.end)
    training = (proportion("adoption.training_completion_rate", a.trained, a.with_access) if stage
                else MetricValue("adoption.training_completion_rate", None, a.with_access))
    values = [
        amount("adoption.users_with_access", a.with_access),
        amount("adoption.active_users", u.active_users),
        proportion("adoption.activation_rate", u.activated, a.with_access),
        amount("adoption.interactions", u.interactions),
        # per person, and the access and scope tests: only the uses that name people
        quotient("adoption.interactions_per_active_user", u.people_interactions, u.active_users, n=u.active_users),
        quotient("adoption.heavy_user_share", u.heavy, u.people_interactions, n=u.people_interactions),
        proportion("adoption.scope_drift_share", u.out_of_scope, u.people_interactions),
        training,
        amount("adoption.untrained_active_users", u.untrained),
        # as of the window's end date
        amount("adoption.idle_seats", s.idle),
        amount("adoption.daily_users", s.daily),
        amount("adoption.weekly_users", s.weekly),
        amount("adoption.occasional_users", s.occasional),
        amount("adoption.new_users", s.new),
        amount("adoption.retained_users", s.retained),
        amount("adoption.returning_users", s.returning),
        amount("adoption.lapsed_users", s.lapsed),
    ]
    return {v.id: v for v in values}
