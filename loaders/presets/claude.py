"""Claude Team/Enterprise spend report -> costs (DESIGN.md §10).

Each row is one person × product × model, summed over the range chosen in the console: the file
has no date, so the month is the period the user gives (`--period YYYY-MM`).
"""

from __future__ import annotations

from core.errors import InputError
from loaders.period import parse_period
from loaders.presets.base import Context, Preset, Reshaped, Signature, cell, plain_number

EMAIL = ("user_email", "email", "account_email")
NET = ("total_net_spend_usd", "net_spend_usd")
GROSS = ("total_gross_spend_usd", "gross_spend_usd")


def reshape(ctx: Context) -> Reshaped:
    src = ctx.source
    if not ctx.period:
        raise InputError(f"{src.name}: a Claude spend report has no dates (each row sums the range chosen in the "
                         "console), so its month must be given: --period YYYY-MM (or the period on Upload).")
    period = parse_period(ctx.period, f"{src.name}: the period")
    if (period.first.year, period.first.month) != (period.last.year, period.last.month):
        # the spend of several months in one file cannot be told apart month by month
        raise InputError(f"{src.name}: the period {ctx.period.strip()!r} is not one month, but a Claude spend report "
                         "is read as one month's spend: export each month's report and give its month, e.g. "
                         "--period 2026-04.")
    ctx.params["period"] = f"{period.first:%Y-%m}"
    email, product, model = cell(src.column(*EMAIL)), cell(src.column("product")), cell(src.column("model"))
    net, gross = cell(src.column(*NET)), cell(src.column(*GROSS))
    rows = f"""
        select 'claude-spend:' || $period || ':' || lower(coalesce({email}, '')) || ':' ||
               coalesce({product}, '') || ':' || coalesce({model}, '') as line_id,
               $period as month, 'usage' as category, {plain_number(f"coalesce({net}, {gross})")} as amount,
               'USD' as currency, concat_ws(' · ', {email}, {product}, {model}) as description, pos, 0 as seq
        from {src.table}"""
    total = ctx.query(f"select sum(try_cast({plain_number(f'coalesce({net}, {gross})')} as double)) "
                      f"from {src.table}")[0][0]
    notes = [f"Month {ctx.period.strip()}, as given; total spend {total:,.2f} USD."] if total is not None else []
    return Reshaped(rows, None, notes)


PRESET = Preset(
    name="claude-spend",
    label="Claude spend report",
    dataset="costs",
    kind="table",
    console="Claude.ai (Team or Enterprise) → Settings → Analytics → Spend → Export Spend Report (CSV).",
    signature=Signature(
        required=(EMAIL, (*NET, *GROSS)),
        optional=("product", "model", "model_family", "account_uuid", "total_requests", "total_prompt_tokens",
                  "total_completion_tokens"),
    ),
    fills=(
        ("line_id", "`claude-spend:` period · user email · product · model"),
        ("month", "the period you give (`--period YYYY-MM`, or the period on Upload)"),
        ("category", "`usage`"),
        ("amount", "`total_net_spend_usd` where that cell is filled, else `total_gross_spend_usd`"),
        ("currency", "`USD`"),
        ("description", "user email · product · model"),
    ),
    derives=(
        "one cost line per row, so two users with the same spend stay two lines.",
        "line_id is a stable key (period, user, product, model): a later spend report for the same period "
        "replaces these lines, so a month-to-date export followed by the whole month does not count twice.",
    ),
    cannot=(
        "dates — each row sums the range chosen in the console; the month is the period you give.",
        "usage rows — requests and tokens have no date, so adoption comes from another export.",
        "departments and use cases of the spend.",
        "currency conversion — amounts are US dollars, stored as they are.",
        "seat licences — on seat-based plans the report holds overage spend only; enter licence costs as cost "
        "lines of their own.",
    ),
    tables=(),
    reshape=reshape,
    needs_period=True,
)
