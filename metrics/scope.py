"""The scope rules of DESIGN.md §3, in one place: the stage on a date, active access, in scope.

- Stage on a date: the plan stage whose `starts_on` is the latest on or before that date;
  before the first stage there is none.
- Access is active on day d when the user has a roster row, `access_granted_on <= d`, and
  (`access_revoked_on` is empty or `d < access_revoked_on`); a user absent from the roster has
  no access on any day.
- A usage row is in scope when, on its UTC date, a stage is in force, its user has active
  access, the user's department is in that stage's departments (or the stage lists `*`), and
  its use case is in the stage's approved use cases.

The stages reach SQL as one bound parameter, `$stages`, a list of structs (never as text); the
SQL helpers below return expressions over given table aliases.
"""

from __future__ import annotations

from datetime import date

from metrics.model import MetricContext, StageScope

STAGE_TYPE = ("struct(id varchar, starts_on date, departments varchar[], approved_use_cases varchar[], "
              "required_training varchar[], monthly_budget double)[]")

# The plan's stages as a table, then the stage in force on each day of the window (null columns
# before the first stage). Rows join `stage_days` on their day: an equality join on a table of
# a few dozen rows, far cheaper than a range join against millions of usage rows.
STAGES_CTE = f"stages as (select unnest(cast($stages as {STAGE_TYPE}), recursive := true))"
STAGE_DAYS_CTE = """stage_days as (
            select cast(d as date) as day, s.*
            from range(cast($start as timestamp), cast($stop as timestamp), interval 1 day) t(d)
            asof left join stages s on cast(d as date) >= s.starts_on
        )"""


def stage_params(ctx: MetricContext) -> dict[str, object]:
    """`$stages` for STAGES_CTE: one struct per stage, in plan order."""
    return {"stages": [
        {"id": s.id, "starts_on": s.starts_on, "departments": list(s.departments),
         "approved_use_cases": list(s.approved_use_cases), "required_training": list(s.required_training),
         "monthly_budget": s.monthly_budget}
        for s in ctx.stages
    ]}


def stage_on(ctx: MetricContext, day: date) -> StageScope | None:
    """The stage in force on `day`, or None before the first stage."""
    return ctx.stage_on(day)


def has_access(roster: str, day: str) -> str:
    """SQL: the user of roster row `roster` (null columns when absent) had access on `day`."""
    return (f"coalesce({roster}.access_granted_on <= {day} and "
            f"({roster}.access_revoked_on is null or {day} < {roster}.access_revoked_on), false)")


def access_during_window(roster: str, start: str = "$start", end: str = "$end") -> str:
    """SQL: roster row `roster` gives active access on at least one day of [start, end] (the
    window's parameters unless a month's columns are given), i.e. some day d with
    max(granted, start) <= d <= end and d < revoked."""
    return (f"({roster}.access_granted_on <= {end} and ({roster}.access_revoked_on is null or "
            f"{roster}.access_revoked_on > greatest({roster}.access_granted_on, {start})))")


def in_scope(stage: str, access: str, department: str, use_case: str) -> str:
    """SQL: a use of `use_case` by a user of roster `department`, whose access that day is `access`
    (a boolean expression, e.g. has_access), under the stage row `stage` in force that day (null
    columns when none), is in scope: a stage is in force, the user has access, the department is in
    the stage's departments (or the stage lists `*`) and the use case is approved."""
    return (f"coalesce({stage}.id is not null and {access} and "
            f"(list_contains({stage}.departments, '*') or list_contains({stage}.departments, {department})) "
            f"and list_contains({stage}.approved_use_cases, {use_case}), false)")
