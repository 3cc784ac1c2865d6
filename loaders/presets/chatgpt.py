"""ChatGPT Enterprise workspace analytics, Users export -> usage (DESIGN.md §10).

One row per user and period (weekly or monthly) with a message count. Cells such as
`model_to_messages` hold Python-style mappings (`{'gpt-4o': 25}`): they are rewritten to JSON text
and parsed as data by DuckDB's JSON reader, never evaluated.
"""

from __future__ import annotations

from loaders.presets.base import Context, Preset, Reshaped, Signature, cell, stated_period, whole
from loaders.validate import sql_text

# Python-literal text -> JSON text: single-quoted strings become double-quoted; True/False/None in a
# value position become true/false/null. Anything else is left for the JSON reader to refuse.
_QUOTED = (r"""'([^'"\\]*)'""", r'"\1"')
_WORDS = tuple((rf"([:\[,]\s*){word}\b", rf"\1{json_word}")
               for word, json_word in (("True", "true"), ("False", "false"), ("None", "null")))
# user_status of a seat invited but not yet joined: its messages cell is empty
PENDING = ("pending", "invited")
BREAKDOWNS = (("model_to_messages", "model"), ("gpt_to_messages", "GPT"), ("tool_to_messages", "tool"),
              ("project_to_messages", "project"))


def json_text(expr: str) -> str:
    """SQL: a Python-style dict or list cell as JSON text (a data rewrite, not an evaluation)."""
    out = expr
    for pattern, replacement in (_QUOTED, *_WORDS):
        out = f"regexp_replace({out}, {sql_text(pattern)}, {sql_text(replacement)}, 'g')"
    return out


def parsed_counts(expr: str) -> str:
    """SQL: a `{'name': count}` cell as MAP(VARCHAR, DOUBLE), null when it does not read as one."""
    text = json_text(expr)
    return f"(case when json_valid({text}) then try_cast(json({text}) as MAP(VARCHAR, DOUBLE)) end)"


def reshape(ctx: Context) -> Reshaped:
    src = ctx.source
    email, start, end, messages, status, active, first_day = (
        cell(src.column(n)) for n in ("email", "period_start", "period_end", "messages", "user_status", "is_active",
                                      "first_day_active_in_period"))
    # An empty messages cell is a seat that sent none (a pending invitation has no count at all), unless the
    # row itself says the user was active in the period: then the count is missing, not zero.
    was_active = f"({whole(active)} = 1 or {first_day} is not null)"
    ctx.params["chatgpt_pending"] = list(PENDING)
    pending = f"coalesce(list_contains($chatgpt_pending, lower({status})), false)"
    idle = f"({whole(messages)} = 0 or ({messages} is null and not coalesce({was_active}, false)))"
    rows = f"""
        select 'chatgpt:' || lower(coalesce({email}, '')) || ':' || coalesce({start}, '') || ':' ||
               coalesce({end}, '') as event_id,
               {start} as occurred_at, {email} as user_id,
               {ctx.mapped("chatgpt_use_case", "'chatgpt'")} as use_case, {messages} as interactions, pos, 0 as seq
        from {src.table} where {messages} is not null and {whole(messages)} is distinct from 0"""
    problems = (f"select pos, 'messages is empty, but the row says the user was active in the period "
                f"(is_active, first_day_active_in_period); export the report again' as reason from {src.table} "
                f"where {messages} is null and coalesce({was_active}, false)")
    notes: list[str] = []
    inactive, invited = ctx.query(f"select count(*), count(*) filter (where {pending}) from {src.table} "
                                  f"where {idle}")[0]
    if inactive:
        many = inactive != 1
        among = ("" if not invited else " (a pending invitation)" if not many else
                 f" ({invited} of them {'pending invitations' if invited != 1 else 'a pending invitation'})")
        notes.append(f"{inactive} seat{'s' if many else ''} sent no message in {'their' if many else 'its'} period"
                     f"{among}: counted as inactive seat{'s' if many else ''}, not stored.")
    covered, gap = stated_period(ctx, f"select try_cast({start} as date) as s, try_cast({end} as date) as e "
                                      f"from {src.table}")
    if gap:
        notes.append("The periods of this export (period_start to period_end) leave days between them, so its "
                     "coverage is taken from the dates of its rows.")
    for column, noun in BREAKDOWNS:
        i = src.column(column)
        if i is None:
            continue
        m = parsed_counts(cell(i))
        top = ctx.query(f"select e.key, sum(e.value) as n from (select unnest(map_entries({m})) as e from "
                        f"{src.table} where {whole(messages)} > 0) where e.value is not null group by e.key "
                        "order by n desc, e.key limit 6")
        if top:
            shown = ", ".join(f"{k} {n:g}" for k, n in top[:5]) + (", …" if len(top) > 5 else "")
            notes.append(f"Messages by {noun} ({column}, read as data, not stored): {shown}.")
        bad = ctx.query(f"select pos from {src.table} where {cell(i)} is not null and {m} is null order by pos")
        if bad:
            lines = ", ".join(str(int(src.lines[int(p)])) for (p,) in bad[:10]) + ("…" if len(bad) > 10 else "")
            notes.append(f"{len(bad)} {column} cell{'s' if len(bad) != 1 else ''} could not be read as a mapping of "
                         f"names to counts (line{'s' if len(bad) != 1 else ''} {lines}); "
                         f"{'they are' if len(bad) != 1 else 'it is'} not needed for the usage rows.")
    return Reshaped(rows, problems, notes, empty="no seat sent a message in the period", period=covered)


PRESET = Preset(
    name="chatgpt-enterprise-users",
    label="ChatGPT Enterprise user analytics",
    dataset="usage",
    kind="table",
    console="ChatGPT Enterprise or Edu → Workspace settings → Analytics → Users → Export (CSV, weekly or monthly).",
    signature=Signature(
        required=(("email",), ("period_start",), ("messages",)),
        optional=("cadence", "period_end", "public_id", "account_id", "user_role", "user_status", "is_active",
                  "model_to_messages", "gpt_messages", "tool_messages", "last_day_active"),
    ),
    fills=(
        ("event_id", "`chatgpt:` email · period_start · period_end"),
        ("occurred_at", "`period_start`"),
        ("user_id", "`email` (lower-cased)"),
        ("use_case", "`chatgpt` through mapping chatgpt_use_case"),
        ("interactions", "`messages`"),
    ),
    derives=(
        "one usage row per user and period with messages > 0, dated at the start of the period; seats with 0 "
        "messages, or none written (a pending invitation), are counted in the report as inactive seats, not "
        "stored. An empty messages cell on a row that says the user was active (is_active 1, or a "
        "first_day_active_in_period) is rejected: the count is missing, not zero.",
        "the import covers its periods, the first period_start to the last period_end, so an export in which no "
        "seat sent a message is stored as 0 rows covering its period.",
        "event_id is a stable key (user, period): a re-export of the same period replaces these rows.",
    ),
    cannot=(
        "the day of each message — a weekly or monthly row is dated on its period_start, so a week that "
        "straddles two months counts in the month it starts. Load one cadence only: weekly and monthly rows "
        "of the same weeks would count twice.",
        "use cases within ChatGPT — GPT, tool and project breakdowns are summarised in the report, not stored.",
        "output actions and review outcomes — quality metrics need a review log.",
        "minutes saved and cost.",
    ),
    tables=("chatgpt_use_case",),
    reshape=reshape,
)
