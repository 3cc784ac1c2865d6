"""`rollgate forecast`: the forecast in words and as JSON, and every refusal with its exact message and exit
status (1 for a refused value, 2 for a usage error), on the demo data."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from gates.forecast import Ask, forecast
from gates.plan_io import DEFAULT_PLAN, load_plan
from loaders import store
from loaders.demo import load_demo
from metrics.window import month_window

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the demo exports, shared by this module's tests (read only after loading)."""
    path = tmp_path_factory.mktemp("demo") / "rollgate.duckdb"
    with store.connect(path) as con:
        assert all(r.status == "stored" for r in load_demo(con))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str, db: Path) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `rollgate forecast ARGS` against `db` and the default plan."""
    status = cli.main(["forecast", *args, "--db", str(db), "--plan", str(DEFAULT_PLAN)])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_forecast_in_words(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    status, out, err = run(capsys, "--month", "2026-03", db=demo_db)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[:4] == [
        "Expansion forecast of stage 'department' (Department rollout) for Apr 2026, its first full month: 45 people "
        "with access (the stage's expected_users in the plan), damping 1.",
        "Learned from stage 'pilot' (Limited pilot users), 1 Mar 2026 to 31 Mar 2026.",
        "",
        "  Measure          Central  80% range    Unit          Current rate"]
    assert [line.split()[:2] for line in lines[4:10]] == [["Active", "users"], ["Interactions", "1,772"],
                                                          ["Support", "tickets"], ["Incidents", "2.8"],
                                                          ["Usage", "cost"], ["Net", "hours"]]
    assert lines[4] == ("  Active users          45  41–45        people        100% of the people with access used "
                        "the tool in an average month")
    assert lines[11] == "Assumptions:"
    assert lines[12] == ("  - Rates: those of stage pilot (Limited pilot users) over Mar 2026 (1 whole month): 16 "
                         "people had access and 16 of them used the tool.")


def test_json_is_the_forecast_record(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    status, out, _ = run(capsys, "--month", "2026-09", "--stage", "extra-review", "--users", "120",
                         "--damping", "0.7", "--json", db=demo_db)
    assert status == 0
    body = json.loads(out)
    assert list(body) == ["stage", "from_stage", "month", "period", "people", "damping", "currency", "method",
                          "measures", "assumptions"]
    assert (body["stage"], body["from_stage"], body["month"]) == (
        {"id": "extra-review", "name": "Department rollout with extra review"},
        {"id": "extra-review", "name": "Department rollout with extra review"}, "2026-10")
    assert body["period"] == {"from": "2026-09-01", "to": "2026-09-30", "months": 1}
    assert (body["people"], body["damping"], body["currency"]) == ({"count": 120, "source": "given"}, 0.7, "EUR")
    assert body["method"] == {"draws": 10_000, "seed": 20_261_201, "coverage": 0.8}
    assert [m["id"] for m in body["measures"]] == ["active_users", "interactions", "support_tickets", "incidents",
                                                   "usage_cost", "net_hours_saved"]
    assert list(body["measures"][0]) == ["id", "label", "unit", "central", "low", "high", "rate", "rate_text",
                                         "missing"]
    with store.connect(demo_db) as con:
        engine = forecast(con, load_plan(DEFAULT_PLAN), "extra-review", month_window("2026-09"),
                          Ask("extra-review", 120, 0.7))
    assert _close(body, json.loads(json.dumps(engine.as_json(), default=str)))


def _close(a: object, b: object) -> bool:
    """`a` and `b` hold the same data, numbers equal to 9 digits (a sum's last bits may differ between two runs of
    DuckDB's parallel aggregation)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@pytest.mark.parametrize(("args", "message"), [
    (["--month", "2026-09"],
     "error: stage 'extra-review', in force on 30 Sep 2026, is the last stage of the plan, so there is no next stage "
     "to forecast; name one with --stage ID (--stage extra-review --users N forecasts it at another number of "
     "people).\n"),
    (["--month", "2026-03", "--stage", "rollout"],
     "error: unknown stage 'rollout'; this plan's stages are: pilot, department, extra-review.\n"),
    (["--month", "2026-06", "--stage", "pilot"],
     "error: stage 'pilot' comes before stage 'department', whose months the forecast learns from; choose department "
     "or extra-review.\n"),
    (["--month", "2025-12"],
     "error: no stage of the plan is in force on 31 Dec 2025, so there are no months to forecast from; choose a "
     "month from Jan 2026, when the first stage starts.\n"),
    (["--month", "2026-03", "--users", "lots"],
     "error: --users 'lots' is not a number of people; write a whole number from 1 to 10,000,000, e.g. 250.\n"),
    (["--month", "2026-03", "--damping", "1.5"],
     "error: --damping '1.5' is not a damping factor; write a number above 0 and at most 1, e.g. 0.7 (1: the new "
     "people use the tool as the current ones do).\n"),
    (["--month", "2026-3"], "error: --month '2026-3' is not a month; write YYYY-MM, e.g. 2026-03.\n"),
])
def test_a_refused_value_exits_1_and_says_what_to_do(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     args: list[str], message: str) -> None:
    db = tmp_path / "r.duckdb"
    status, out, err = run(capsys, *args, db=db)
    assert (status, out, err) == (1, "", message)
    assert not db.exists()  # refused before the database is opened


@pytest.mark.parametrize(("args", "message"), [
    ([], "give the window as --month YYYY-MM, or as --from DATE and --to DATE together"),
    (["--month", "2026-03", "--from", "2026-03-01", "--to", "2026-03-31"],
     "give either --month or --from and --to, not both"),
])
def test_a_wrong_combination_of_options_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               args: list[str], message: str) -> None:
    status, _, err = run(capsys, *args, db=tmp_path / "r.duckdb")
    assert (status, err) == (2, f"cli.py forecast: error: {message}\n")


def test_the_command_runs_as_a_process(demo_db: Path) -> None:
    env = {**os.environ, "ROLLGATE_DB": str(demo_db)}
    env.pop("ROLLGATE_PLAN", None)
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "forecast", "--from", "2026-04-01", "--to",
                           "2026-06-30", "--json"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert (body["stage"]["id"], body["from_stage"]["id"], body["month"]) == ("extra-review", "department", "2026-08")
    unknown = subprocess.run([sys.executable, str(ROOT / "cli.py"), "forecast", "--month", "2026-03", "--stage", "x"],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert unknown.returncode == 1
    assert unknown.stderr == "error: unknown stage 'x'; this plan's stages are: pilot, department, extra-review.\n"
