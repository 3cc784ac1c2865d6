"""ServiceNow incident list export -> incidents (DESIGN.md §10).

CSV headers are field names (number, opened_at, …); XLSX exports use labels (Number, Opened, …):
both are recognised. Values are display values: `1 - Critical`, `In Progress`, dates in the
exporting user's format. The default encoding is Windows-1252, which the reader falls back to.
"""

from __future__ import annotations

from loaders.presets.base import Context, Preset, Reshaped, Signature, cell


def reshape(ctx: Context) -> Reshaped:
    src = ctx.source
    number, opened, priority, state = ctx.require(("number",), ("opened_at", "Opened"), ("priority",), ("state",))
    resolved, short, category = (src.column(*names) for names in (("resolved_at", "Resolved"),
                                                                  ("short_description",), ("category",)))
    rows = f"""
        select {cell(number)} as incident_id, {cell(opened)} as reported_at, {cell(resolved)} as resolved_at,
               {cell(short)} as description,
               {ctx.mapped("servicenow_severity", cell(priority))} as severity,
               {ctx.mapped("servicenow_status", cell(state))} as status,
               {ctx.mapped("servicenow_category", cell(category)) if category is not None else "'other'"} as category,
               pos, 0 as seq
        from {src.table}"""
    notes = []
    if category is not None and (note := ctx.unmapped_note("servicenow_category", cell(category))):
        notes.append(note)
    for table, i in (("servicenow_severity", priority), ("servicenow_status", state)):
        if note := ctx.unmapped_note(table, cell(i)):
            notes.append(note)
    return Reshaped(rows, None, notes)


PRESET = Preset(
    name="servicenow-incidents",
    label="ServiceNow incident list",
    dataset="incidents",
    kind="table",
    console="ServiceNow → Incident → a list view → right-click a column header → Export → CSV (or Excel).",
    signature=Signature(
        required=(("number",), ("opened_at", "Opened"), ("priority",), ("state",)),
        optional=("short_description", "category", "resolved_at", "closed_at", "caller_id", "assignment_group",
                  "assigned_to", "impact", "urgency", "subcategory", "business_stc", "calendar_stc"),
    ),
    fills=(
        ("incident_id", "number"),
        ("reported_at", "opened_at (Excel: Opened)"),
        ("category", "category through mapping servicenow_category (`other` when it has no entry)"),
        ("severity", "priority through mapping servicenow_severity: 1 - Critical → critical, 2 - High → high, "
                     "3 - Moderate → medium, 4 - Low and 5 - Planning → low"),
        ("description", "short_description"),
        ("status", "state through mapping servicenow_status: New, In Progress, On Hold → open; Resolved, Closed, "
                   "Canceled → resolved"),
        ("resolved_at", "resolved_at (Excel: Resolved)"),
    ),
    derives=(
        "times are read as UTC: display values are in the exporting user's time zone, so export as a UTC user "
        "(or raw values) for exact times.",
        "a priority or state with no entry in its mapping is kept as written, so the row is rejected naming it; "
        "add an entry to accept it.",
    ),
    cannot=(
        "which incidents concern the AI tool — export a list filtered to it (category, configuration item or "
        "assignment group).",
        "use case, people affected, whether the output was used, escalation and correction — incidents carry "
        "them only from a canonical incidents file.",
    ),
    tables=("servicenow_severity", "servicenow_status", "servicenow_category"),
    reshape=reshape,
)
