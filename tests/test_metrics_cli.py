"""`cli.py metrics`: the JSON of DESIGN.md §6, the plain table, and exit codes with exact messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from metrics_fixture import PLAN_TOML, load

from loaders import store
from metrics.registry import METRICS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """ROLLGATE_DB holding the fixture exports and ROLLGATE_PLAN the fixture plan."""
    db, plan = tmp_path / "rollgate.duckdb", tmp_path / "plan.toml"
    with store.connect(db) as con:
        load(con, tmp_path / "exports")
    plan.write_text(PLAN_TOML, encoding="utf-8")
    return {**os.environ, "ROLLGATE_DB": str(db), "ROLLGATE_PLAN": str(plan)}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), "metrics", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_json_has_the_window_and_every_metric(env: dict[str, str]) -> None:
    result = cli(env, "--from", "2026-03-10", "--to", "2026-03-31", "--department", "Legal", "--json")
    assert (result.returncode, result.stderr) == (0, "")
    out = json.loads(result.stdout)
    assert out["window"] == {"from": "2026-03-10", "to": "2026-03-31", "department": "legal", "use_case": None}
    assert list(out["metrics"]) == [m.id for m in METRICS]
    assert all(set(v) == {"value", "n", "low", "high", "unit", "missing"} for v in out["metrics"].values())
    # legal, Mar 10–31 (tests/test_metrics_oracle.py): 2 of 3 reviews corrected or rejected
    error_rate = out["metrics"]["quality.error_rate"]
    assert (error_rate["value"], error_rate["n"], error_rate["unit"]) == (pytest.approx(2 / 3), 3, "ratio")
    assert (round(error_rate["low"], 4), round(error_rate["high"], 4)) == (0.2077, 0.9385)
    assert out["metrics"]["cost.cash_cost"] == {"value": 120.0, "n": None, "low": None, "high": None,
                                                "unit": "currency", "missing": None}
    assert out["metrics"]["support.satisfaction"] == {"value": 3.0, "n": 2, "low": None, "high": None,
                                                      "unit": "score", "missing": None}


def test_plain_output_is_a_table_grouped_by_family(env: dict[str, str]) -> None:
    result = cli(env, "--month", "2026-01")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Metrics for 2026-01-01 – 2026-01-31"
    assert [line for line in lines if line and not line.startswith(" ")][1:] == [
        "QUALITY — Were outputs accurate enough after human review?",
        "VALUE — Does the tool save more time than reviewing and fixing its outputs costs?",
        "COST — Did costs stay reasonable and within budget?",
        "RISK — Were incidents rare, handled, and was use kept to people with access?",
        "ADOPTION — Did the right, trained people use it, within the approved use cases?",
        "SUPPORT — Did support requests reveal confusion, and are users satisfied?",
    ]
    rows = {line.split("  ")[1]: " ".join(line.split()) for line in lines if line.startswith("  ")}
    # January: U01 only (ann, 2 accepted, before the first stage); no export of reviews, costs or feedback
    # covers it (their rows start in February or March)
    assert rows["Reviewed outputs"] == "Reviewed outputs no data (no reviews export covers January 2026)"
    assert rows["Error rate"] == "Error rate no data (no reviews export covers January 2026)"
    assert rows["Acceptance rate"] == "Acceptance rate 100.0% n=2 34.2%–100.0%"
    assert rows["Gross hours saved"] == "Gross hours saved 0.3 h"
    assert rows["Net value"] == "Net value no data (no reviews export covers January 2026)"
    assert rows["Budget used"] == "Budget used no data (no costs export covers January 2026)"
    assert rows["Scope drift"] == "Scope drift 100.0% n=2 34.2%–100.0%"
    assert rows["Satisfaction"] == "Satisfaction no data (no feedback export covers January 2026)"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--month", "2026-13"], 1, "error: --month '2026-13' is not a month; write YYYY-MM, e.g. 2026-03.\n"),
    (["--from", "2026-03-01", "--to", "2026-02-30"], 1,
     "error: --to '2026-02-30' is not a date; write YYYY-MM-DD, e.g. 2026-03-01.\n"),
    (["--from", "2026-03-01"], 2,
     "cli.py metrics: error: give the window as --month YYYY-MM, or as --from DATE and --to DATE together\n"),
    (["--month", "2026-03", "--from", "2026-03-01", "--to", "2026-03-31"], 2,
     "cli.py metrics: error: give either --month or --from and --to, not both\n"),
])
def test_bad_windows_exit_with_a_message_naming_the_option(env: dict[str, str], args: list[str], code: int,
                                                           message: str) -> None:
    result = cli(env, *args)
    assert (result.returncode, result.stdout, result.stderr) == (code, "", message)


def test_a_missing_plan_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    result = cli(env, "--month", "2026-03", "--plan", str(tmp_path / "nowhere.toml"))
    assert result.returncode == 1
    assert result.stderr == (f"error: {tmp_path / 'nowhere.toml'}: no such plan file; give --plan PATH or set "
                             "ROLLGATE_PLAN.\n")


def test_unknown_options_are_usage_errors(env: dict[str, str]) -> None:
    assert cli(env, "--month", "2026-03", "--week", "9").returncode == 2
