"""Write docs/metrics.md, the users' guide to every metric, generated from metrics.registry.

`python -m metrics.docs` rewrites the file; tests/test_metrics_docs.py fails when it differs
from what the registry says, so the guide cannot drift from the code.
"""

from __future__ import annotations

from core.paths import ROOT
from metrics.registry import FAMILIES, FAMILY_QUESTIONS, METRICS, MetricDef, by_family

METRICS_DOC = ROOT / "docs" / "metrics.md"

UNIT_WORDS: dict[str, str] = {
    "ratio": "ratio (shown as a percentage; value to cost as a multiple)",
    "count": "count",
    "hours": "hours (60 minutes each)",
    "currency": "money, in the plan's currency",
    "minutes": "minutes",
    "score": "score from 1 to 5",
}

RULES = """\
## How the numbers are made

- **Window.** Every metric is computed for a window of whole days, from its first to its last
  day inclusive (a month, or any range). Each export is placed in time by one column, in UTC:
  usage `occurred_at`, reviews `reviewed_at`, incidents `reported_at`, support `opened_at`
  (resolution uses `closed_at`), feedback `submitted_at`. A cost line belongs to every window
  that touches its month: a month counts whole.
- **Interactions.** A usage row may stand for several uses (`interactions`); every usage count
  is weighted by it.
- **Plan values.** The plan supplies the hourly rate (labour cost per hour) and, per use case,
  the minutes saved by default when a usage row has no `minutes_saved`. A use case the plan does
  not list, or lists without a default, saves 0 minutes.
- **No data is not zero.** A metric whose denominator is empty shows "no data", never 0: a
  gate treats it as insufficient evidence. A count or a sum of nothing is 0 — but only when the
  exports it needs cover the window (below).
- **Sample size and interval.** Rates carry the number of observations `n` they rest on;
  proportions also carry a 95% Wilson score interval (low, high), so a gate can tell a
  convincing pass from a lucky one. Missing review, rework and handling minutes count as 0 in
  sums, and the rows still count in denominators.

## Coverage: what each metric needs

Every import records the period it covers: the months you give (`--period 2026-03`, or the
period on Upload), else the period the export states, else the whole months of its rows. The
roster and training records describe a state: once loaded they cover every day. An export with a
header and no rows, given a period, is the evidence that nothing happened in it ("no incidents in
March").

Each metric needs some exports (listed as **Needs** below). When one of them does not cover every
day of the window, the metric has no value and says why — "no support export covers March 2026",
"no roster loaded" — never 0, 0% or 100%, and a gate on it is insufficient evidence with that
reason. A month nobody exported is unknown, not a month in which nothing happened. The Upload page's
coverage grid and `rollgate coverage` show which months each export covers.

## Review period and per-month criteria

A gate review judges one stage on the window you chose, but only on the days that stage was in
force: the calendar months of the window in which it was in force throughout, or, when there is
no such month, the part of the window in which it was. A stage not in force on any day of the
window has no verdict (the page and `evaluate` say so). The review says when the period it judged
differs from your window ("Judged on Aug – Sep 2026, the months of your window in which stage
extra-review was in force throughout"), and pause triggers look back from the period's last day.

Some metrics grow with the length of the window: counts, hours, money and per-user totals (marked
**accumulates** below). When the review period is two or more whole months, a gate on such a
metric is judged on the mean of its monthly values ("mean of Aug and Sep 2026"), so three months of
tickets are not held against a monthly limit; its n is the mean of the months' n, rounded down. A
month an export does not cover makes the mean unknown; a month with no value only because its
denominator is empty is left out. Rates and shares are judged on the period whole.

## Looking at a gate every month: the evidence method

A gate on a rate (an error rate, a share) passes only when the rate is on the right side of its limit
and its 95% interval no longer reaches the limit. The usual interval (Wilson's) is right for **one**
look at the evidence. But a rollout team looks every month, at a sample that keeps growing, and
stops as soon as the gate passes. Each look is another chance for luck to carry the rate across: in a
simulation where the true acceptance sits exactly at an 80% minimum and the team looks after every 5
of 800 reviews, the gate passes by chance in 17.5% of 4,000 runs — seven times the 2.5% of a single
look at the end (tests/test_sequential.py).

The plan can choose the **sequential** method instead:

```toml
[evidence]
method = "sequential"     # default "fixed": the Wilson interval
```

Its interval is a 95% *confidence sequence* (Robbins' beta-binomial mixture): it is wider, but it
holds however often and whenever you look, so a gate whose true rate is at its limit passes by chance
no more than 5% of the time over all the looks (0.8% of the same 4,000 runs). For S successes in n,
it is every rate p with ln B(S + 1, n − S + 1) − [S·ln p + (n − S)·ln(1 − p)] < ln 20 (B the beta
function). It replaces the
Wilson interval in the warn rule, in the low and high shown, and in *evidence needed* (the smallest
n, searched upward with the observed rate held, at which the interval stops reaching the limit). The
Gate review and `evaluate --json` (`"evidence_method"`) say which method judged. Choose it when the
gate will be looked at again and again; keep the fixed method for a single, planned review.

## Stage, access and scope

- **Stage on a date:** the plan stage with the latest start on or before that date; before
  the first stage there is none.
- **Access on a day:** the user has a roster row, access was granted on or before that day, and
  it was not revoked on or before it. Someone absent from the roster has no access on any day.
- **In scope:** on the day of use a stage is in force, the user has access, the user's
  department is one the stage includes (or the stage includes every department, `*`), and the
  use case is one the stage approves.

Scope is used by scope drift only, and the access test by use without access only; every
other metric counts all rows in the window, in scope or not. Active users are counted whether
or not they are in the roster. Training is judged against the stage in force: for training
completion, the stage on the window's last day (no stage, no figure); for untrained active
users, the stage on the day of each person's first use in the window (before the first stage
nothing is required, so nobody is counted as untrained).

## Filters

The department and use-case filters narrow each export along its own link; an export without
that link is left whole (the page says so). Where a filter applies, rows whose link is empty or
unknown are left out.

| export | department filter | use-case filter |
|---|---|---|
| usage | the user's roster department | `use_case` |
| reviews | department of the usage row named by `event_id` | `use_case` |
| support | the user's roster department | not filtered |
| feedback | the user's roster department | `use_case` |
| costs | `department` | `use_case` |
| incidents | not filtered | `use_case` |
| roster, training | roster department | not filtered |

The plan's privacy floor (`privacy_min_group`, default 5) applies to filters and breakdowns: a
department or use case of fewer people shows "fewer than 5 people" instead of its values.
"""


