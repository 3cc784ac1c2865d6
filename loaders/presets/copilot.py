"""GitHub Copilot usage metrics reports -> usage (DESIGN.md §10).

github-copilot-users: the user-level report (one record per user and active day, NDJSON, a JSON
array, or wrapped in `{"day_totals": [...]}`). github-copilot-org: the organisation or enterprise
report (`day_totals[]`, one record per day) and the legacy per-day metrics JSON (sunset 2026-04-02,
but saved files are still worth reading). Every count becomes `interactions` of one usage row.
"""

from __future__ import annotations

from datetime import date

from loaders.presets.base import Context, Preset, Reshaped, Signature, key_sql, stated_period, whole

FEATURES = "coalesce(json_extract(j, '$.totals_by_feature[*]'), [])"
# A day of the legacy usage API (/copilot/usage): flat day totals, no totals_by_feature
USAGE_DAY = ("json_type(j) = 'OBJECT' and (j ->> 'day') is not null and (j -> 'totals_by_feature') is null and "
             "((j -> 'total_suggestions_count') is not null or (j -> 'total_acceptances_count') is not null or "
             "(j -> 'total_chat_turns') is not null)")


def _count(expr: str) -> str:
    """A JSON count as text, 0 when absent; anything but a whole number stays as written (then rejected)."""
    return f"coalesce(nullif(trim({expr}), ''), '0')"


def _discarded(generated: str, accepted: str) -> str:
    """SQL: generated − accepted, never below 0, as text; a count that is not a whole number as written (then
    rejected by validation)."""
    return (f"case when {whole(generated)} is not null and {whole(accepted)} is not null "
            f"then cast(greatest({whole(generated)} - {whole(accepted)}, 0) as varchar) "
            f"when {whole(generated)} is null then {generated} else {accepted} end")


def _stated_period(ctx: Context, day: str) -> tuple[tuple[date, date] | None, list[str]]:
    """The report period the export states (`report_start_day` … `report_end_day`, on each record or on the
    report that wraps it), stretched to the days of its records; none for the legacy APIs, which state none."""
    def stated(key: str) -> str:
        return f"try_cast(coalesce(nullif(trim(j ->> '{key}'), ''), nullif(trim(w ->> '{key}'), '')) as date)"

    covered, gap = stated_period(ctx, f"""
        with st as (select {stated("report_start_day")} as s, {stated("report_end_day")} as e,
                           try_cast(left(trim({day}), 10) as date) as d
                    from {ctx.source.table} where json_type(j) = 'OBJECT')
        select s, e from st
        union all
        select d, d from st where exists (select 1 from st where s is not null and e is not null)""")
    notes = ["The report periods in this file (report_start_day to report_end_day) leave days between them, so "
             "its coverage is taken from the dates of its rows."] if gap else []
    return covered, notes


def _record_problems(src: str, who: str | None) -> str:
    """SQL (pos, reason) for records the feature rule cannot read."""
    checks = [
        ("json_type(j) <> 'OBJECT'", "the record is not a JSON object"),
        ("nullif(trim(j ->> 'day'), '') is null", "the record has no day"),
        ("json_type(j -> 'totals_by_feature') not in ('ARRAY', 'NULL')", "totals_by_feature is not a list"),
        (f"json_type(j -> 'totals_by_feature') = 'ARRAY' and list_bool_or(list_transform({FEATURES}, "
         "lambda f: json_type(f) <> 'OBJECT'))", "totals_by_feature has an entry that is not an object"),
        ("json_type(j -> 'totals_by_cli') not in ('OBJECT', 'NULL')", "totals_by_cli is not an object"),
    ]
    if who:
        checks.insert(1, (f"nullif(trim(j ->> '{who}'), '') is null", f"the record has no {who}"))
    return " union all ".join(f"select pos, '{reason}' as reason from {src} where {cond}" for cond, reason in checks)


