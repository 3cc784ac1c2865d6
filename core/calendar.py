"""Month arithmetic, written once: every layer that cuts time into calendar months asks here."""

from __future__ import annotations

import calendar
from datetime import date


def month_start(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s (before it when negative)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_key(day: date) -> str:
    """'YYYY-MM' of `day`'s month."""
    return f"{day:%Y-%m}"


def month_of_key(key: str) -> tuple[date, date]:
    """(first day, last day) of month 'YYYY-MM'."""
    first = date(int(key[:4]), int(key[5:7]), 1)
    return first, month_end(first)


def month_spans(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut at month boundaries: (first, last) day of each calendar month it touches, the
    first and last cut to it (March 10 – April 9 gives March 10–31 and April 1–9)."""
    spans, first = [], start
    while first <= end:
        last = min(end, month_end(first))
        spans.append((first, last))
        first = add_months(first, 1)
    return spans


def month_keys(first: date, last: date) -> tuple[str, ...]:
    """'YYYY-MM' of every month from `first`'s to `last`'s, in order."""
    return tuple(month_key(a) for a, _ in month_spans(month_start(first), last))