def _sources(m: MetricDef) -> str:
    return ", ".join(f"`{s}`" for s in m.sources)


def _needs(m: MetricDef) -> str:
    return ", ".join(f"`{s}`" for s in m.needs)


def _metric_section(m: MetricDef) -> list[str]:
    sample = f"{m.n}" if m.n else "none"
    if m.interval:
        sample += "; with a 95% Wilson interval"
    return [
        f"### {m.label} — `{m.id}`",
        "",
        m.meaning,
        "",
        f"- **Formula:** {m.formula}.",
        f"- **Unit:** {UNIT_WORDS[m.unit]}. **Better:** {m.direction}.",
        f"- **Sample size n:** {sample}.",
        f"- **Fed by:** {_sources(m)}. **Needs:** {_needs(m)}." + (" **Accumulates:** judged per month over "
                                                                  "two or more whole months." if m.accumulates else ""),
        f"- **Why it matters for a gate:** {m.why}",
        "",
    ]


def metrics_doc() -> str:
    """docs/metrics.md: the rules every metric follows, a summary table, then each metric."""
    out = [
        "# Metrics",
        "",
        "Rollgate computes the metrics below for the window and filters you choose, and judges the",
        "rollout plan's gates against them. They fall into six families, each answering one question",
        "a gate review asks:",
        "",
        "| family | question |",
        "|---|---|",
        *[f"| {f} | {FAMILY_QUESTIONS[f]} |" for f in FAMILIES],
        "",
        "Generated from `metrics/registry.py` by `make docs`; a test keeps it in step with the code.",
        "",
        RULES,
        "## All metrics",
        "",
        "| id | label | unit | better | n | interval | needs | accumulates |",
        "|---|---|---|---|---|---|---|---|",
        *[f"| `{m.id}` | {m.label} | {m.unit} | {m.direction} | {m.n or '—'} | {'95%' if m.interval else '—'} "
          f"| {_needs(m)} | {'yes' if m.accumulates else '—'} |" for m in METRICS],
        "",
    ]
    for family in FAMILIES:
        out += [f"## {family.capitalize()}", "", f"*{FAMILY_QUESTIONS[family]}*", ""]
        for m in by_family(family):
            out += _metric_section(m)
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> int:
    METRICS_DOC.parent.mkdir(parents=True, exist_ok=True)
    METRICS_DOC.write_text(metrics_doc(), encoding="utf-8")
    print(f"wrote {METRICS_DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
