"""The privacy floor (DESIGN.md §11): groups of fewer people than the plan's privacy_min_group are hidden, with
their complement, in breakdowns, filtered views, lists of people, pages and the command line."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import Ingest

from metrics import privacy
from metrics.model import Window

ROOT = Path(__file__).resolve().parent.parent
MARCH = Window(date(2026, 3, 1), date(2026, 3, 31))

# Department a: u1–u3 with access in March, u4 revoked in February (not in March's population). Department b:
# u5–u10. Department c: u11, granted only in April. Usage in March: u1, u2 use drafting; u5–u9 use drafting; u5
# uses review; u1 (department a) uses review too.
ROSTER = """user_id,department,access_granted_on,access_revoked_on
u1,a,2026-01-01,
u2,a,2026-01-01,
u3,a,2026-02-15,
u4,a,2026-01-01,2026-02-20
u5,b,2026-01-01,
u6,b,2026-01-01,
u7,b,2026-01-01,
u8,b,2026-01-01,
u9,b,2026-01-01,
u10,b,2026-01-01,
u11,c,2026-04-01,
"""
USAGE = "event_id,occurred_at,user_id,use_case\n" + "".join(
    f"e{i},2026-03-{10 + i:02d}T09:00:00Z,{user},{case}\n" for i, (user, case) in enumerate(
        [("u1", "drafting"), ("u2", "drafting"), ("u5", "drafting"), ("u6", "drafting"), ("u7", "drafting"),
         ("u8", "drafting"), ("u9", "drafting"), ("u5", "review"), ("u1", "review")]))


@pytest.fixture
def people(con: duckdb.DuckDBPyConnection, ingest: Ingest) -> duckdb.DuckDBPyConnection:
    assert ingest(ROSTER, "roster.csv").status == "stored"
    assert ingest(USAGE, "usage.csv").status == "stored"
    return con


def test_a_department_counts_its_roster_people_with_access_in_the_window(people: duckdb.DuckDBPyConnection) -> None:
    assert privacy.group_sizes(people, MARCH, "department") == {"a": 3, "b": 6}


def test_a_use_case_counts_the_people_who_used_it(people: duckdb.DuckDBPyConnection) -> None:
    assert privacy.group_sizes(people, MARCH, "use_case") == {"drafting": 7, "review": 2}
    # Within one department, and departments within one use case: the people who used it there.
    assert privacy.group_sizes(people, replace(MARCH, department="b"), "use_case") == {"drafting": 5, "review": 1}
    assert privacy.group_sizes(people, replace(MARCH, use_case="drafting"), "department") == {"a": 2, "b": 5}


def test_a_filtered_view_is_about_its_groups_people(people: duckdb.DuckDBPyConnection) -> None:
    assert privacy.view_size(people, MARCH) is None  # the whole stage: never hidden
    assert privacy.view_size(people, replace(MARCH, department="a")) == 3
    assert privacy.view_size(people, replace(MARCH, department="c")) == 0
    assert privacy.view_size(people, replace(MARCH, use_case="review")) == 2
    assert privacy.view_size(people, replace(MARCH, department="b", use_case="drafting")) == 5


@pytest.mark.parametrize(("sizes", "floor", "expected"), [
    ({"a": 3, "b": 6, "c": 9}, 5, {"a", "b"}),          # one small: the next smallest goes with it
    ({"a": 3, "b": 4, "c": 9}, 5, {"a", "b"}),          # two small: they hide each other
    ({"a": 3, "b": 6, "c": 6}, 5, {"a", "b"}),          # the complement on a tie: by name
    ({"a": 3}, 5, {"a"}),                               # nothing else to hide it with
    ({"a": 3, "b": 0, "c": 7}, 5, {"a", "c"}),          # nobody in b: nothing to hide, nor to hide with
    ({"a": 5, "b": 6}, 5, set()),                       # at the floor: shown
    ({"a": 1, "b": 6}, 0, set()),                       # 0 turns the floor off
])
def test_hidden_groups_and_their_complement(sizes: dict[str, int], floor: int, expected: set[str]) -> None:
    assert privacy.hidden(sizes, floor) == expected


def test_a_list_counts_the_distinct_people_it_names() -> None:
    rows = pl.DataFrame({"user_id": ["u1", "u2", "u1", None], "use_case": ["x", "y", "z", "w"]})
    assert privacy.people_named(rows) == 2
    assert privacy.people_named(pl.DataFrame({"reviewer_id": ["r1"], "user_id": ["u1"]})) == 2
    assert privacy.people_named(pl.DataFrame({"incident_id": ["i1", "i2"]})) is None


def test_the_command_line_refuses_a_view_of_fewer_people(people: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    people.close()
    db = tmp_path / "rollgate.duckdb"

    def metrics(*args: str, plan: Path = ROOT / "data" / "plan.toml") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ROOT / "cli.py"), "metrics", "--month", "2026-03", *args,
                               "--db", str(db), "--plan", str(plan)], capture_output=True, text=True, timeout=120)

    small = metrics("--department", "a")
    assert (small.returncode, small.stdout) == (1, "")
    assert small.stderr == ("error: The department a covers fewer than 5 people from 2026-03-01 to 2026-03-31, so its "
                            "values are not shown: the plan keeps groups this small private (privacy_min_group = 5). "
                            "Leave out the filter or choose a larger group.\n")
    assert metrics("--department", "b").returncode == 0
    assert metrics().returncode == 0  # the whole organisation is never hidden
    off = tmp_path / "plan.toml"
    off.write_text((ROOT / "data" / "plan.toml").read_text().replace("privacy_min_group = 5", "privacy_min_group = 0"))
    assert metrics("--department", "a", plan=off).returncode == 0


def test_a_page_filtered_to_a_small_department_shows_no_values(demo_db: Path) -> None:
    from pages_fixture import app, texts

    at = app("pages/overview.py", address={"from": "2026-06", "to": "2026-06", "department": "finance"})
    assert not at.exception
    assert texts(at.info) == ("The department finance covers fewer than 5 people in this window, so its rollout "
                              "evidence is not shown: the plan keeps groups this small private (privacy_min_group = "
                              "5). Choose a larger group or all of them in the sidebar; the review of the whole stage "
                              "is always shown.")
    assert not at.metric


def test_a_breakdown_hides_a_small_department_and_its_complement(demo_db: Path) -> None:
    from pages_fixture import app, months, run, texts

    at = months(app(), "2026-06")
    at.session_state["quality_view"] = "By department"
    at.switch_page("pages/quality.py")
    run(at)
    table = at.dataframe[0].value
    shown = dict(zip(table["Group"], table["Error rate"], strict=True))
    # June: finance has 3 people with access, sales 6 — hidden with it so that the total cannot give finance away.
    assert shown["finance"] == shown["sales"] == "fewer than 5 people"
    assert shown["legal"] != "fewer than 5 people"
    assert ("Not shown under the plan's privacy floor (fewer than 5 people; when only one group is that small, the "
            "next smallest is hidden with it, so the total cannot give it away): finance, sales.") in texts(at.caption)
