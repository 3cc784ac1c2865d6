"""A Window from the command line's --month / --from / --to / --department / --use-case.

Shared by `metrics`, `evaluate` and `snapshot`: `add_window_arguments` declares the options and
`window_from_args` turns them into a Window. A bad value is refused input (InputError naming
the option, exit 1); a wrong combination of options is a usage error (WindowUsageError, exit 2).
"""

from __future__ import annotations

import argparse
import re
from datetime import date

from core.calendar import month_of_key
from core.errors import InputError, UsageError
from metrics.model import Window

_MONTH = re.compile(r"\d{4}-\d{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class WindowUsageError(UsageError):
    """The window options were combined wrongly (a usage error, not a bad value)."""


def add_window_arguments(parser: argparse.ArgumentParser, filters: bool = True) -> None:
    """Declare --month / --from / --to (and, with `filters`, --department / --use-case)."""
    parser.add_argument("--month", metavar="YYYY-MM", help="the calendar month to compute, e.g. 2026-03")
    parser.add_argument("--from", dest="from_", metavar="DATE", help="first day of the window (YYYY-MM-DD)")
    parser.add_argument("--to", metavar="DATE", help="last day of the window (YYYY-MM-DD), inclusive")
    if filters:
        parser.add_argument("--department", metavar="D", help="only this department")
        parser.add_argument("--use-case", dest="use_case", metavar="U", help="only this use case")


def month_window(month: str, department: str | None = None, use_case: str | None = None) -> Window:
    """The window of calendar month `month` ("YYYY-MM"); InputError names --month when it is not one."""
    text = month.strip()
    if _MONTH.fullmatch(text) and 1 <= int(text[5:]) <= 12:
        start, end = month_of_key(text)
        return Window(start, end, department, use_case)
    raise InputError(f"--month {month!r} is not a month; write YYYY-MM, e.g. 2026-03.")


def parse_day(text: str, option: str) -> date:
    """A YYYY-MM-DD date; InputError names `option` when `text` is not one."""
    if _DATE.fullmatch(text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise InputError(f"{option} {text!r} is not a date; write YYYY-MM-DD, e.g. 2026-03-01.")


def window_from_args(args: argparse.Namespace) -> Window:
    """The Window the options describe: --month, or --from and --to together (inclusive)."""
    month, start, end = getattr(args, "month", None), getattr(args, "from_", None), getattr(args, "to", None)
    department, use_case = getattr(args, "department", None), getattr(args, "use_case", None)
    if month is not None and (start is not None or end is not None):
        raise WindowUsageError("give either --month or --from and --to, not both")
    if month is not None:
        return month_window(month, department, use_case)
    if start is None or end is None:
        raise WindowUsageError("give the window as --month YYYY-MM, or as --from DATE and --to DATE together")
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if last < first:
        raise InputError(f"--to {last} is before --from {first}; the window must end on or after its first day.")
    return Window(first, last, department, use_case)
