"""The period an ingestion covers (DESIGN.md §2 Coverage): read from what the user gives, or widened from
the dates of its rows to whole calendar months.

A period is always whole days, first and last included: `Period(date(2026, 3, 1), date(2026, 3, 31))`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.calendar import month_end
from core.errors import InputError

# Where the period of an ingestion came from: given on import, stated by the export itself, the first and
# last dates of its rows widened to whole months, or every date (roster and training describe a state).
Source = Literal["given", "stated", "rows", "always"]

_MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the plausible dates of DESIGN.md §2


@dataclass(frozen=True)
class Period:
    """Whole days from `first` to `last`, both included."""

    first: date
    last: date

    def label(self) -> str:
        """The period as a manager reads it: 'March 2026', 'January–March 2026', '5 Mar–4 Apr 2026'."""
        a, b = self.first, self.last
        if a.day == 1 and b == month_end(b):
            if (a.year, a.month) == (b.year, b.month):
                return f"{a:%B %Y}"
            return f"{a:%B}–{b:%B %Y}" if a.year == b.year else f"{a:%B %Y}–{b:%B %Y}"
        return f"{a.day} {a:%b %Y}–{b.day} {b:%b %Y}"


def whole_months(first: date, last: date) -> Period:
    """The calendar months from `first`'s to `last`'s, whole."""
    return Period(first.replace(day=1), month_end(last))


def _month(text: str, what: str) -> date:
    found = _MONTH.fullmatch(text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise InputError(f"{what} {text.strip()!r} is not a month; write YYYY-MM (e.g. 2026-03) or a range "
                         "YYYY-MM..YYYY-MM (e.g. 2026-01..2026-03).")
    year = int(found[1])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"{what} {text.strip()!r} is outside the plausible years ({FIRST_YEAR} to {LAST_YEAR}).")
    return date(year, int(found[2]), 1)


def parse_period(text: str, what: str = "the period") -> Period:
    """'2026-03' or '2026-01..2026-03' as whole months; InputError (naming `what`) for anything else."""
    first_text, sep, last_text = text.partition("..")
    first = _month(first_text, what)
    last = _month(last_text, what) if sep else first
    if last < first:
        raise InputError(f"{what} {text.strip()!r} ends before it starts; write the earlier month first.")
    return whole_months(first, last)
