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
# The periods of the ingestions that count (not undone), and whether ingestion `c` covers day `d.day`.
COVERED_CTE = """covered as (
        select dataset, period_from, period_to, period_source = 'always' as always from ingestions
        where undone_at is null and (period_source = 'always' or period_from is not null)
    )"""
COVERS = "(c.always or d.day between c.period_from and c.period_to)"


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
    {COVERED_CTE}
    select d.i, n.dataset, min(d.day) as first, max(d.day) as last, count(*) as days
    from days d cross join needed n
    where not exists (select 1 from covered c
                      where c.dataset = n.dataset and {COVERS})
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


@dataclass(frozen=True)
class Cell:
    """One dataset in one calendar month: how many of its days an export covers, and its rows there."""

    dataset: str
    month: str                # 'YYYY-MM'
    covered_days: int
    days: int
    rows: int

    @property
    def status(self) -> str:
        """'covered' (every day), 'partly', or 'missing' (no day: a month nobody exported)."""
        if self.covered_days == self.days:
            return "covered"
        return "partly" if self.covered_days else "missing"


GRID_SQL = f"""
    with
    bounds as (
        select cast(date_trunc('month', min(period_from)) as date) as first, last_day(max(period_to)) as last
        from ingestions
        where undone_at is null and period_from is not null
    ),
    days as (
        select cast(unnest(generate_series(cast(first as timestamp), cast(last as timestamp), interval 1 day)) as date)
               as day
        from bounds where first is not null
    ),
    datasets as (select unnest(cast($datasets as varchar[])) as dataset),
    {COVERED_CTE}
    select n.dataset, strftime(d.day, '%Y-%m') as month, count(*) as days,
           count(*) filter (where exists (select 1 from covered c where c.dataset = n.dataset
                                          and {COVERS}))
               as covered_days
    from days d cross join datasets n
    group by 1, 2
    order by 1, 2"""


def grid(con: duckdb.DuckDBPyConnection) -> list[Cell]:
    """Every dataset × every month from the first to the last covered one (DESIGN.md §2 Coverage): the
    days covered and the rows stored (for the roster and training, which are not placed in months, all
    their rows), for the Upload page's grid and `cli.py coverage`. Empty when no export with dates was
    loaded."""
    names = list(DATASETS)
    found = con.execute(GRID_SQL, bind(GRID_SQL, {"datasets": names})).fetchall()
    counts: dict[tuple[str, str], int] = {}
    state: dict[str, int] = {}
    for name, dataset in DATASETS.items():
        if dataset.describes_state:  # a state is not placed in months: every month shows all its rows
            state[name] = int(con.execute(f"select count(*) from {name}").fetchall()[0][0])
            continue
        sql = (f"select strftime(cast({dataset.time_column} as date), '%Y-%m'), count(*) from {name} "
               f"where {dataset.time_column} is not null group by 1")
        counts.update({(name, month): int(n) for month, n in con.execute(sql).fetchall()})
    order = {n: i for i, n in enumerate(names)}
    cells = [Cell(dataset, month, int(covered), int(days), state.get(dataset, counts.get((dataset, month), 0)))
             for dataset, month, days, covered in found]
    return sorted(cells, key=lambda c: (order[c.dataset], c.month))


MARKS = {"covered": "✔", "partly": "◐", "missing": "✖"}


def cell_text(cell: Cell) -> str:
    """'✔ 1,234' (covered, with its rows), '◐ 12' (partly), '✖ missing'."""
    return "✖ missing" if cell.status == "missing" else f"{MARKS[cell.status]} {cell.rows:,}"


def grid_text(cells: list[Cell]) -> str:
    """The grid as a plain-text table: a row per dataset, a column per month ('YYYY-MM')."""
    if not cells:
        return "No export with dates is loaded yet, so no month is covered."
    months = sorted({c.month for c in cells})
    by = {(c.dataset, c.month): cell_text(c) for c in cells}
    datasets = list(dict.fromkeys(c.dataset for c in cells))
    width = max(len(d) for d in datasets)
    cols = [max(len(m), *(len(by.get((d, m), "")) for d in datasets)) for m in months]
    lines = ["  ".join([" " * width, *(m.ljust(w) for m, w in zip(months, cols, strict=True))]).rstrip()]
    for d in datasets:
        lines.append("  ".join([d.ljust(width), *(by.get((d, m), "").ljust(w)
                                                   for m, w in zip(months, cols, strict=True))]).rstrip())
    lines.append("✔ covered (rows stored that month; roster and training: all their rows), ◐ partly, ✖ no export "
                 "covers it. Give --period to record an export with no rows.")
    return "\n".join(lines)
