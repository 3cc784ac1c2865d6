"""Microsoft 365 Copilot usage user detail -> usage (DESIGN.md §10).

One row per licensed user, with a last-activity date per app: a snapshot as of the Report Refresh
Date, not a time series. Each app whose date lies in the report period gives one usage row on
that date. Graph's CSV headers and the admin centre's labels are both recognised.
"""

from __future__ import annotations

from datetime import timedelta

from loaders.errors import InputError
from loaders.presets.base import Context, Preset, Reshaped, Signature, cell, whole

# app -> the headers that hold its last-activity date (Graph v1/beta/v2, then the admin centre's labels)
APPS: dict[str, tuple[str, ...]] = {
    "teams": ("Microsoft Teams Copilot Last Activity Date", "Last activity date of Teams Copilot (UTC)"),
    "word": ("Word Copilot Last Activity Date", "Last activity date of Word Copilot (UTC)"),
    "excel": ("Excel Copilot Last Activity Date", "Last activity date of Excel Copilot (UTC)"),
    "powerpoint": ("PowerPoint Copilot Last Activity Date", "Last activity date of PowerPoint Copilot (UTC)"),
    "outlook": ("Outlook Copilot Last Activity Date", "Last activity date of Outlook Copilot (UTC)"),
    "onenote": ("OneNote Copilot Last Activity Date", "Last activity date of OneNote Copilot (UTC)"),
    "loop": ("Loop Copilot Last Activity Date", "Last activity date of Loop Copilot (UTC)"),
    "copilot_chat": ("Copilot Chat Last Activity Date", "Last activity date of Copilot Chat (UTC)"),
    "copilot_chat_work": ("Copilot Chat (work) Last Activity Date", "Last activity date of Copilot Chat (work) (UTC)"),
    "copilot_chat_web": ("Copilot Chat (web) Last Activity Date", "Last activity date of Copilot Chat (web) (UTC)"),
    "m365_app": ("Microsoft 365 Copilot Last Activity Date", "Last activity date of Microsoft 365 App (UTC)"),
    "edge": ("Edge Last Activity Date", "Last activity date of Microsoft Edge (UTC)"),
    "agent": ("Copilot Agent Last Activity Date", "Last activity date of any agent (UTC)"),
}
USER = ("User Principal Name", "User name")
REFRESH, PERIOD = "Report Refresh Date", "Report Period"
CONCEALED = "^[0-9a-f]{32}$"


