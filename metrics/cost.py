"""Cost: did costs stay reasonable and within budget? (DESIGN.md §3)

Cash cost is the cost lines of every month the window touches (a month counts whole); labour
cost prices the window's review, rework and ticket-handling minutes at the plan's hourly rate; idle
seat cost prices the seats idle on the window's end date at the plan's seat price (per seat and
month). Amounts are in the plan's currency. Returns {metric id: MetricValue}.
"""

from __future__ import annotations

from core.calendar import month_spans
from metrics import scope
from metrics.facts import WindowFacts
from metrics.measure import amount, quotient
from metrics.model import MetricContext, MetricValue, Window


def months_touched(window: Window) -> int:
    """Calendar months the window touches (March 10 – April 9 touches 2)."""
    return len(month_spans(window.start, window.end))


def compute(ctx: MetricContext, window: Window, f: WindowFacts) -> dict[str, MetricValue]:
    """Every cost metric for `window`. The budget is the monthly budget of the stage in force on
    the window's end date times the months the window touches; no stage or no budget gives null. Idle
    seats cost one month of the seat price each; a plan without a seat price gives null."""
    cash = f.cash
    labour_minutes = f.reviews.review_minutes + f.reviews.rework_minutes + f.tickets.handling_minutes
    labour = labour_minutes / 60 * ctx.hourly_rate
    total = cash + labour
    users = f.usage.active_users
    stage = scope.stage_on(ctx, window.end)
    budget = None if stage is None or stage.monthly_budget is None else stage.monthly_budget * months_touched(window)
    values = [
        amount("cost.cash_cost", cash),
        amount("cost.labour_cost", labour),
        amount("cost.total_cost", total),
        quotient("cost.cost_per_active_user", total, users, n=users),
        quotient("cost.value_to_cost_ratio", f.usage.saved_minutes / 60 * ctx.hourly_rate, total),
        quotient("cost.budget_utilisation", cash, budget),
        amount("cost.idle_seat_cost", None if ctx.seat_price is None else f.seats.idle * ctx.seat_price),
    ]
    return {v.id: v for v in values}