def _feature_rows(ctx: Context, records: str, user: str, key_prefix: str) -> tuple[str, str]:
    """Usage rows of day records (`pos`, `j`, `day`, `who`, `org` in CTE `records`) by the feature rule:
    code_completion -> accepted + discarded; any other feature -> one row; totals_by_cli -> copilot_cli.
    Returns (common table expressions, the final select)."""
    feature_key = key_sql("feature")
    ctes = f"""
      feat as (
        select pos, day, who, org, unnest(fs) as f, unnest(generate_series(1, len(fs))) as k, has_cli
        from (select pos, day, who, org, {FEATURES} as fs,
                     coalesce(json_type(j -> 'totals_by_cli') = 'OBJECT', false) as has_cli from {records})),
      counts as (
        select pos, k, day, who, org, has_cli, nullif(trim(f ->> 'feature'), '') as feature,
               {_count("f ->> 'user_initiated_interaction_count'")} as uic,
               {_count("f ->> 'code_generation_activity_count'")} as gen,
               {_count("f ->> 'code_acceptance_activity_count'")} as acc
        from feat),
      out as (
        select pos, 3 * k as seq, day, who, org, feature, 'accepted' as action, acc as n
        from counts where {feature_key} = 'code_completion'
        union all
        select pos, 3 * k + 1, day, who, org, feature, 'discarded', {_discarded("gen", "acc")}
        from counts where {feature_key} = 'code_completion'
        union all
        -- a feature without user-initiated interactions (agent_edit) counts its generated code instead
        select pos, 3 * k, day, who, org, feature, null, case when {whole("uic")} = 0 then gen else uic end
        from counts where {feature_key} is distinct from 'code_completion'
          and not (has_cli and {feature_key} = 'copilot_cli')
        union all
        select pos, 1000000, day, who, org, 'copilot_cli', null, {_count("j -> 'totals_by_cli' ->> 'prompt_count'")}
        from {records} where json_type(j -> 'totals_by_cli') = 'OBJECT')"""
    select = f"""
    select {key_prefix} || ':' || day || ':' || {feature_key} || coalesce(':' || action, '') as event_id,
           day as occurred_at, {user} as user_id, {ctx.mapped("copilot_use_case", "feature")} as use_case,
           n as interactions, action as output_action, pos, seq
    from out where {whole("n")} is distinct from 0"""
    return ctes, select


def reshape_users(ctx: Context) -> Reshaped:
    src = ctx.source.table
    records = f"""with records as (
        select pos, j, trim(j ->> 'day') as day, lower(trim(j ->> 'user_login')) as who, '' as org
        from {src} where json_type(j) = 'OBJECT'),"""
    ctes, select = _feature_rows(ctx, "records", "who", "'github-copilot:' || who")
    covered, notes = _stated_period(ctx, "j ->> 'day'")
    return Reshaped(records + ctes + select, _record_problems(src, "user_login"), notes,
                    empty="no user had Copilot activity (every count is 0)", period=covered)


def _legacy_rows(ctx: Context, src: str) -> tuple[str, str]:
    """The legacy APIs, one record per day. Metrics (/copilot/metrics): completions summed over editors, models
    and languages; chats from total_chats. Usage (/copilot/usage): the day's totals of suggestions, acceptances
    and chat turns (its breakdown splits the same counts by language and editor, so it is not added)."""
    comp = "$.copilot_ide_code_completions.editors[*].models[*].languages[*]"

    def total(paths: list[str]) -> str:
        lists = " || ".join(f"coalesce(json_extract(j, '{p}'), [])" for p in paths)
        values = f"list_transform({lists}, lambda x: x ->> '$')"
        # every value a whole number: their sum; else the first that is not, as written (then rejected)
        return (f"(case when list_bool_and(list_transform({values}, lambda v: {whole('v')} is not null)) "
                f"is not false then cast(coalesce(list_sum(list_transform({values}, lambda v: {whole('v')})), 0) "
                f"as varchar) else list_filter({values}, lambda v: {whole('v')} is null)[1] end)")

    acc, sugg = total([f"{comp}.total_code_acceptances"]), total([f"{comp}.total_code_suggestions"])
    chats = total(["$.copilot_ide_chat.editors[*].models[*].total_chats",
                   "$.copilot_dotcom_chat.models[*].total_chats"])
    ctes = f"""
      legacy as (
        select pos, trim(j ->> 'date') as day, {acc} as acc, {sugg} as sugg, {chats} as chats
        from {src} where json_type(j) = 'OBJECT' and j ->> 'date' is not null and j ->> 'day' is null),
      usage_days as (
        select pos, trim(j ->> 'day') as day, {_count("j ->> 'total_acceptances_count'")} as acc,
               {_count("j ->> 'total_suggestions_count'")} as sugg, {_count("j ->> 'total_chat_turns'")} as chats
        from {src} where {USAGE_DAY}),
      legacy_days as (select * from legacy union all select * from usage_days),
      legacy_out as (
        select pos, 0 as seq, day, 'code_completion' as feature, 'accepted' as action, acc as n from legacy_days
        union all
        select pos, 1, day, 'code_completion', 'discarded', {_discarded("sugg", "acc")} from legacy_days
        union all
        select pos, 2, day, 'chat', null, chats from legacy_days)"""
    select = f"""
    select 'github-copilot-org::' || day || ':' || feature || coalesce(':' || action, '') as event_id,
           day as occurred_at, 'organisation' as user_id, {ctx.mapped("copilot_use_case", "feature")} as use_case,
           n as interactions, action as output_action, pos, seq
    from legacy_out where {whole("n")} is distinct from 0"""
    return ctes, select


