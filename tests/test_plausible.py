"""Plausible values (DESIGN.md §2): a value outside the bounds rejects its row with the reason, so one bad
cell can never be stored and break a page later. Each bad value sits between two good rows."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Ingest, Rows, counts, expect, problems
from test_validate import _usage

from loaders.schema import DATASETS
from loaders.validate import EXCEL_ERRORS

ZONES = "has text after the time; time zone names are not read; write an offset such as -08:00"
OFFSETS = "has an offset beyond ±14:00 or with minutes of 60 or more; write an offset from -14:00 to +14:00"
DATES = "is outside the plausible dates (2000-01-01 to 2099-12-31)"


@pytest.mark.parametrize(("column", "value", "reason"), [
    # dates and timestamps from 2000-01-01 to 2099-12-31
    ("occurred_at", "9999-12-31", f"'9999-12-31' {DATES}"),
    ("occurred_at", "0001-01-01T00:00:00Z", f"'0001-01-01T00:00:00Z' {DATES}"),
    ("occurred_at", "0000-01-01", f"'0000-01-01' {DATES}"),
    ("occurred_at", "1999-12-31T23:59:59Z", f"'1999-12-31T23:59:59Z' {DATES}"),
    ("occurred_at", "2100-01-01 00:00:00", f"'2100-01-01 00:00:00' {DATES}"),
    # nothing after the time but Z or an offset
    ("occurred_at", "2026-03-01 10:00:00 PST", f"'2026-03-01 10:00:00 PST' {ZONES}"),
    ("occurred_at", "2026-03-01 10:00:00 Europe/Berlin", f"'2026-03-01 10:00:00 Europe/Berlin' {ZONES}"),
    ("occurred_at", "2026-03-01 10:00:00 garbage", f"'2026-03-01 10:00:00 garbage' {ZONES}"),
    ("occurred_at", "2026-03-01T10:00:00 UTC", f"'2026-03-01T10:00:00 UTC' {ZONES}"),
    ("occurred_at", "2026-03-01T10:00:00 garbageZ", f"'2026-03-01T10:00:00 garbageZ' {ZONES}"),
    ("occurred_at", "2026-03-01 10:00 Etc/GMT+8", f"'2026-03-01 10:00 Etc/GMT+8' {ZONES}"),
    ("occurred_at", "2026-03-01 nonsense", f"'2026-03-01 nonsense' {ZONES}"),
    ("occurred_at", "2026-02-31 10:00", "'2026-02-31 10:00' is not a real date and time"),
    ("occurred_at", "2026-03-01T1:2Z", "'2026-03-01T1:2Z' is not a real date and time"),
    ("occurred_at", "2026-03-01T10:00:0Z", "'2026-03-01T10:00:0Z' is not a real date and time"),
    ("occurred_at", "2026-02-31 10:00+02:00", "'2026-02-31 10:00+02:00' is not a real date and time"),
    # offsets within ±14:00, minutes below 60
    ("occurred_at", "2026-03-01 10:00:00+99:99", f"'2026-03-01 10:00:00+99:99' {OFFSETS}"),
    ("occurred_at", "2026-03-01 10:00:00+14:30", f"'2026-03-01 10:00:00+14:30' {OFFSETS}"),
    ("occurred_at", "2026-03-01 10:00:00-15:00", f"'2026-03-01 10:00:00-15:00' {OFFSETS}"),
    ("occurred_at", "2026-03-01 10:00:00+02:60", f"'2026-03-01 10:00:00+02:60' {OFFSETS}"),
    # finite numbers, within their upper bounds
    ("minutes_saved", "1e12", "1e12 is above the maximum of 1,440"),
    ("minutes_saved", "1441", "1441 is above the maximum of 1,440"),
    ("minutes_saved", "1e308", "1e308 is above the maximum of 1,440"),
    ("minutes_saved", "1e-400", "'1e-400' is too small to be stored (it would be read as 0)"),
    ("cost", "1000000.01", "1000000.01 is above the maximum of 1,000,000"),
    ("interactions", "100001", "100001 is above the maximum of 100,000"),
    ("interactions", "99999999999999999999", "'99999999999999999999' is not a whole number"),
    ("minutes_saved", "1_000", "'1_000' is not a number"),
    # control characters; Excel error cells
    ("user_id", "ann\x00x", "holds a control character (U+0000); remove it and export again"),
    ("use_case", "draft\x1bing", "holds a control character (U+001B); remove it and export again"),
    ("event_id", "e\u00852", "holds a control character (U+0085); remove it and export again"),
    ("use_case", "#DIV/0!", "'#DIV/0!' is an Excel error cell (a formula that failed); fix the formula in the sheet, "
                            "or clear the cell, and export again"),
    ("minutes_saved", "#VALUE!", "'#VALUE!' is an Excel error cell (a formula that failed); fix the formula in the "
                                 "sheet, or clear the cell, and export again"),
    ("user_id", "#n/a", "'#n/a' is an Excel error cell (a formula that failed); fix the formula in the sheet, or clear "
                        "the cell, and export again"),
])
def test_an_implausible_value_rejects_its_row_only(ingest: Ingest, rows: Rows, column: str, value: str,
                                                   reason: str) -> None:
    report = ingest(_usage(**{column: value}))
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1)
    assert problems(report) == [(3, column, reason)]
    assert rows("usage", "event_id") == [("e1",), ("e9",)]


@pytest.mark.parametrize(("value", "stored"), [
    ("2000-01-01", dt.datetime(2000, 1, 1)),
    ("2099-12-31T23:59:59.999Z", dt.datetime(2099, 12, 31, 23, 59, 59, 999000)),
    ("2026-03-01 10:00:00+14:00", dt.datetime(2026, 2, 28, 20, 0)),
    ("2026-03-01 10:00:00-14:00", dt.datetime(2026, 3, 2, 0, 0)),
    ("2026-03-01 10:00:00+0530", dt.datetime(2026, 3, 1, 4, 30)),
    ("2026-03-01 10:00:00-08", dt.datetime(2026, 3, 1, 18, 0)),
    ("2026-03-01t10:00:00z", dt.datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01 10:00", dt.datetime(2026, 3, 1, 10, 0)),
])
def test_the_iso_forms_and_the_bounds_themselves_are_stored(ingest: Ingest, rows: Rows, value: str,
                                                             stored: dt.datetime) -> None:
    report = ingest(_usage(occurred_at=value))
    assert counts(report) == expect(rows_read=3, accepted=3, inserted=3)
    assert rows("usage", "occurred_at", order="event_id") == [(dt.datetime(2026, 3, 1, 9, 0),), (stored,),
                                                               (dt.datetime(2026, 3, 1, 9, 0),)]


@pytest.mark.parametrize(("column", "value", "stored"), [
    ("minutes_saved", "1440", 1440.0),
    ("minutes_saved", "0e5", 0.0),
    ("minutes_saved", "0.000", 0.0),
    ("cost", "1000000", 1_000_000.0),
    ("interactions", "100000", 100_000),
])
def test_values_at_their_upper_bound_are_stored(ingest: Ingest, rows: Rows, column: str, value: str,
                                                stored: float) -> None:
    assert counts(ingest(_usage(**{column: value}))) == expect(rows_read=3, accepted=3, inserted=3)
    assert rows("usage", column, order="event_id")[1] == (stored,)


def test_unicode_spaces_are_trimmed_and_a_cell_of_them_alone_is_missing(ingest: Ingest, rows: Rows) -> None:
    report = ingest(_usage(user_id="\u00a0Ann\u3000", use_case="\u2007drafting\u202f", output_action="\u00a0"))
    assert counts(report) == expect(rows_read=3, accepted=3, inserted=3)
    assert rows("usage", "user_id, use_case, output_action", order="event_id")[1] == ("ann", "drafting", None)


def test_a_line_break_inside_quoted_free_text_is_kept(ingest: Ingest, rows: Rows) -> None:
    csv = ('response_id,submitted_at,satisfaction,comment\n'
           'r1,2026-03-02,4,"first line\nsecond line"\n'
           'r2,2026-03-02,5,"tab\tinside"\n')
    assert counts(ingest(csv)) == expect(rows_read=2, accepted=2, inserted=2)
    assert rows("feedback", "comment") == [("first line\nsecond line",), ("tab\tinside",)]


def test_the_other_bounded_columns_reject_beyond_their_bound(ingest: Ingest) -> None:
    csv = ("incident_id,reported_at,category,severity,people_affected\n"
           "I1,2026-03-02,privacy,high,10000000\n"
           "I2,2026-03-02,privacy,high,10000001\n")
    report = ingest(csv)
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert problems(report) == [(3, "people_affected", "10000001 is above the maximum of 10,000,000")]
    costs = ("month,category,amount\n2026-03,licence,1000000000\n2026-03,usage,1000000001\n"
             "2026-03,usage,1e400\n9999-01,usage,5\n")
    report = ingest(costs, "costs.csv")
    assert problems(report) == [(3, "amount", "1000000001 is above the maximum of 1,000,000,000"),
                                (4, "amount", "'1e400' is not a finite number"),
                                (5, "month", f"'9999-01' {DATES}")]


def test_every_bound_of_design_is_declared() -> None:
    declared = {(d.name, c.name): c.maximum for d in DATASETS.values() for c in d.columns if c.maximum is not None}
    assert declared == {
        ("training", "score"): 100, ("usage", "interactions"): 100_000, ("usage", "minutes_saved"): 1_440,
        ("usage", "cost"): 1_000_000, ("reviews", "review_minutes"): 1_440, ("reviews", "rework_minutes"): 1_440,
        ("costs", "amount"): 1_000_000_000, ("incidents", "people_affected"): 10_000_000,
        ("support", "handling_minutes"): 1_440, ("feedback", "satisfaction"): 5,
    }
    assert EXCEL_ERRORS == ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA")


def test_dates_of_the_roster_are_bounded_and_strict(ingest: Ingest) -> None:
    csv = ("user_id,department,access_granted_on\nann,legal,2026-01-05\nbob,legal,1900-01-01\n"
           "cy,legal,2026-01-05 PST\n")
    report = ingest(csv)
    assert problems(report) == [(3, "access_granted_on", f"'1900-01-01' {DATES}"),
                                (4, "access_granted_on", f"'2026-01-05 PST' {ZONES}")]


def test_the_readme_states_the_bounds_the_code_enforces() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("**Plausible values.**"):readme.index("**Coverage.**")]
    for d in DATASETS.values():
        for c in d.columns:
            if c.maximum is not None and c.name not in ("score", "satisfaction"):  # their ranges are their meaning
                assert f"≤ {int(c.maximum):,}" in section, (d.name, c.name)
    assert "2000-01-01 to 2099-12-31" in section and "±14:00" in section
    assert all(code in section for code in EXCEL_ERRORS[:2])


@pytest.mark.parametrize(("value", "reason"), [
    ("2026-03-01 10:00:00 +05:00", "'2026-03-01 10:00:00 +05:00' has a space before its offset; write the offset "
                                   "right after the time, e.g. 2026-03-01 10:00:00+02:00"),
    ("2026-03-01 10:00:00+5:00", f"'2026-03-01 10:00:00+5:00' {OFFSETS}"),
])
def test_an_offset_written_almost_right_says_how_to_write_it(ingest: Ingest, value: str, reason: str) -> None:
    assert problems(ingest(_usage(occurred_at=value))) == [(3, "occurred_at", reason)]


def test_a_lowercase_t_with_an_offset_is_read(ingest: Ingest, rows: Rows) -> None:
    assert counts(ingest(_usage(occurred_at="2026-03-01t10:00:00+01:00"))) == expect(rows_read=3, accepted=3,
                                                                                     inserted=3)
    assert rows("usage", "occurred_at", order="event_id")[1] == (dt.datetime(2026, 3, 1, 9, 0),)


def test_every_error_code_the_workbook_reader_gives_is_rejected() -> None:
    from loaders import tables

    assert set(tables.EXCEL_ERRORS.values()) == set(EXCEL_ERRORS)


def test_a_json_number_too_small_to_store_rejects_its_record(ingest: Ingest, rows: Rows) -> None:
    content = ('{"response_id": "f1", "submitted_at": "2026-03-02", "satisfaction": 4, "comment": "1e-400 in text"}\n'
               '{"response_id": "f2", "submitted_at": "2026-03-02", "satisfaction": 1e-400}\n'
               '{"response_id": "f3", "submitted_at": "2026-03-02", "satisfaction": 5, "weight": 0e-999}\n'
               '{"response_id": "f4", "submitted_at": "2026-03-02", "satisfaction": 5, "weight": 2.5E-324}\n')
    report = ingest(content, "feedback.ndjson")
    assert problems(report) == [
        (1, None, "a number in this record is too small to be stored (it would be read as 0)"),  # a string's too
        (2, None, "a number in this record is too small to be stored (it would be read as 0)")]
    assert rows("feedback", "response_id") == [("f3",), ("f4",)]
