"""JSON output never holds NaN or Infinity (DESIGN.md §4, §6): the numbers that could become non-finite
are kept finite where they are computed, and every --json goes through one strict writer."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from snapshot_fixture import plan as default_plan
from snapshot_fixture import pure_review, pure_snapshot
from test_plan import BASE, dumps_toml, with_changes

import cli
from metrics.measure import proportion, quotient
from metrics.model import MetricValue, wilson
from snapshots.compare import compare

ROOT = Path(__file__).resolve().parent.parent
STRICT_ONLY = "Out of range float values are not JSON compliant"


def strict(text: str) -> Any:
    """JSON as a strict reader takes it: NaN, Infinity and -Infinity are errors."""
    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    pytest.param(6000.0, 1e-306, None, id="beyond-floats"),
    pytest.param(-6000.0, 1e-306, None, id="beyond-floats-negative"),
    pytest.param(1000.0, 0.0, None, id="zero"),
    pytest.param(None, 5.0, None, id="no-numerator"),
    pytest.param(6000.0, 1e-300, 6e303, id="large-but-finite"),
    pytest.param(3.0, 4.0, 0.75, id="plain"),
])
def test_a_quotient_is_finite_or_null(numerator: float | None, denominator: float, expected: float | None) -> None:
    assert quotient("cost.value_to_cost_ratio", numerator, denominator, n=7) == MetricValue(
        "cost.value_to_cost_ratio", expected, 7)


def test_a_proportion_of_nothing_has_no_value_and_no_interval() -> None:
    assert proportion("quality.error_rate", 0, 0) == MetricValue("quality.error_rate", None, 0, None, None)
    assert wilson(0, 0) == (None, None)
    low, high = wilson(0, 1)
    assert low is not None and high is not None
    assert (low, round(high, 6)) == (0.0, 0.793451)


@pytest.fixture
def tiny_denominators(tmp_path: Path) -> tuple[Path, Path]:
    """March: hours saved against a review whose rework is 1e-306 minutes (and a cost line of 0), so value
    to cost would be 6000 / 1e-306; April: 1,000 spent against a monthly budget of 1e-306, so budget use
    would be 1e309. Both are beyond every float. Costs cover both months, reviews March, and an empty
    reviews export says that nothing was reviewed in April."""
    (tmp_path / "usage.csv").write_text("event_id,occurred_at,user_id,use_case,interactions,output_action,"
                                        "minutes_saved\nE1,2026-03-10,a@x.org,drafting,100,accepted,60\n"
                                        "E2,2026-04-10,a@x.org,drafting,100,accepted,60\n")
    (tmp_path / "reviews.csv").write_text("review_id,reviewed_at,use_case,outcome,rework_minutes\n"
                                          "R1,2026-03-10,drafting,approved,1e-306\n")
    (tmp_path / "costs.csv").write_text("month,category,amount\n2026-03,licence,0\n2026-04,licence,1000\n")
    (tmp_path / "reviews-april.csv").write_text("review_id,reviewed_at,use_case,outcome\n")
    plan = tmp_path / "plan.toml"
    gate = {"metric": "cost.value_to_cost_ratio", "op": ">=", "threshold": 1.2, "on_fail": "limit"}
    plan.write_text(dumps_toml(with_changes((("hourly_rate",), 60.0), (("stages", 1, "monthly_budget"), 1e-306),
                                            (("stages", 1, "gates"), [gate]))))
    db = tmp_path / "r.duckdb"
    result = _cli("ingest", *(str(tmp_path / f) for f in ("usage.csv", "reviews.csv", "costs.csv")), db=db,
                  plan=plan)
    assert result.returncode == 0, result.stderr
    result = _cli("ingest", str(tmp_path / "reviews-april.csv"), "--dataset", "reviews", "--period", "2026-04",
                  db=db, plan=plan)
    assert result.returncode == 0, result.stderr
    return db, plan


def _cli(*args: str, db: Path, plan: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(db), "ROLLGATE_PLAN": str(plan)}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_metrics_json_holds_null_where_a_quotient_would_be_beyond_floats(tiny_denominators: tuple[Path, Path]) -> None:
    db, plan = tiny_denominators
    march = strict(_cli("metrics", "--month", "2026-03", "--json", db=db, plan=plan).stdout)["metrics"]
    april = strict(_cli("metrics", "--month", "2026-04", "--json", db=db, plan=plan).stdout)["metrics"]
    assert march["value.gross_hours_saved"]["value"] == 100.0
    assert march["cost.total_cost"]["value"] == pytest.approx(1e-306)
    assert march["cost.value_to_cost_ratio"] == {"value": None, "n": None, "low": None, "high": None,
                                                 "unit": "ratio", "missing": None}
    assert april["cost.cash_cost"]["value"] == 1000.0
    assert april["cost.budget_utilisation"] == {"value": None, "n": None, "low": None, "high": None, "unit": "ratio",
                                                "missing": None}
    assert april["cost.value_to_cost_ratio"]["value"] == 6.0


def test_evaluate_json_judges_such_a_gate_as_having_no_data(tiny_denominators: tuple[Path, Path]) -> None:
    db, plan = tiny_denominators
    result = _cli("evaluate", "--stage", "dept", "--month", "2026-03", "--json", db=db, plan=plan)
    assert result.returncode == 0, result.stderr
    criteria = strict(result.stdout)["criteria"]
    assert [(c["metric"], c["status"], c["value"]) for c in criteria] == [
        ("cost.value_to_cost_ratio", "insufficient", None)]


def test_every_json_output_is_strict() -> None:
    assert cli.dumps_json({"value": 0.25, "day": __import__("datetime").date(2026, 3, 1)}) == (
        '{\n  "value": 0.25,\n  "day": "2026-03-01"\n}')
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(cli.RollgateError) as refused:
            cli.dumps_json({"metrics": {"quality.error_rate": {"value": bad}}})
        assert str(refused.value) == ("internal error: the result holds a number that is not finite (NaN or "
                                      "infinity), so no JSON was printed. Please report this, with the command "
                                      "you ran.")
        assert str(refused.value.__cause__) == f"{STRICT_ONLY}: {bad!r}"


def test_a_non_finite_number_fails_the_command_instead_of_printing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from metrics.registry import METRICS

    def broken(*_: object) -> dict[str, MetricValue]:
        values = {m.id: MetricValue(m.id, None) for m in METRICS}
        return values | {"quality.error_rate": MetricValue("quality.error_rate", math.nan, 3)}

    monkeypatch.setattr(cli, "compute", broken)
    plan = tmp_path / "plan.toml"
    plan.write_text(dumps_toml(BASE))
    status = cli.main(["metrics", "--month", "2026-03", "--json", "--db", str(tmp_path / "r.duckdb"), "--plan",
                       str(plan)])
    out = capsys.readouterr()
    assert (status, out.out) == (1, "")
    assert out.err == ("error: internal error: the result holds a number that is not finite (NaN or infinity), so "
                       "no JSON was printed. Please report this, with the command you ran.\n")


def test_comparing_two_snapshots_whose_values_are_far_apart_gives_no_infinite_change() -> None:
    p = default_plan()
    a = pure_snapshot(pure_review(p, values={"adoption.interactions": -1.7e308}), p=p, snapshot_id=1)
    b = pure_snapshot(pure_review(p, values={"adoption.interactions": 1.7e308}), p=p, snapshot_id=2)
    row = next(m for m in compare(a, b).metrics if m.metric == "adoption.interactions")
    assert (row.value_a, row.value_b, row.change, row.change_text) == (-1.7e308, 1.7e308, None, "—")
    strict(cli.dumps_json(compare(a, b).as_json()))