def reshape_org(ctx: Context) -> Reshaped:
    src = ctx.source.table
    org = ("coalesce(nullif(trim(j ->> 'organization_id'), ''), nullif(trim(j ->> 'enterprise_id'), ''), "
           "nullif(trim(w ->> 'organization_id'), ''), nullif(trim(w ->> 'enterprise_id'), ''), '')")
    ctes, select = _feature_rows(ctx, "records", "'organisation'", "'github-copilot-org:' || org")
    legacy_ctes, legacy_select = _legacy_rows(ctx, src)
    rows = (f"""with records as (
        select pos, j, trim(j ->> 'day') as day, 'organisation' as who, {org} as org
        from {src} where json_type(j) = 'OBJECT' and j ->> 'day' is not null),"""
            + ctes + "," + legacy_ctes + select + " union all " + legacy_select)
    problems = f"""
        select pos, 'the record is not a JSON object' as reason from {src} where json_type(j) <> 'OBJECT'
        union all
        select pos, 'the record has neither day nor date' from {src}
        where json_type(j) = 'OBJECT' and nullif(trim(j ->> 'day'), '') is null
          and nullif(trim(j ->> 'date'), '') is null
        union all
        select * from ({_record_problems(src, None)}) where reason not in ('the record has no day',
            'the record is not a JSON object') and pos in (select pos from {src} where j ->> 'day' is not null)"""
    covered, notes = _stated_period(ctx, "coalesce(j ->> 'day', j ->> 'date')")
    return Reshaped(rows, problems, notes, empty="the report has no Copilot activity (every count is 0)",
                    period=covered)


USERS = Preset(
    name="github-copilot-users",
    label="GitHub Copilot user-level usage report",
    dataset="usage",
    kind="json",
    console=("GitHub's Copilot usage metrics API: `GET /orgs/{org}/copilot/metrics/reports/users-28-day/latest` "
             "(or `users-1-day`, or the same under `/enterprises/{enterprise}`), then the file behind its "
             "download links — NDJSON, a JSON array, or an object wrapping the records in `day_totals`."),
    signature=Signature(
        required=(("user_login",), ("day",), ("totals_by_feature", "totals_by_ide",
                                               "user_initiated_interaction_count")),
        optional=("totals_by_cli", "used_chat", "used_agent", "used_cli", "code_generation_activity_count",
                  "code_acceptance_activity_count", "loc_added_sum", "report_start_day", "report_end_day"),
    ),
    fills=(
        ("event_id", "`github-copilot:` user · day · feature · action"),
        ("occurred_at", "`day`"),
        ("user_id", "`user_login` (lower-cased)"),
        ("use_case", "`totals_by_feature[].feature` through mapping copilot_use_case; `copilot_cli` for "
                     "`totals_by_cli`"),
        ("interactions", "code_completion: `code_acceptance_activity_count` (accepted) and "
                         "`code_generation_activity_count` − `code_acceptance_activity_count` (discarded, never "
                         "below 0); other features: `user_initiated_interaction_count`, or "
                         "`code_generation_activity_count` when that is 0; `totals_by_cli.prompt_count`"),
        ("output_action", "`accepted` / `discarded` for code_completion, empty for other features"),
    ),
    derives=(
        "code_completion gives two rows, accepted and discarded, so Copilot's acceptance rate is "
        "quality.acceptance_rate.",
        "event_id is a stable key (user, day, feature, action): a later report covering the same days replaces "
        "these rows instead of adding to them.",
        "rows of 0 interactions are not written; copilot_cli is counted once, from totals_by_cli, when a record "
        "also lists it as a feature.",
        "the import covers the report's `report_start_day` to `report_end_day` (and every day it has a record "
        "of), so a report in which nobody used Copilot is stored as 0 rows covering its days.",
    ),
    cannot=(
        "review outcomes — quality metrics other than the acceptance rate need a review log.",
        "minutes saved — value metrics use the plan's default_minutes_saved per use case.",
        "cost — Copilot spend comes from GitHub's billing reports.",
        "e-mail addresses — user_login is a GitHub handle, so it joins the roster and training records only "
        "where they use the same handles.",
        "lines of code and the per-IDE, per-language and per-model splits (not stored).",
    ),
    tables=("copilot_use_case",),
    reshape=reshape_users,
)

