"""The privacy floor (DESIGN.md §11): a group of fewer people than the plan's `privacy_min_group` is not shown.

A group's people:
- a department: the people of its roster with access at some time in the window (the population its numbers
  are about, as a department filter reads it) — of them, those who used the use case when a use-case filter is on;
- a use case: the people who used it in the window (of the filtered department, with a department filter);
- a list of people (a drill-down's rows): the distinct people it names.
A group with nobody in it shows nothing about anyone and is not hidden. When exactly one row of a breakdown is
hidden, the next smallest is hidden too, so that the total cannot give it away. The unfiltered view of a whole
stage is never hidden.

One query per breakdown (grouped in DuckDB), so the check costs one scan of the window's usage at most.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import duckdb

from core.errors import InputError
from metrics import filters
from metrics.model import MetricValue, Window
from metrics.query import bind, window_params

if TYPE_CHECKING:
    import polars as pl

PEOPLE_COLUMNS = ("user_id", "reviewer_id")  # the columns of a drill-down that name a person


HIDDEN_PREFIX = "fewer than "


def hidden_text(floor: int) -> str:
    """What a hidden value shows instead."""
    return f"{HIDDEN_PREFIX}{floor} people"


def is_hidden(value: MetricValue) -> bool:
    """Whether a breakdown's value was hidden by the floor (its `missing` says so)."""
    return value.value is None and (value.missing or "").startswith(HIDDEN_PREFIX)


def group_sizes(con: duckdb.DuckDBPyConnection, window: Window, by: Literal["department", "use_case"]
                ) -> dict[str, int]:
    """Distinct people per department or use case of `window` (its other filter applied)."""
    if by == "department" and window.use_case is None:
        sql = """select department, count(distinct user_id) from roster
                 where department is not null and access_granted_on < $stop
                   and (access_revoked_on is null or access_revoked_on >= $start)
                 group by 1"""
    else:
        column = "department" if by == "department" else "use_case"
        every = replace(window, department=None) if by == "department" else replace(window, use_case=None)
        sql = f"""select {column}, count(distinct user_id)
                  from ({filters.usage_rows(every, roster=True, people_only=True)})
                  where {column} is not null group by 1"""
    return {str(k): int(n) for k, n in con.execute(sql, bind(sql, window_params(window))).fetchall()}


def view_size(con: duckdb.DuckDBPyConnection, window: Window) -> int | None:
    """The people a filtered view is about; None for an unfiltered view (never hidden)."""
    if window.use_case is not None:
        return group_sizes(con, window, "use_case").get(window.use_case, 0)
    if window.department is not None:
        return group_sizes(con, window, "department").get(window.department, 0)
    return None


def hidden(sizes: Mapping[str, int], floor: int) -> frozenset[str]:
    """The groups to hide: those with 1 to floor - 1 people, and, when that is exactly one of several, the next
    smallest other group with people (by size, then name)."""
    if floor <= 0:
        return frozenset()
    small = {k for k, n in sizes.items() if 0 < n < floor}
    if len(small) == 1:
        others = sorted((n, k) for k, n in sizes.items() if n > 0 and k not in small)
        if others:
            small.add(others[0][1])
    return frozenset(small)


def people_named(rows: pl.DataFrame) -> int | None:
    """How many distinct people a list names (None when it names nobody: incidents, reviews without a reviewer)."""
    import polars as pl  # here: the command line's ingest reads this module and does not need polars
    named = [c for c in PEOPLE_COLUMNS if c in rows.columns]
    if not named:
        return None
    return int(pl.concat([rows.get_column(c).drop_nulls().cast(pl.String) for c in named]).n_unique())


class TooFewPeople(InputError):
    """A filtered view about fewer people than the privacy floor: its values are not shown."""


def view_words(window: Window) -> str:
    """The groups a filtered view narrows to, in words: "department legal and use case drafting"."""
    return " and ".join(f"{word} {value}" for word, value in
                        (("department", window.department), ("use case", window.use_case)) if value)


def refuse_small(con: duckdb.DuckDBPyConnection, window: Window, minimum: int) -> None:
    """TooFewPeople when `window`'s filters narrow it to 1 to minimum - 1 people (the command line's check)."""
    people = view_size(con, window) if minimum else None
    if people is not None and 0 < people < minimum:
        raise TooFewPeople(f"The {view_words(window)} covers {hidden_text(minimum)} from {window.start} to "
                           f"{window.end}, so its values are not shown: the plan keeps groups this small private "
                           f"(privacy_min_group = {minimum}). Leave out the filter or choose a larger group.")


@dataclass(frozen=True)
class Floor:
    """A view's privacy floor: the plan's minimum group and, for a filtered view, its people."""

    minimum: int
    people: int | None  # None: unfiltered

    @property
    def hides_view(self) -> bool:
        return self.minimum > 0 and self.people is not None and 0 < self.people < self.minimum

    @property
    def text(self) -> str:
        return hidden_text(self.minimum)
