"""Which rows of each dataset a window and its filters select (DESIGN.md §3), in one place.

Each function returns the body of a named CTE (lowercase SQL with `$` parameters, see
metrics.query.window_params). The time rule: a row is in the window when the UTC date of its
time column lies in [start, end], written `col >= $start and col < $stop` so DuckDB can skip
whole row groups. The filter links:

| dataset   | department filter                          | use-case filter   |
|-----------|--------------------------------------------|-------------------|
| usage     | user's roster department                   | `use_case`        |
| reviews   | department of the usage row of `event_id`  | `use_case`        |
| support   | user's roster department                   | not filtered      |
| feedback  | user's roster department                   | `use_case`        |
| costs     | `department`                               | `use_case`        |
| incidents | not filtered                               | `use_case`        |
| roster    | `department`                               | not filtered      |

Where a filter applies, rows whose link is empty or unknown are left out (an inner join or an
equality that null never satisfies). The text only varies by which fixed fragments are joined;
filter values are always bound.
"""

from __future__ import annotations

from metrics.model import Window

# The table above as data, for the pages that say which datasets a filter leaves alone: dataset →
# (the department filter applies, the use-case filter applies). Training goes with the roster.
FILTER_LINKS: dict[str, tuple[bool, bool]] = {
    "usage": (True, True), "reviews": (True, True), "support": (True, False), "feedback": (True, True),
    "costs": (True, True), "incidents": (False, True), "roster": (True, False), "training": (True, False),
}


def in_window(column: str, start: str = "$start", stop: str = "$stop") -> str:
    """`column` (a UTC timestamp) falls on a day of the window: [start, stop) where stop is the day
    after the end (SQL expressions; the window's parameters unless a month's columns are given)."""
    return f"{column} >= cast({start} as timestamp) and {column} < cast({stop} as timestamp)"


# A usage row names a person unless its ingestion was an organisation's totals (DESIGN.md §3 "Per-user rows").
PEOPLE = "u.ingestion_id not in (select id from ingestions where not coalesce(user_level, true))"


def usage_rows(window: Window, roster: bool = True, people_only: bool = False, start: str | None = "$start",
               stop: str = "$stop") -> str:
    """Usage events in the window. Grain: one row per usage event; `day` is its UTC date, `people`
    whether it names a person (PEOPLE).

    With `roster`, each row carries its user's roster row (department, access dates; null when
    the user is not in the roster). Without it the roster is only joined when a department
    filter needs it, which keeps per-user counts cheap. With `people_only`, only the rows that
    name a person (the per-user counts). `start` and `stop` bound the days (SQL expressions, the
    window's own by default); `start` None reads every day before `stop` (a user's history)."""
    columns = ("u.user_id, u.use_case, u.interactions, u.output_action, u.minutes_saved, "
               f"cast(u.occurred_at as date) as day, {PEOPLE} as people")
    when = (in_window("u.occurred_at", start, stop) if start is not None
            else f"u.occurred_at < cast({stop} as timestamp)")
    if roster:
        sql = f"""
        select {columns}, r.department, r.access_granted_on, r.access_revoked_on
        from usage u
        left join roster r on r.user_id = u.user_id
        where {when}"""
    elif window.department is not None:
        sql = f"""
        select {columns} from usage u join roster r on r.user_id = u.user_id
        where {when}"""
    else:
        sql = f"select {columns} from usage u where {when}"
    if window.department is not None:
        sql += " and r.department = $department"
    if window.use_case is not None:
        sql += " and u.use_case = $use_case"
    if people_only:
        sql += f" and {PEOPLE}"
    return sql


def review_rows(window: Window) -> str:
    """Reviews made in the window. Grain: one row per review. With a department filter a review
    counts only when its `event_id` names a usage event of a user of that department."""
    sql = f"select r.* from reviews r where {in_window('r.reviewed_at')}"
    if window.department is not None:
        sql = f"""
            select r.* from reviews r
            join usage u on u.event_id = r.event_id
            join roster ro on ro.user_id = u.user_id
            where {in_window('r.reviewed_at')} and ro.department = $department"""
    if window.use_case is not None:
        sql += " and r.use_case = $use_case"
    return sql


def ticket_rows(window: Window) -> str:
    """Support tickets of any date (each metric places them in time itself); never filtered by use
    case. Grain: one row per ticket."""
    if window.department is None:
        return "select s.* from support s"
    return """
        select s.* from support s
        join roster ro on ro.user_id = s.user_id
        where ro.department = $department"""


def feedback_rows(window: Window) -> str:
    """Feedback submitted in the window. Grain: one row per response."""
    sql = f"select f.* from feedback f where {in_window('f.submitted_at')}"
    if window.department is not None:
        sql = f"""
            select f.* from feedback f
            join roster ro on ro.user_id = f.user_id
            where {in_window('f.submitted_at')} and ro.department = $department"""
    if window.use_case is not None:
        sql += " and f.use_case = $use_case"
    return sql


def cost_rows(window: Window) -> str:
    """Cost lines whose month overlaps the window (`month` is stored as its first day, and a month
    counts whole). Grain: one row per cost line."""
    sql = "select c.* from costs c where c.month >= date_trunc('month', $start) and c.month <= $end"
    if window.department is not None:
        sql += " and c.department = $department"
    if window.use_case is not None:
        sql += " and c.use_case = $use_case"
    return sql


def incident_rows(window: Window) -> str:
    """Incidents of any date (each metric places them in time itself); never filtered by
    department. Grain: one row per incident."""
    sql = "select i.* from incidents i"
    if window.use_case is not None:
        sql += " where i.use_case = $use_case"
    return sql


def roster_rows(window: Window) -> str:
    """Roster rows; never filtered by use case. Grain: one row per user."""
    sql = "select r.* from roster r"
    if window.department is not None:
        sql += " where r.department = $department"
    return sql
