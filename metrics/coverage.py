"""Which days each dataset covers (DESIGN.md §2 Coverage), and what a metric misses when a dataset it
needs does not cover its window (§3 "What a metric needs").

A dataset covers a day when an ingestion of it that is not undone covers that day: its period
(`period_from`..`period_to`), or every day for the roster and training, which describe a state.
One small query answers for every period and dataset at once: the days of each period that no
ingestion covers, as a Gap, whose `reason` is what a page shows in place of a number ("no support
export covers March 2026").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from loaders.period import Period
from loaders.schema import DATASETS
from metrics.model import Window
from metrics.query import bind

PERIODS_TYPE = "struct(i integer, p_start date, p_end date)[]"


@dataclass(frozen=True)
class Gap:
    """Days of a period that no ingestion of `dataset` covers: from `first` to `last`, `days` of them."""

    dataset: str
    first: date
    last: date
    days: int

    @property
    def reason(self) -> str:
        if DATASETS[self.dataset].describes_state:
            return f"no {self.dataset} loaded"
        span = Period(self.first, self.last)
        whole = self.days == (self.last - self.first).days + 1
        return f"no {self.dataset} export covers {span.label() if whole else 'all of ' + span.label()}"


SQL = f"""
    with
    periods as (select unnest(cast($periods as {PERIODS_TYPE}), recursive := true)),
    days as (
        select i, cast(unnest(generate_series(cast(p_start as timestamp), cast(p_end as timestamp),
                                              interval 1 day)) as date) as day
        from periods
    ),
    needed as (select unnest(cast($datasets as varchar[])) as dataset),
    covered as (
        select dataset, period_from, period_to, period_source = 'always' as always from ingestions
        where undone_at is null and (period_source = 'always' or period_from is not null)
    )
    select d.i, n.dataset, min(d.day) as first, max(d.day) as last, count(*) as days
    from days d cross join needed n
    where not exists (select 1 from covered c
                      where c.dataset = n.dataset and (c.always or d.day between c.period_from and c.period_to))
    group by d.i, n.dataset
    order by d.i, n.dataset"""


def gaps(con: duckdb.DuckDBPyConnection, spans: list[Window], datasets: set[str]) -> list[dict[str, Gap]]:
    """For each span, in order: {dataset: its Gap} for the `datasets` that do not cover every day of it."""
    out: list[dict[str, Gap]] = [{} for _ in spans]
    if not spans or not datasets:
        return out
    params = {"periods": [{"i": i, "p_start": w.start, "p_end": w.end} for i, w in enumerate(spans)],
              "datasets": sorted(datasets)}
    for i, dataset, first, last, days in con.execute(SQL, bind(SQL, params)).fetchall():
        out[i][dataset] = Gap(dataset, first, last, int(days))
    return out
