"""Moodle course completion report -> training (DESIGN.md §10).

A wide file, one row per user: for each activity a status column and a `<activity> - Completion
date` column, then `Course complete`. Older Moodle heads the status column with the activity name,
newer ones with `<activity> - <section>`; either way it is the column just before the date.
The "Excel" download is UTF-16, which the reader transcodes.
"""

from __future__ import annotations

from loaders.presets.base import Context, Preset, Reshaped, Signature, cell, day_first_date
from loaders.schema import normalise_header

DATE_SUFFIX = " - Completion date"


def activities(headers: list[str]) -> list[tuple[str, int, int]]:
    """(activity name, status column, date column) for every activity criterion of the report."""
    found = []
    for i, h in enumerate(headers):
        name = h.strip()[: -len(DATE_SUFFIX)].strip() if normalise_header(h).endswith("_completion_date") else ""
        if name and i > 0:
            before = normalise_header(headers[i - 1])
            if before == normalise_header(name) or before.startswith(normalise_header(name) + "_"):
                found.append((name, i - 1, i))
    return found


def reshape(ctx: Context) -> Reshaped:
    src = ctx.source
    (email,) = ctx.require(("Email address", "Email"))
    acts = activities(src.headers)
    status = [(k, f"lower({cell(s)})") for k, (_, s, _) in enumerate(acts)]
    completed = "({v} like 'completed%' and {v} not like 'completed (did not achieve pass grade)%')"
    known = "({v} like 'completed%' or {v} = 'not completed')"
    parts, problems = [], []
    for k, (name, s, d) in enumerate(acts):
        ctx.params[f"act{k}"] = name
        v = dict(status)[k]
        parts.append(f"select pos, {k} as seq, {cell(email)} as user_id, "
                     f"{ctx.mapped('moodle_module', f'$act{k}')} as module, "
                     f"{day_first_date(cell(d))} as completed_on from {src.table} where {completed.format(v=v)}")
        problems.append(f"select pos, 'activity ''' || $act{k} || ''': status ''' || {cell(s)} || ''' is not a "
                        f"Moodle completion status (Completed…, Not completed)' as reason from {src.table} "
                        f"where {cell(s)} is not null and not {known.format(v=v)}")
    rows = " union all ".join(parts) or \
        f"select pos, 0 as seq, null as user_id, null as module, null as completed_on from {src.table} where false"
    used_columns = {email, *(c for _, s, d in acts for c in (s, d))}
    other = [h for i, h in enumerate(src.headers)
             if i not in used_columns and normalise_header(h) not in ("id", "name", "course_complete") and h.strip()]
    notes = [f"Activities read: {', '.join(name for name, _, _ in acts)}." if acts else
             "The report has no activity columns (`<activity> - Completion date`); nothing to read."]
    if other:
        notes.append("Not modules (other criteria or identity fields), not read: " + ", ".join(repr(h) for h in other)
                     + ".")
    return Reshaped(rows, " union all ".join(problems) or None, notes,
                    empty="no user has completed an activity of this course")


PRESET = Preset(
    name="moodle-completion",
    label="Moodle course completion report",
    dataset="training",
    kind="table",
    console="Moodle → the course → Reports → Course completion → Download in CSV (or Excel-compatible, UTF-16) "
            "format.",
    signature=Signature(
        required=(("Email address", "Email"), ("* - Completion date",), ("Course complete",)),
        optional=("ID", "Name"),
    ),
    fills=(
        ("user_id", "Email address (lower-cased)"),
        ("module", "each activity's name (lower-cased), through mapping moodle_module"),
        ("completed_on", "that activity's `- Completion date` (`dd/mm/yy, HH:MM`, day first)"),
    ),
    derives=(
        "one row per user and activity whose status starts with Completed; `Completed (did not achieve pass "
        "grade)` is not a completion, `Completed (set by …)` is.",
        "Course complete and the course's other criteria are not modules and are not read.",
    ),
    cannot=(
        "scores — the completion report has no grades.",
        "localised reports — statuses must read Completed / Not completed (a site in another language is "
        "rejected row by row, naming the status).",
        "users without an e-mail address — the site must show Email address among the identity fields.",
    ),
    tables=("moodle_module",),
    reshape=reshape,
)
