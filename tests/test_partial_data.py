"""Verdicts on the data managers really have (DESIGN.md §2 Coverage, §3, §4): an export not loaded yet is
unknown, never 0 or 100%; a window with no data, a filter that leaves nobody and an export of a few days
each give a plain state in the command line and on the pages — never a traceback or a misleading status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pages_fixture import PAGES, app, months, run, texts

from core.paths import ROOT
from loaders import store
from loaders.ingest import undo


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    env.pop("ROLLGATE_PLAN", None)
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def _without(db: Path, *datasets: str) -> None:
    with store.connect(db) as con:
        for (ingestion_id,) in con.execute("select id from ingestions where dataset in (select unnest(?)) and "
                                           "undone_at is null", [list(datasets)]).fetchall():
            undo(con, ingestion_id)


def test_usage_before_the_roster_and_no_incidents_export_is_unknown_not_a_failure(demo_db: Path) -> None:
    _without(demo_db, "roster", "incidents")
    result = cli(demo_db, "evaluate", "--stage", "department", "--month", "2026-06", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    criteria = {c["metric"]: c for c in body["criteria"]}
    for metric in ("adoption.scope_drift_share", "adoption.activation_rate", "risk.unauthorised_use_share"):
        assert (criteria[metric]["status"], criteria[metric]["value"]) == ("insufficient", None), metric
        assert criteria[metric]["missing"] == "no roster loaded", metric
    # no incidents export: "0 incidents" does not pass the no-incident gate
    assert criteria["risk.high_severity_incidents"]["status"] == "insufficient"
    assert criteria["risk.high_severity_incidents"]["missing"] == "no incidents export covers June 2026"
    # nor is a data exposure silenced: the trigger cannot be checked, and says why
    exposure = next(t for t in body["triggers"] if t["name"] == "Unexpected data exposure")
    assert (exposure["status"], exposure["fired"]) == ("insufficient", False)
    assert "no incidents export covers" in exposure["explanation"]
    assert body["recommendation"]["outcome"] not in ("proceed",)
    assert not any("Use without access 100" in r for r in body["recommendation"]["reasons"])


def test_a_window_with_no_data_at_all_says_which_exports_are_missing(demo_db: Path) -> None:
    result = cli(demo_db, "metrics", "--month", "2025-06", "--json")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)["metrics"]
    # the roster covers every date (it describes who had access): nobody had access then
    assert {k: v["value"] for k, v in values.items() if v["value"] is not None} == {"adoption.users_with_access": 0}
    assert values["risk.incidents"]["missing"] == "no incidents export covers June 2025"
    assert values["adoption.active_users"]["missing"] == "no usage export covers June 2025"


def test_a_filter_that_leaves_nobody_gives_no_rates_and_no_traceback(demo_db: Path) -> None:
    result = cli(demo_db, "evaluate", "--stage", "department", "--month", "2026-06", "--department", "nobody",
                 "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    criteria = {c["metric"]: c for c in body["criteria"]}
    assert (criteria["quality.error_rate"]["status"], criteria["quality.error_rate"]["n"]) == ("insufficient", 0)
    assert (criteria["adoption.activation_rate"]["value"], criteria["adoption.activation_rate"]["status"]) == (
        None, "insufficient")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_partial_data_plainly(demo_db: Path, page: str) -> None:
    _without(demo_db, "roster", "support")
    at = run(app(page))
    assert not at.exception, page


def test_a_small_filtered_group_is_not_enough_evidence_for_trigger_or_gate(demo_db: Path) -> None:
    """Legal's drafting in June: 2 errors in 9 reviews. The trigger and the gate on the same evidence agree that
    9 reviews settle nothing, instead of the trigger driving a redesign the gate calls unjudgeable."""
    result = cli(demo_db, "evaluate", "--stage", "department", "--month", "2026-06", "--department", "legal",
                 "--use-case", "drafting", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    poor = next(t for t in body["triggers"] if t["name"] == "Repeated poor outputs")
    assert (poor["status"], poor["fired"], poor["n"], poor["min_sample"]) == ("insufficient", False, 9, 30)
    assert poor["explanation"] == ("'Repeated poor outputs' would fire, but only 9 reviews in the 30 days to "
                                   "30 Jun 2026; it needs 30 to judge.")
    error = next(c for c in body["criteria"] if c["metric"] == "quality.error_rate")
    assert (error["status"], error["n"]) == ("insufficient", 9)
    assert not any("Repeated poor outputs" in r and "→ redesign" in r for r in body["recommendation"]["reasons"])


def test_gate_review_of_a_small_filtered_group_shows_the_trigger_as_not_enough_evidence(demo_db: Path) -> None:
    at = app("pages/gate_review.py")
    months(at, "2026-06", "2026-06")
    at.session_state["filter_department"] = "legal"
    at.session_state["filter_use_case"] = "drafting"
    run(at)
    assert not at.exception
    triggers = next(d.value for d in at.dataframe if "Trigger" in d.value.columns)
    poor = triggers[triggers["Trigger"] == "Repeated poor outputs"].to_dict("records")[0]
    assert (poor["Status"], poor["Explanation"]) == (
        "? Not enough evidence", "'Repeated poor outputs' would fire, but only 9 reviews in the 30 days to "
                                 "30 Jun 2026; it needs 30 to judge.")


def test_the_pages_say_when_a_metric_has_no_export_covering_it(demo_db: Path) -> None:
    _without(demo_db, "support")
    at = app("pages/support.py")
    months(at, "2026-06", "2026-06")
    run(at)
    assert not at.exception
    assert "no support export covers June 2026" in texts(at.caption)
    _without(demo_db, "feedback")
    overview = run(app())
    assert not overview.exception
    # the Support card headlines its first gate without evidence, and says why
    assert "? limit ≤ 40 · no support export covers September 2026" in texts(overview.caption)
    assert {m.label: m.value for m in overview.metric}["Tickets per 100 users"] == "no data"
