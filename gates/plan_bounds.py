"""The plan's bounds (DESIGN.md §4 "Plan bounds"): every number finite and in a sensible range, a share's
limits between 0 and 1 (any other limit within ±10^12), a warn level on the passing side of its threshold,
at most 50 stages, 200 gates in a stage and 100 triggers, no text over 1,000 characters.

Both the plan model (gates/plan.py) and the whole-plan checks (gates/plan_cross.py) hold a plan to
these, so they sit below either.
"""

from __future__ import annotations

from metrics.registry import REGISTRY

MAX_TEXT = 1_000
MAX_STAGES = 50
MAX_GATES = 200
MAX_TRIGGERS = 100
MAX_SAMPLE = 1_000_000
MAX_WINDOW_DAYS = 366
MAX_DURATION_DAYS = 3_660
MAX_HOURLY_RATE = 10_000
MAX_MONTHLY_BUDGET = 1_000_000_000
# The privacy floor (DESIGN.md §11): groups of fewer people than this are hidden; beyond a thousand nothing but
# a whole organisation could be shown.
MAX_PRIVACY_GROUP = 1_000
# A seat's price per month (cost.idle_seat_cost) and the people a stage expects (the expansion forecast).
MAX_SEAT_PRICE = 1_000_000
MAX_EXPECTED_USERS = 10_000_000
# As a usage row's own minutes_saved (DESIGN.md §2): a use saves at most a day.
MAX_DEFAULT_MINUTES = 1_440
# A gate's or trigger's level on a metric that is not a share: beyond it no window's data can reach, and
# charts and reports could not draw it.
MAX_LIMIT = 1_000_000_000_000
# The passing side of a gate's threshold, and the word for its other side.
WRONG_SIDE: dict[str, tuple[str, str]] = {"<=": ("above", "__gt__"), ">=": ("below", "__lt__")}


def number_text(x: float) -> str:
    """A number as a person wrote it: 0.1, 1.5, 10,000, 1,000,000,000,000 — no float noise."""
    if float(x).is_integer() and abs(x) < 1e16:
        return f"{int(x):,}"
    return f"{x:,.10g}"


def limit_problem(metric: object, value: float) -> str | None:
    """Why `value` cannot be a limit (threshold, warn level, trigger value) of `metric`, or None: a share's
    limits lie between 0 and 1, any other metric's within ±MAX_LIMIT."""
    if isinstance(metric, str) and metric in REGISTRY and REGISTRY[metric].share and not 0 <= value <= 1:
        return (f"{number_text(value)} is not between 0 and 1, and {metric!r} is a share: write its limits as a "
                "fraction (10% is 0.1)")
    if abs(value) > MAX_LIMIT:
        return f"should be between {number_text(-MAX_LIMIT)} and {number_text(MAX_LIMIT)}, not {number_text(value)}"
    return None


def warn_side_problem(op: object, threshold: object, warn: float) -> str | None:
    """Why `warn` cannot be the warn level of a gate `op threshold` (it must not lie beyond it), or None."""
    if op not in WRONG_SIDE or not isinstance(threshold, int | float):
        return None
    side, beyond = WRONG_SIDE[str(op)]
    if not getattr(warn, beyond)(threshold):
        return None
    return (f"{number_text(warn)} is {side} the threshold {number_text(threshold)}; with {op!r} the warn level must "
            f"not be {side} the threshold (it warns before the gate fails)")