def reshape(ctx: Context) -> Reshaped:
    src = ctx.source
    upn, refresh, period = src.column(*USER), src.column(REFRESH), src.column(PERIOD)
    missing = [n for n, i in ((" or ".join(USER), upn), (REFRESH, refresh), (PERIOD, period)) if i is None]
    if missing:
        many = len(missing) > 1
        raise InputError(
            f"{src.name}: read as Microsoft 365 Copilot usage, but the column{'s' if many else ''} "
            f"{' and '.join(missing)} {'are' if many else 'is'} missing. The export's last-activity dates are placed "
            "in time by its Report Refresh Date and Report Period: export the user detail report as CSV from "
            "Microsoft Graph (getMicrosoft365CopilotUsageUserDetail), which has both.")
    apps = {app: i for app, names in APPS.items() if (i := src.column(*names)) is not None}
    user, day, days = cell(upn), f"try_cast(left({cell(refresh)}, 10) as date)", cell(period)
    cols = ", ".join(f"{cell(i)} as a{k}" for k, i in enumerate(apps.values())) or "null as a0"
    records = f"""records as (
        select pos, lower({user}) as who, {day} as refreshed,
               case when upper({days}) = 'ALL' then null else {whole(days)} end as span, {cols}
        from {src.table})"""
    per_app = " union all ".join(
        f"select pos, {k} as seq, who, refreshed, span, '{app}' as app, a{k} as v, "
        f"try_cast(left(a{k}, 10) as date) as d from records where a{k} is not null"
        for k, app in enumerate(apps)) or \
        "select pos, 0 as seq, who, refreshed, span, '' as app, null as v, null::date as d from records where false"
    in_period = "(d is null or (d <= refreshed and (span is null or d > refreshed - cast(span as integer))))"
    ctes = f"with {records}, dated as ({per_app})"
    rows = f"""{ctes}
        select 'm365-copilot:' || who || ':' || app || ':' || coalesce(cast(d as varchar), v) as event_id,
               coalesce(cast(d as varchar), v) as occurred_at, who as user_id,
               {ctx.mapped("m365_use_case", "app")} as use_case, '1' as interactions, pos, seq
        from dated where {in_period}"""
    problems = f"""
        select pos, 'Report Refresh Date is empty' as reason from {src.table} where {cell(refresh)} is null
        union all
        select pos, 'Report Refresh Date ''' || {cell(refresh)} || ''' is not a date (YYYY-MM-DD)' from {src.table}
        where {cell(refresh)} is not null and {day} is null
        union all
        select pos, 'Report Period ''' || coalesce({days}, '') || ''' is not a number of days' from {src.table}
        where upper(coalesce({days}, '')) <> 'ALL' and ({whole(days)} is null or {whole(days)} < 1)
        union all
        select pos, '{' or '.join(USER)} is empty' from {src.table} where {user} is null"""
    notes: list[str] = []
    periods = ctx.query(f"{ctes} select distinct refreshed, span from records where refreshed is not null "
                        "order by refreshed, span")
    if periods:
        shown = "; ".join(f"{r - timedelta(days=s - 1)} to {r} ({s} days)" if s else f"up to {r} (all time)"
                          for r, s in periods if s is None or s >= 1)
        notes.append(f"Report period: {shown}.")
    outside = ctx.query(f"{ctes} select count(*) from dated where d is not null and not {in_period}")[0][0]
    if outside:
        were = "dates fell" if outside != 1 else "date fell"
        notes.append(f"{outside} app last-activity {were} outside the report period and "
                     f"{'were' if outside != 1 else 'was'} left out (the export keeps the last date however old it "
                     "is).")
    hidden = ctx.query(f"{ctes} select count(distinct who) from records where regexp_matches(who, '{CONCEALED}')")[0][0]
    if hidden:
        notes.append(f"Warning: {hidden} user{'s have concealed names' if hidden != 1 else ' has a concealed name'} "
                     "(32 hex digits). "
                     "They are kept as identifiers, but they cannot be joined to the roster or training records; "
                     "to export real names, turn off the concealed-names setting (Microsoft 365 admin centre → "
                     "Settings → Org settings → Reports).")
    return Reshaped(rows, problems, notes, empty="no user used Copilot in the report period")


PRESET = Preset(
    name="m365-copilot-usage",
    label="Microsoft 365 Copilot usage (user detail)",
    dataset="usage",
    kind="table",
    console=("Microsoft 365 admin centre → Reports → Usage → Microsoft 365 Copilot → Export, or Microsoft Graph "
             "`getMicrosoft365CopilotUsageUserDetail` as CSV (beta or v1.0, report version v1 or v2)."),
    signature=Signature(
        required=(USER, tuple(h for names in APPS.values() for h in names)),
        optional=(REFRESH, PERIOD, "Display Name", "Last Activity Date", "Last activity date (UTC)",
                  "Prompts submitted for all apps", "Active Usage Days for all apps"),
    ),
    fills=(
        ("event_id", "`m365-copilot:` user · app · date"),
        ("occurred_at", "each app's last-activity date that lies in the report period (Report Refresh Date − "
                        "Report Period days + 1 … Report Refresh Date)"),
        ("user_id", "User Principal Name (admin centre: User name), lower-cased"),
        ("use_case", "the app (teams, word, excel, powerpoint, outlook, onenote, loop, copilot_chat; v2: "
                     "copilot_chat_work, copilot_chat_web, m365_app, edge, agent) through mapping m365_use_case"),
        ("interactions", "1"),
    ),
    derives=(
        "one usage row per user and app active in the report period, on that app's last-activity date.",
        "event_id is a stable key (user, app, date): the next month's report replaces the rows of dates it "
        "repeats instead of adding to them.",
    ),
    cannot=(
        "per-app counts — the export has one last-activity date per app, so each active app counts as one "
        "interaction on that date, and earlier activity in the period is not seen (v2 prompt counts are for "
        "all apps together and are not stored).",
        "output actions and review outcomes — quality metrics need a review log.",
        "minutes saved and cost.",
        "unlicensed Copilot Chat use — the report lists licensed users only.",
    ),
    tables=("m365_use_case",),
    reshape=reshape,
)