ORG = Preset(
    name="github-copilot-org",
    label="GitHub Copilot organisation usage report",
    dataset="usage",
    user_level=False,
    kind="json",
    console=("GitHub's Copilot usage metrics API: `GET /orgs/{org}/copilot/metrics/reports/organization-28-day/"
             "latest` (or `enterprise-28-day` under `/enterprises/{enterprise}`), then the file behind its download "
             "links (`day_totals[]`); or a file saved from the legacy `GET /orgs/{org}/copilot/metrics` or "
             "`GET /orgs/{org}/copilot/usage` API."),
    signature=Signature(
        required=(("day", "date"), ("totals_by_feature", "daily_active_users", "copilot_ide_code_completions",
                                    "copilot_ide_chat", "copilot_dotcom_chat", "total_engaged_users",
                                    "total_suggestions_count", "total_acceptances_count", "total_chat_turns")),
        optional=("day_totals", "organization_id", "enterprise_id", "weekly_active_users", "monthly_active_users",
                  "pull_requests", "total_active_users", "code_generation_activity_count", "report_start_day",
                  "report_end_day", "breakdown", "total_active_chat_users"),
        excluded=("user_login",),
    ),
    fills=(
        ("event_id", "`github-copilot-org:` organisation id · day · feature · action"),
        ("occurred_at", "`day` of each `day_totals` entry (legacy metrics: `date`; legacy usage: `day`)"),
        ("user_id", "`organisation` on every row"),
        ("use_case", "`totals_by_feature[].feature` through mapping copilot_use_case; `copilot_cli` for "
                     "`totals_by_cli`; legacy: `code_completion` and `chat`"),
        ("interactions", "as github-copilot-users; legacy metrics: `total_code_acceptances` (accepted) and "
                         "`total_code_suggestions` − `total_code_acceptances` (discarded, never below 0) summed "
                         "over editors, models and languages, and `total_chats` of IDE and github.com chat; legacy "
                         "usage: the day's `total_acceptances_count` (accepted), `total_suggestions_count` − "
                         "`total_acceptances_count` (discarded, never below 0) and `total_chat_turns` (chat)"),
        ("output_action", "`accepted` / `discarded` for code completion, empty otherwise"),
    ),
    derives=(
        "the feature rule of github-copilot-users, applied to each day of the report.",
        "event_id is a stable key (organisation, day, feature, action): overlapping 28-day reports replace rows "
        "instead of adding to them. Legacy files carry no organisation id, and the legacy metrics and usage "
        "files of the same day share keys: loading both keeps the later one, not their sum.",
        "legacy usage: each day's totals, not its `breakdown[]` by language and editor, which splits the same "
        "counts (adding it would count them twice).",
        "the import covers the report's `report_start_day` to `report_end_day` where the file states them (the "
        "legacy files do not: they cover the whole months of their days).",
    ),
    cannot=(
        "user-level metrics — every row's user is `organisation`, so active users, activation, heavy-user "
        "share, unauthorised use and training coverage cannot come from this export (load the "
        "github-copilot-users report for those).",
        "review outcomes — quality metrics other than the acceptance rate need a review log.",
        "minutes saved and cost.",
    ),
    tables=("copilot_use_case",),
    reshape=reshape_org,
)
