"""Jira issue-navigator CSV export -> support (DESIGN.md §10).

One row per issue. Multi-value fields are repeated columns (Labels, Labels, …): every Labels column
is read, none lost. Dates are in the exporting user's format, usually `11/May/24 03:26 PM`.
"""

from __future__ import annotations

from loaders.presets.base import Context, Preset, Reshaped, Signature, cell, jira_timestamp, plain_number

# An issue key (OPS-412): the project key, a hyphen, the issue's number. It reads the same in every language.
ISSUE_KEY = r"[A-Z][A-Z0-9_]+-[0-9]+"


def other_language(name: str, key_column: str, example: str, repeated: list[str]) -> str:
    """The refusal of a Jira export whose headers are in a language the preset does not read: what it is,
    and the two ways to import it."""
    shown = " and ".join(repr(h) for h in repeated[:3])
    return (
        f"{name}: this looks like a Jira export in a language the jira-issues preset does not read: column "
        f"{key_column!r} holds issue keys ({example}, …), and {shown} {'repeat' if len(repeated) > 1 else 'repeats'} "
        "as Jira writes a field of several values (one column per value), so the repeated names are not the "
        "problem. Export it again with the language in your Jira profile set to English, which the preset reads; "
        "or map its columns onto the support dataset yourself (it needs ticket_id, opened_at and category): on "
        f"the command line --map \"{key_column}=ticket_id\" --map \"<its created date>=opened_at\" "
        "--map \"<its summary>=topic\" --map \"<its issue type>=category\", or with the column mapping on the "
        "Upload page.")


def reshape(ctx: Context) -> Reshaped:
    src = ctx.source
    key, created = ctx.require(("Issue key",), ("Created",))
    issue_type, status, summary, reporter, resolved, spent = (
        src.column(n) for n in ("Issue Type", "Status", "Summary", "Reporter", "Resolved", "Time Spent"))
    labels = src.columns("Labels")
    # The first label with an entry wins, then the issue type's entry, else other.
    choices = [ctx.lookup("jira_category", cell(i)) for i in labels]
    if issue_type is not None:
        choices.append(ctx.lookup("jira_category", cell(issue_type)))
    category = "coalesce(" + ", ".join([*choices, "'other'"]) + ")"
    seconds = f"try_cast({plain_number(cell(spent))} as double)"
    minutes = f"coalesce(cast({seconds} / 60 as varchar), {cell(spent)})"
    rows = f"""
        select {cell(key)} as ticket_id, {jira_timestamp(cell(created))} as opened_at,
               {jira_timestamp(cell(resolved))} as closed_at, {cell(status)} as status, {cell(summary)} as topic,
               {cell(reporter)} as user_id, {minutes} as handling_minutes, {category} as category, pos, 0 as seq
        from {src.table}"""
    notes = []
    if len(labels) > 1:
        notes.append(f"Labels were read from all {len(labels)} Labels columns.")
    if issue_type is not None:
        unmatched = ctx.query(
            f"select {cell(issue_type)} as v, count(*) from {src.table} where {category} = 'other' and "
            f"{cell(issue_type)} is not null and {ctx.lookup('jira_category', cell(issue_type))} is null "
            "group by v order by 2 desc, v limit 11")
        if unmatched:
            shown = ", ".join(f"{v} ({n})" for v, n in unmatched[:10]) + (", …" if len(unmatched) > 10 else "")
            notes.append(f"Issue types read as other (no entry in mapping jira_category for them or their labels): "
                         f"{shown}.")
    return Reshaped(rows, None, notes)


PRESET = Preset(
    name="jira-issues",
    label="Jira issue export",
    dataset="support",
    kind="table",
    console=("Jira → Filters → Search work items (issue navigator) → Export → Export CSV (all fields or current "
             "fields)."),
    signature=Signature(
        required=(("Issue key",), ("Issue Type",), ("Created",), ("Summary",)),
        optional=("Issue id", "Status", "Priority", "Resolution", "Reporter", "Assignee", "Resolved", "Updated",
                  "Labels", "Time Spent", "Project key"),
    ),
    fills=(
        ("ticket_id", "Issue key"),
        ("opened_at", "Created"),
        ("category", "every Labels column, then Issue Type, through mapping jira_category (`other` when none "
                     "has an entry)"),
        ("user_id", "Reporter (lower-cased)"),
        ("closed_at", "Resolved"),
        ("status", "Status"),
        ("topic", "Summary"),
        ("handling_minutes", "Time Spent (seconds) / 60, where present"),
    ),
    derives=(
        "dates written `dd/Mon/yy hh:mm AM` are read as such, in UTC (Jira writes no zone; the exporting "
        "user's profile time zone applies). ISO dates and settled slash dates are read too.",
        "category: the first label with an entry in jira_category, else the issue type's entry, else other.",
    ),
    cannot=(
        "e-mail addresses — Reporter is a display name, so tickets join the roster (support per department, "
        "tickets per user) only where it uses the same names.",
        "which tickets concern the AI tool — export only the tool's project or a filter for it.",
        "handling time beyond logged work — Time Spent is what people logged.",
        "column names in another language — the preset reads the English names Jira writes when your Jira "
        "language is English; an export in another language is refused, saying how to import it.",
    ),
    tables=("jira_category",),
    reshape=reshape,
)
