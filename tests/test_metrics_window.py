"""Windows from the command line's options: months, date ranges, and the exact refusals."""

from __future__ import annotations

import argparse
from datetime import date

import pytest

from core.errors import InputError
from metrics.engine import months
from metrics.model import Window
from metrics.window import WindowUsageError, add_window_arguments, month_window, window_from_args


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_window_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(("argv", "window"), [
    (["--month", "2026-03"], Window(date(2026, 3, 1), date(2026, 3, 31))),
    (["--month", "2026-02"], Window(date(2026, 2, 1), date(2026, 2, 28))),
    (["--month", "2028-02"], Window(date(2028, 2, 1), date(2028, 2, 29))),
    (["--month", "2026-12"], Window(date(2026, 12, 1), date(2026, 12, 31))),
    (["--from", "2026-02-15", "--to", "2026-03-14"], Window(date(2026, 2, 15), date(2026, 3, 14))),
    (["--from", "2026-03-01", "--to", "2026-03-01"], Window(date(2026, 3, 1), date(2026, 3, 1))),
    (["--month", "2026-03", "--department", " Legal ", "--use-case", "Drafting"],
     Window(date(2026, 3, 1), date(2026, 3, 31), "legal", "drafting")),
])
def test_windows_from_options(argv: list[str], window: Window) -> None:
    assert window_from_args(parse(*argv)) == window


@pytest.mark.parametrize(("argv", "message"), [
    (["--month", "2026-13"], "--month '2026-13' is not a month; write YYYY-MM, e.g. 2026-03."),
    (["--month", "2026-3"], "--month '2026-3' is not a month; write YYYY-MM, e.g. 2026-03."),
    (["--month", "March"], "--month 'March' is not a month; write YYYY-MM, e.g. 2026-03."),
    (["--from", "2026-02-30", "--to", "2026-03-01"],
     "--from '2026-02-30' is not a date; write YYYY-MM-DD, e.g. 2026-03-01."),
    (["--from", "2026-02-01", "--to", "01/03/2026"],
     "--to '01/03/2026' is not a date; write YYYY-MM-DD, e.g. 2026-03-01."),
    (["--from", "2026-03-02", "--to", "2026-03-01"],
     "--to 2026-03-01 is before --from 2026-03-02; the window must end on or after its first day."),
])
def test_bad_values_are_refused_naming_the_option(argv: list[str], message: str) -> None:
    with pytest.raises(InputError) as refused:
        window_from_args(parse(*argv))
    assert str(refused.value) == message


@pytest.mark.parametrize(("argv", "message"), [
    ([], "give the window as --month YYYY-MM, or as --from DATE and --to DATE together"),
    (["--from", "2026-03-01"], "give the window as --month YYYY-MM, or as --from DATE and --to DATE together"),
    (["--to", "2026-03-01"], "give the window as --month YYYY-MM, or as --from DATE and --to DATE together"),
    (["--month", "2026-03", "--to", "2026-03-01"], "give either --month or --from and --to, not both"),
])
def test_wrong_combinations_are_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(WindowUsageError) as wrong:
        window_from_args(parse(*argv))
    assert str(wrong.value) == message


def test_month_window_is_reusable_without_argparse() -> None:
    assert month_window("2026-04", use_case="summary") == Window(date(2026, 4, 1), date(2026, 4, 30), None,
                                                                  "summary")


def test_a_window_is_cut_at_month_boundaries_keeping_its_filters() -> None:
    window = Window(date(2026, 11, 20), date(2027, 1, 5), department="legal")
    assert months(window) == [
        Window(date(2026, 11, 20), date(2026, 11, 30), "legal"),
        Window(date(2026, 12, 1), date(2026, 12, 31), "legal"),
        Window(date(2027, 1, 1), date(2027, 1, 5), "legal"),
    ]
