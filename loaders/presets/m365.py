"""Microsoft 365 Copilot usage user detail -> usage (DESIGN.md §10).

One row per licensed user, with a last-activity date per app: a snapshot as of the Report Refresh
Date, not a time series. Each app whose date lies in the report period gives one usage row on
that date. Graph's CSV headers, the admin centre's labels and Graph's JSON fields are all
recognised. Graph's JSON (`{"value": [...]}`, one page of the report per file) states each user's
report period inside a list, `copilotActivityUserDetailsByPeriod[].reportPeriod`, read first.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.errors import InputError
from loaders.presets.base import Context, Preset, Reshaped, Signature, cell, stated_period, whole
from loaders.presets.source import flatten

# app -> the headers that hold its last-activity date: Graph's CSV (v1/beta/v2), the admin centre's labels,
# then Graph's JSON field where the report documents one (none is documented for the v2-only apps)
APPS: dict[str, tuple[str, ...]] = {
    "teams": ("Microsoft Teams Copilot Last Activity Date", "Last activity date of Teams Copilot (UTC)",
              "microsoftTeamsCopilotLastActivityDate"),
    "word": ("Word Copilot Last Activity Date", "Last activity date of Word Copilot (UTC)",
             "wordCopilotLastActivityDate"),
    "excel": ("Excel Copilot Last Activity Date", "Last activity date of Excel Copilot (UTC)",
              "excelCopilotLastActivityDate"),
    "powerpoint": ("PowerPoint Copilot Last Activity Date", "Last activity date of PowerPoint Copilot (UTC)",
                   "powerPointCopilotLastActivityDate"),
    "outlook": ("Outlook Copilot Last Activity Date", "Last activity date of Outlook Copilot (UTC)",
                "outlookCopilotLastActivityDate"),
    "onenote": ("OneNote Copilot Last Activity Date", "Last activity date of OneNote Copilot (UTC)",
                "oneNoteCopilotLastActivityDate"),
    "loop": ("Loop Copilot Last Activity Date", "Last activity date of Loop Copilot (UTC)",
             "loopCopilotLastActivityDate"),
    "copilot_chat": ("Copilot Chat Last Activity Date", "Last activity date of Copilot Chat (UTC)",
                     "copilotChatLastActivityDate"),
    "copilot_chat_work": ("Copilot Chat (work) Last Activity Date", "Last activity date of Copilot Chat (work) (UTC)"),
    "copilot_chat_web": ("Copilot Chat (web) Last Activity Date", "Last activity date of Copilot Chat (web) (UTC)"),
    "m365_app": ("Microsoft 365 Copilot Last Activity Date", "Last activity date of Microsoft 365 App (UTC)"),
    "edge": ("Edge Last Activity Date", "Last activity date of Microsoft Edge (UTC)"),
    "agent": ("Copilot Agent Last Activity Date", "Last activity date of any agent (UTC)"),
}
USER = ("User Principal Name", "User name", "userPrincipalName")
REFRESH = ("Report Refresh Date", "reportRefreshDate")
BY_PERIOD = "copilotActivityUserDetailsByPeriod"
# Graph's JSON, laid out as columns: `reportPeriod` is a record's period when its list states exactly one,
# STATED every period the list states
PERIOD = ("Report Period", "reportPeriod")
STATED = f"{BY_PERIOD}[].reportPeriod"
_LISTED = f"list_transform(coalesce(json_extract(j, '$.{BY_PERIOD}[*]'), []), lambda p: p ->> 'reportPeriod')"
_PERIODS = f"list_filter({_LISTED}, lambda x, i: x is not null and list_position({_LISTED}, x) = i)"  # in file order
LONGEST = 3660  # days: a report period beyond ten years is not one the report has
CONCEALED = "^[0-9a-f]{32}$"
NEXT_PAGE = """w ->> '$."@odata.nextLink"'"""


def _refuse_missing(ctx: Context) -> None:
    """Refuse a file without the columns (JSON: fields) that place its dates in time, naming them."""
    src = ctx.source
    if src.is_json:
        groups = ((USER[2], src.column(USER[2])), (REFRESH[1], src.column(REFRESH[1])),
                  (BY_PERIOD, src.column(BY_PERIOD)))
        what, how = "field", "from Microsoft Graph (getMicrosoft365CopilotUsageUserDetail), as JSON or CSV"
    else:
        groups = ((" or ".join(USER[:2]), src.column(*USER[:2])), (REFRESH[0], src.column(REFRESH[0])),
                  (PERIOD[0], src.column(PERIOD[0])))
        what, how = "column", "as CSV from Microsoft Graph (getMicrosoft365CopilotUsageUserDetail)"
    missing = [n for n, i in groups if i is None]
    if missing:
        many = len(missing) > 1
        raise InputError(
            f"{src.name}: read as Microsoft 365 Copilot usage, but the {what}{'s' if many else ''} "
            f"{' and '.join(missing)} {'are' if many else 'is'} missing. The export's last-activity dates are placed "
            f"in time by its Report Refresh Date and Report Period: export the user detail report {how}, which has "
            "both.")


def _span_words(refreshed: date, span: int | None) -> str:
    return f"{span} days to {refreshed}" if span else f"all time to {refreshed}"


def reshape(ctx: Context) -> Reshaped:
    _refuse_missing(ctx)
    json = ctx.source.is_json
    src = flatten(ctx.con, ctx.source, {PERIOD[1]: f"case when len({_PERIODS}) = 1 then {_PERIODS}[1] end",
                                        STATED: f"array_to_string({_PERIODS}, ', ')"}) if json else ctx.source
    upn, refresh, period = src.column(*USER), src.column(*REFRESH), src.column(*PERIOD)
    assert upn is not None and refresh is not None and period is not None  # else refused above
    apps = {app: i for app, names in APPS.items() if (i := src.column(*names)) is not None}
    user, day, days = cell(upn), f"try_cast(left({cell(refresh)}, 10) as date)", cell(period)
    cols = ", ".join(f"{cell(i)} as a{k}" for k, i in enumerate(apps.values())) or "null as a0"
    records = f"""records as (
        select pos, lower({user}) as who, {day} as refreshed, upper(coalesce({days}, '')) = 'ALL' as all_time,
               case when {whole(days)} between 1 and {LONGEST} then cast({whole(days)} as integer) end as span,
               {cols}
        from {src.table})"""
    per_app = " union all ".join(
        f"select pos, {k} as seq, who, refreshed, span, '{app}' as app, a{k} as v, "
        f"try_cast(left(a{k}, 10) as date) as d from records where a{k} is not null"
        for k, app in enumerate(apps)) or \
        "select pos, 0 as seq, who, refreshed, span, '' as app, null as v, null::date as d from records where false"
    in_period = "(d is null or (d <= refreshed and (span is null or d > refreshed - span)))"
    ctes = f"with {records}, dated as ({per_app})"
    rows = f"""{ctes}
        select 'm365-copilot:' || who || ':' || app || ':' || coalesce(cast(d as varchar), v) as event_id,
               coalesce(cast(d as varchar), v) as occurred_at, who as user_id,
               {ctx.mapped("m365_use_case", "app")} as use_case, '1' as interactions, pos, seq
        from dated where {in_period}"""
    # the file's own header names, for the reasons (bound as parameters: they are the file's text)
    ctx.params.update(m365_refresh=src.headers[refresh], m365_period=src.headers[period], m365_user=src.headers[upn])
    if json:
        stated = cell(src.column(STATED))
        period_problems = f"""
        select pos, '{BY_PERIOD} has no reportPeriod' as reason from {src.table} where {stated} is null
        union all
        select pos, '{BY_PERIOD} has several report periods (' || {stated} || '); one is expected'
        from {src.table} where {stated} like '%,%'
        union all
        select pos, 'reportPeriod ''' || {days} || ''' is not a number of days from 1 to {LONGEST}'
        from records join {src.table} using (pos) where {days} is not null and span is null and not all_time
        union all
        select pos, 'the record is not a JSON object' from {ctx.source.table} where json_type(j) <> 'OBJECT'"""
    else:
        period_problems = f"""
        select pos, $m365_period || ' ''' || coalesce({days}, '') || ''' is not a number of days from 1 to {LONGEST}'
        from records join {src.table} using (pos) where span is null and not all_time"""
    problems = f"""{ctes}
        select pos, $m365_refresh || ' is empty' as reason from {src.table} where {cell(refresh)} is null
        union all
        select pos, $m365_refresh || ' ''' || {cell(refresh)} || ''' is not a date (YYYY-MM-DD)' from {src.table}
        where {cell(refresh)} is not null and {day} is null
        union all
        select pos, $m365_user || ' is empty' from {src.table} where {user} is null
        union all {period_problems}"""
    notes: list[str] = []
    # a record is read when it has a user, a refresh date and a period (all time, or 1 to LONGEST days)
    readable = "who is not null and refreshed is not null and (span is not null or all_time)"
    periods = ctx.query(f"{ctes} select distinct refreshed, span from records where {readable} "
                        "order by refreshed, span")
    if periods:
        shown = "; ".join(f"{r - timedelta(days=s - 1)} to {r} ({s} days)" if s else f"up to {r} (all time)"
                          for r, s in periods)
        notes.append(f"Report period: {shown}.")
    covered, gap = (None, False) if any(s is None for _, s in periods) else stated_period(
        ctx, f"{ctes} select refreshed - span + 1 as s, refreshed as e from records where {readable}")
    if gap:
        notes.append("The report periods of this file leave days between them, so its coverage is taken from the "
                     "dates of its rows.")
    idle = ctx.query(f"{ctes} select count(distinct who) from records where {readable} and pos not in "
                     f"(select pos from dated where {in_period})")[0][0]
    if idle:
        notes.append(f"{idle} licensed user{'s' if idle != 1 else ''} had no Copilot activity in the report period "
                     f"({'; '.join(_span_words(r, s) for r, s in periods)}).")
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
    if json and ctx.query(f"select count(*) from {ctx.source.table} where {NEXT_PAGE} is not null")[0][0]:
        notes.append("This file is one page of the report (it has @odata.nextLink): import the other pages too, "
                     "each as a file of its own.")
    return Reshaped(rows, problems, notes, empty="no user used Copilot in the report period", period=covered)


PRESET = Preset(
    name="m365-copilot-usage",
    label="Microsoft 365 Copilot usage (user detail)",
    dataset="usage",
    kind="table_or_json",
    console=("Microsoft 365 admin centre → Reports → Usage → Microsoft 365 Copilot → Export, or Microsoft Graph "
             "`getMicrosoft365CopilotUsageUserDetail` as CSV (beta or v1.0, report version v1 or v2) or as JSON "
             "(`{\"value\": [...]}`; a report of several pages is several files, one per `@odata.nextLink`)."),
    signature=Signature(
        required=(USER, tuple(h for names in APPS.values() for h in names)),
        optional=(*REFRESH, PERIOD[0], BY_PERIOD, "Display Name", "Last Activity Date", "Last activity date (UTC)",
                  "Prompts submitted for all apps", "Active Usage Days for all apps"),
    ),
    fills=(
        ("event_id", "`m365-copilot:` user · app · date"),
        ("occurred_at", "each app's last-activity date that lies in the report period (Report Refresh Date − "
                        "Report Period days + 1 … Report Refresh Date; JSON: `reportRefreshDate` and "
                        "`copilotActivityUserDetailsByPeriod[].reportPeriod`)"),
        ("user_id", "User Principal Name (admin centre: User name; JSON: `userPrincipalName`), lower-cased"),
        ("use_case", "the app (teams, word, excel, powerpoint, outlook, onenote, loop, copilot_chat; v2: "
                     "copilot_chat_work, copilot_chat_web, m365_app, edge, agent) through mapping m365_use_case"),
        ("interactions", "1"),
    ),
    derives=(
        "one usage row per user and app active in the report period, on that app's last-activity date.",
        "the import covers the report period (its first to its last day), so a month in which no licensed user "
        "used Copilot is stored as 0 rows covering that month, and the report counts the licensed users with no "
        "activity.",
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
        "from Graph's JSON, the apps of report version v2 only (Copilot Chat work and web, Microsoft 365 app, Edge, "
        "agents) — their JSON fields are not documented, so the JSON gives the eight apps of version v1; export "
        "the report as CSV to read them.",
    ),
    tables=("m365_use_case",),
    reshape=reshape,
)
