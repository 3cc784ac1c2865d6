"""The Adoption page's seats section (AppTest, on the demo database): the funnel from access to daily use on the
window's last day, the monthly retention chart, and the idle-seat list with its download and the privacy floor.

Every expected figure is worked out here again from the demo's raw rows in plain Python (seats, active days,
months of use), not through metrics.seats."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pages_fixture import app, elements, run, texts
from streamlit.testing.v1 import AppTest

from core.calendar import add_months, month_key
from core.csv_export import safe_csv
from loaders import store
from ui.seats import LIST_COLUMNS, idle_rows

SEPTEMBER_END = date(2026, 9, 30)


class Demo:
    """The demo's roster and its people's days of use, read raw."""

    def __init__(self, db: Path) -> None:
        with store.connect(db) as con:
            self.roster = {u: (d, g, r) for u, d, g, r in con.execute(
                "select user_id, department, access_granted_on, access_revoked_on from roster").fetchall()}
            rows = con.execute("""select u.user_id, cast(u.occurred_at as date) from usage u
                                  join ingestions i on i.id = u.ingestion_id where coalesce(i.user_level, true)"""
                               ).fetchall()
        self.days: dict[str, set[date]] = defaultdict(set)
        for user, day in rows:
            self.days[user].add(day)

    def seats(self, end: date) -> list[str]:
        return [u for u, (_, granted, revoked) in self.roster.items()
                if granted <= end and (revoked is None or end < revoked)]

    def active_days(self, user: str, end: date, days: int) -> int:
        return sum(1 for d in self.days[user] if end - timedelta(days=days - 1) <= d <= end)

    def idle(self, end: date) -> list[tuple[str, str, str, int]]:
        """(user, department, last active or "never", days idle), most idle first."""
        out = []
        for user in self.seats(end):
            if self.active_days(user, end, 30):
                continue
            department, granted, _ = self.roster[user]
            used = [d for d in self.days[user] if d <= end]
            last = max(used) if used else None
            since = max(last + timedelta(days=1), granted) if last else granted
            out.append((user, department, last.isoformat() if last else "never", (end - since).days + 1))
        return sorted(out, key=lambda r: (-r[3], r[0]))

    def funnel(self, end: date) -> list[int]:
        counts = [self.active_days(u, end, 28) for u in self.seats(end)]
        return [len(counts), sum(c >= 1 for c in counts), sum(c >= 4 for c in counts), sum(c >= 15 for c in counts)]

    def users_in(self, first: date) -> set[str]:
        return {u for u, days in self.days.items() if any(d.replace(day=1) == first for d in days)}

    def retention(self, month: str) -> tuple[int, int, int, int]:
        """(new, retained, returning, lapsed) of a 'YYYY-MM'."""
        first = date(int(month[:4]), int(month[5:]), 1)
        now, before = self.users_in(first), self.users_in(add_months(first, -1))
        earlier = {u for u, days in self.days.items() if any(d < add_months(first, -1) for d in days)}
        return (len(now - before - earlier), len(now & before), len((now - before) & earlier), len(before - now))


def edit_plan(plan: Path, **settings: str) -> None:
    """Set top-level plan keys (written before the first table)."""
    text = plan.read_text(encoding="utf-8")
    for key, value in settings.items():
        lines = [line for line in text.splitlines() if not line.startswith(f"{key} = ")]
        at = next(i for i, line in enumerate(lines) if line.startswith("hourly_rate"))
        lines.insert(at + 1, f"{key} = {value}")
        text = "\n".join(lines) + "\n"
    plan.write_text(text, encoding="utf-8")


def adoption(**state: object) -> AppTest:
    """The Adoption page with the idle-seat list opened (unless `idle_seats_open` is given)."""
    at = app()
    for key, value in {"idle_seats_open": True, **state}.items():
        at.session_state[key] = value
    at.switch_page("pages/adoption.py")
    return run(at)


LIST = ["user_id", "department", "last_active", "days_idle"]


def idle_table(at: AppTest) -> list[tuple[object, ...]] | None:
    """The rows of the idle-seat list, None when the page shows none."""
    found = [d.value for d in at.dataframe if list(d.value.columns) == LIST]
    assert len(found) <= 1
    return [tuple(r) for r in found[0].itertuples(index=False)] if found else None


def chart(at: AppTest, title: str) -> dict[str, Any]:
    for c in at.get("plotly_chart"):
        spec: dict[str, Any] = json.loads(c.proto.spec)
        if str(spec["layout"]["title"]["text"]).startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def test_the_funnel_narrows_from_access_to_daily_use_on_the_last_day(demo_db: Path) -> None:
    demo = Demo(demo_db)
    at = adoption()
    spec = chart(at, "Seats on 30 Sep 2026")
    funnel = spec["data"][0]
    expected = demo.funnel(SEPTEMBER_END)
    assert funnel["x"] == expected
    assert expected == [45, 42, 39, 2]  # the demo's story at the end of September, worked out above
    assert funnel["y"] == ["With access", "Active", "Weekly or more", "Daily"]
    assert funnel["text"][1] == f"{expected[1]} ({expected[1] / expected[0]:.0%})"
    assert f"of them {len(demo.idle(SEPTEMBER_END))} idle" in texts(at.caption)


def test_the_retention_chart_has_every_months_new_retained_returning_and_lapsed(demo_db: Path) -> None:
    demo = Demo(demo_db)
    at = adoption()
    spec = chart(at, "Retention month by month")
    bars = {t["name"]: t["y"] for t in spec["data"]}
    months = [month_key(date(2026, m, 1)) for m in range(1, 10)]
    worked = [demo.retention(m) for m in months]
    # January's month before (December 2025) has no usage export: a gap, never 0
    assert bars["New users"] == [None, *(w[0] for w in worked[1:])]
    assert bars["Retained users"] == [None, *(w[1] for w in worked[1:])]
    assert bars["Returning users"] == [None, *(w[2] for w in worked[1:])]
    assert bars["Lapsed users"] == [None, *(-w[3] for w in worked[1:])]  # drawn below the line
    assert worked[3] == (29, 15, 0, 1)  # April: the department stage's new people arrive


def test_the_idle_seat_list_is_hidden_under_the_privacy_floor(demo_db: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"  # the demo plan without its seat price
    plan.write_text(plan.read_text(encoding="utf-8").replace("seat_price = 30.0\n", ""), encoding="utf-8")
    demo = Demo(demo_db)
    assert len(demo.idle(SEPTEMBER_END)) == 3  # fewer than the demo plan's floor of 5
    at = adoption()
    assert "The list names fewer than 5 people, so it is not shown: the plan keeps groups this small private " \
           "(privacy_min_group = 5)." in texts(at.caption)
    assert idle_table(at) is None
    assert "Download idle seats (CSV)" not in [b.label for b in elements(at, "download_button")]
    assert "the plan sets no seat price, so their cost is not known" in texts(at.caption)


def test_without_a_floor_the_list_names_who_to_reclaim_most_idle_first(demo_db: Path, tmp_path: Path) -> None:
    edit_plan(tmp_path / "plan.toml", privacy_min_group="0", seat_price="30.0")
    demo = Demo(demo_db)
    expected = demo.idle(SEPTEMBER_END)
    at = adoption()
    assert idle_table(at) == expected
    assert expected == [("george.bauer@example.org", "legal", "never", 183),
                        ("paula.thomsen@example.org", "legal", "never", 183),
                        ("ursula.dahl@example.org", "procurement", "never", 183)]
    assert "Download idle seats (CSV)" in [b.label for b in elements(at, "download_button")]
    # 3 idle seats at 30 a month
    assert "at the plan's seat price they cost EUR 90.00 a month" in texts(at.caption)
    assert {m.label: m.value for m in at.metric}["Idle seats"] == "3"


def test_the_download_holds_the_list_as_shown() -> None:
    listed = pl.DataFrame({"user_id": ["=cmd", "ann"], "department": ["legal", "ops"],
                           "last_active": [None, date(2026, 8, 1)], "days_idle": [183, 60]})
    rows = idle_rows(listed)
    assert rows == [{"user_id": "=cmd", "department": "legal", "last_active": "never", "days_idle": 183},
                    {"user_id": "ann", "department": "ops", "last_active": "2026-08-01", "days_idle": 60}]
    assert safe_csv(rows, list(LIST_COLUMNS)) == (
        '\ufeff"user_id","department","last_active","days_idle"\r\n"\'=cmd","legal","never","183"\r\n'
        '"ann","ops","2026-08-01","60"\r\n').encode("utf-8")


@pytest.mark.parametrize("month", ["2026-04", "2026-07"])
def test_another_window_looks_back_from_its_own_last_day(demo_db: Path, tmp_path: Path, month: str) -> None:
    edit_plan(tmp_path / "plan.toml", privacy_min_group="0")
    demo = Demo(demo_db)
    first = date(int(month[:4]), int(month[5:]), 1)
    end = add_months(first, 1) - timedelta(days=1)
    at = adoption(filter_from=month, filter_to=month)
    assert chart(at, "Seats on")["data"][0]["x"] == demo.funnel(end)
    assert idle_table(at) == demo.idle(end)


def test_the_idle_seat_list_is_read_only_when_opened(demo_db: Path) -> None:
    at = adoption(idle_seats_open=False)
    listing = next(e for e in at.expander if e.label.startswith("Idle seats to reclaim"))
    assert listing.label == "Idle seats to reclaim: 3"
    assert idle_table(at) is None
    assert "so it is not shown" not in texts(at.caption)  # nobody's last use was read
