"""The review period (DESIGN.md §4): the part of the asked window on which a stage is judged.

A stage is in force from its `starts_on` to the day before the next stage's (open-ended for the last).
The review period P of stage S on window W is the calendar months lying wholly inside both W and
S's span; when there is none, the part of W inside the span; when that is empty, S was not in force
during W and there is no verdict (NotInForce). Criteria, readiness and the recommendation use P,
never days when another stage was in force; triggers look back from P's last day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from core.calendar import month_end, month_key, month_spans
from core.errors import RollgateError
from gates.plan import Plan, Stage
from metrics.format import day_label, month_label, months_label
from metrics.model import Window


class NotInForce(RollgateError):
    """The stage was not in force on any day of the window: there is nothing to judge it on."""


@dataclass(frozen=True)
class ReviewPeriod:
    """P, with the window's filters; `months` its whole calendar months (none when P is part of one)
    and `note` why it differs from the asked window (None when it does not)."""

    window: Window
    months: tuple[Window, ...]
    note: str | None

    @property
    def by_month(self) -> bool:
        """Two or more whole months: accumulating metrics are judged on their monthly mean."""
        return len(self.months) >= 2


def span(plan: Plan, stage: Stage) -> tuple[date, date | None]:
    """(first, last) day `stage` is in force; last is None for the last stage (open-ended)."""
    later = [s.starts_on for s in plan.stages if s.starts_on > stage.starts_on]
    return stage.starts_on, (min(later) - timedelta(days=1)) if later else None


def months_text(months: tuple[Window, ...] | list[Window]) -> str:
    """'Aug and Sep 2026', 'Jul, Aug and Sep 2026', 'Dec 2025 and Jan 2026' (months in order)."""
    keys = [month_key(m.start) for m in months]
    years = {k[:4] for k in keys}
    names = [month_label(k) if len(years) > 1 or i == len(keys) - 1 else month_label(k)[:3]
             for i, k in enumerate(keys)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _days_text(first: date, last: date) -> str:
    """'15 Jul 2026', '15–31 Jul 2026', '15 Jun – 14 Jul 2026', '15 Dec 2025 – 14 Jan 2026'."""
    if first == last:
        return day_label(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day_label(last)}"
    if first.year == last.year:
        return f"{day_label(first).rsplit(' ', 1)[0]} – {day_label(last)}"
    return f"{day_label(first)} – {day_label(last)}"


def review_period(plan: Plan, stage: Stage, window: Window) -> ReviewPeriod:
    """P for `stage` on `window`; NotInForce (naming the stage's span) when it was not in force in it."""
    first, last = span(plan, stage)
    start = max(window.start, first)
    end = window.end if last is None else min(window.end, last)
    if start > end:
        runs = f"from {day_label(first)}" + (f" to {day_label(last)}" if last else "")
        raise NotInForce(f"stage '{stage.id}' was not in force between {day_label(window.start)} and "
                         f"{day_label(window.end)} (it runs {runs}); choose a window in which it was, or the "
                         "stage in force then.")
    whole = [replace(window, start=a, end=b) for a, b in month_spans(start, end)
             if a.day == 1 and b == month_end(a)]
    if whole:
        start, end = whole[0].start, whole[-1].end
    period = replace(window, start=start, end=end)
    if (start, end) == (window.start, window.end):
        return ReviewPeriod(period, tuple(whole), None)
    shown = months_label(month_key(start), month_key(end)) if whole else _days_text(start, end)
    part = "the months of your window" if whole else "the part of your window"
    throughout = " throughout" if whole else ""
    return ReviewPeriod(period, tuple(whole),
                        f"Judged on {shown}, {part} in which stage {stage.id} was in force{throughout}.")
