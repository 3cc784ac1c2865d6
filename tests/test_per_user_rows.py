"""Per-user rows (DESIGN.md §3): an export without people — the GitHub Copilot organisation report, whose
rows all name the pseudo-user `organisation` — counts in interaction totals, acceptance and hours, and
never as a person: active users, the per-user ratios and the access and scope tests leave it out, and
when no row of the window names a person they say so instead of counting the pseudo-user."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import Ingest
from test_presets import ORG_REPORT

from core.paths import ROOT
from loaders import store
from loaders.ingest import NO_PEOPLE_NOTE, ingest_file
from metrics import MetricContext, Window, compute
from metrics.engine import NO_PEOPLE

APRIL = Window(dt.date(2026, 4, 1), dt.date(2026, 4, 28))
CONTEXT = MetricContext(hourly_rate=60.0)
PEOPLE_METRICS = ["adoption.active_users", "adoption.activation_rate", "adoption.heavy_user_share",
                  "adoption.interactions_per_active_user", "adoption.scope_drift_share",
                  "adoption.untrained_active_users", "cost.cost_per_active_user", "risk.unauthorised_use_share",
                  "support.tickets_per_100_users", "value.net_hours_per_active_user"]


def test_an_organisation_report_counts_in_totals_and_never_as_people(ingest: Ingest,
                                                                     con: duckdb.DuckDBPyConnection) -> None:
    report = ingest(json.dumps(ORG_REPORT), "organization-28-day-report.json")
    assert (report.status, report.user_level) == ("stored", False)
    assert NO_PEOPLE_NOTE in report.notes
    assert con.execute("select user_level from ingestions").fetchall() == [(False,)]
    ingest("user_id,department,access_granted_on\nann,legal,2026-01-01\n", "roster.csv")
    ingest("module,user_id,completed_on\nintro,ann,2026-01-02\n", "training.csv")
    values = compute(con, CONTEXT, APRIL)
    # 11 agent-mode chats + 60 accepted + 90 discarded completions + 40 CLI prompts
    assert values["adoption.interactions"].value == 201
    assert values["quality.acceptance_rate"].value == 60 / 150
    # the pseudo-user is nobody: no active user of 1, no heavy-user share of 100%
    for metric_id in PEOPLE_METRICS:
        assert values[metric_id].value is None, metric_id
        assert NO_PEOPLE in (values[metric_id].missing or ""), metric_id
    assert values["adoption.active_users"].missing == NO_PEOPLE
    assert values["adoption.users_with_access"].value == 1  # the roster still says who had access


def test_beside_a_per_user_export_only_the_people_count_as_people(ingest: Ingest,
                                                                  con: duckdb.DuckDBPyConnection) -> None:
    ingest(json.dumps(ORG_REPORT), "organization-28-day-report.json")
    ingest("user_id,department,access_granted_on\nann,legal,2026-01-01\n", "roster.csv")
    ingest("event_id,occurred_at,user_id,use_case,interactions\nE1,2026-04-03T10:00:00Z,ann,drafting,5\n"
           "E2,2026-04-04T10:00:00Z,bob,drafting,3\n", "usage.csv")
    values = compute(con, CONTEXT, APRIL)
    assert values["adoption.interactions"].value == 209  # 201 + 5 + 3: totals count every use
    assert values["adoption.active_users"].value == 2  # ann and bob, not `organisation`
    assert values["adoption.interactions_per_active_user"].value == 4.0  # (5 + 3) / 2
    assert (values["adoption.heavy_user_share"].value, values["adoption.heavy_user_share"].n) == (5 / 8, 8)
    # bob has no roster row: 3 of the 8 uses that name people were made without access
    assert (values["risk.unauthorised_use_share"].value, values["risk.unauthorised_use_share"].n) == (3 / 8, 8)
    assert values["adoption.activation_rate"].value == 1.0  # ann, the one person with access, used it


def test_the_command_line_says_an_organisation_report_names_nobody(tmp_path: Path) -> None:
    report = tmp_path / "organization-28-day-report.json"
    report.write_text(json.dumps(ORG_REPORT), encoding="utf-8")
    env = {**os.environ, "ROLLGATE_DB": str(tmp_path / "r.duckdb")}
    env.pop("ROLLGATE_PLAN", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=120)

    stored = cli("ingest", str(report), "--json")
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["files"][0]["user_level"] is False
    values = json.loads(cli("metrics", "--from", "2026-04-01", "--to", "2026-04-28", "--json").stdout)["metrics"]
    assert values["adoption.interactions"]["value"] == 201
    assert (values["adoption.active_users"]["value"], values["adoption.active_users"]["missing"]) == (None, NO_PEOPLE)
    assert values["adoption.heavy_user_share"]["missing"] == NO_PEOPLE


def test_the_overview_of_an_organisation_report_counts_nobody(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pages_fixture import app, route_through_app, run, texts, use_plan

    db = tmp_path / "rollgate.duckdb"
    with store.connect(db) as con:
        for name, content in (("organization-28-day-report.json", json.dumps(ORG_REPORT)),
                              ("roster.csv", "user_id,department,access_granted_on\nann,legal,2026-01-01\n")):
            path = tmp_path / name
            path.write_text(content, encoding="utf-8")
            assert ingest_file(con, path, name).status == "stored"
    route_through_app(monkeypatch)
    use_plan(tmp_path, monkeypatch)
    monkeypatch.setenv("ROLLGATE_DB", str(db))
    at = run(app())
    assert not at.exception
    adoption = at.metric[4]  # the Adoption card: its first gate without evidence, a share of people's use
    assert (adoption.label, adoption.value) == ("Scope drift", "no data")
    assert "1" not in [m.value for m in at.metric]  # nothing counts the pseudo-user `organisation` as one person
    assert NO_PEOPLE in texts(at.caption)
