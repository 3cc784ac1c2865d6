"""The coverage grid (DESIGN.md §2 Coverage): every dataset × month, whether an export covers it and its
rows there — in metrics.coverage.grid, on the Upload page and in `cli.py coverage`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
from conftest import Ingest
from pages_fixture import app, run

from core.paths import ROOT
from loaders.ingest import IngestOptions
from metrics.coverage import Cell, grid
from ui.upload import coverage_frame

USAGE = ("occurred_at,user_id,use_case\n2026-03-02T10:00:00Z,ann,drafting\n2026-03-20T10:00:00Z,bob,drafting\n"
         "2026-04-01T09:00:00Z,ann,drafting\n")


def test_the_grid_says_which_months_each_export_covers_and_its_rows(ingest: Ingest,
                                                                   con: duckdb.DuckDBPyConnection) -> None:
    assert grid(con) == []  # nothing with dates loaded yet
    ingest("user_id,department,access_granted_on\nann,legal,2026-01-01\nbob,legal,2026-01-01\n", "roster.csv")
    ingest(USAGE, "usage.csv", IngestOptions(period="2026-03"))  # a row of 1 April outside the period given
    ingest("incident_id,reported_at,category,severity\n", "incidents.csv", IngestOptions(period="2026-04"))
    cells = {(c.dataset, c.month): c for c in grid(con)}
    assert sorted({m for _, m in cells}) == ["2026-03", "2026-04"]
    assert cells["usage", "2026-03"] == Cell("usage", "2026-03", 31, 31, 2)
    assert cells["usage", "2026-04"] == Cell("usage", "2026-04", 0, 30, 1)
    assert cells["incidents", "2026-03"].status == "missing"
    assert (cells["incidents", "2026-04"].status, cells["incidents", "2026-04"].rows) == ("covered", 0)
    assert [(cells["roster", m].status, cells["roster", m].rows) for m in ("2026-03", "2026-04")] == [
        ("covered", 2), ("covered", 2)]
    assert {cells[d, "2026-03"].status for d in ("reviews", "costs", "support", "training", "feedback")} == {
        "missing"}
    frame = coverage_frame(grid(con))
    assert frame.columns == ["Dataset", "Mar 2026", "Apr 2026"]
    assert frame.row(0) == ("roster", "✔ 2", "✔ 2")
    assert frame.filter(frame["Dataset"] == "usage").row(0) == ("usage", "✔ 2", "✖ missing")
    assert frame.filter(frame["Dataset"] == "incidents").row(0) == ("incidents", "✖ missing", "✔ 0")


def test_a_partly_covered_month_says_so(ingest: Ingest, con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    ingest("incident_id,reported_at,category,severity\n", "incidents.csv", IngestOptions(period="2026-03"))
    con.execute("update ingestions set period_to = date '2026-03-15'")
    [cell] = [c for c in grid(con) if c.dataset == "incidents"]
    assert (cell.covered_days, cell.days, cell.status) == (15, 31, "partly")


def test_the_upload_page_shows_the_grid_of_the_demo_data(demo_db: Path) -> None:
    at = run(app("pages/upload.py"))
    table = next(d.value for d in at.dataframe if list(d.value.columns)[:2] == ["Dataset", "Jan 2026"])
    assert list(table.columns) == ["Dataset", *(f"{m} 2026" for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                                                        "Aug", "Sep"))]
    assert list(table["Dataset"]) == ["roster", "training", "usage", "reviews", "costs", "incidents", "support",
                                      "feedback"]
    assert all(str(v).startswith("✔") for v in table.drop(columns="Dataset").to_numpy().ravel())
    assert "Coverage" in [h.value for h in at.subheader]


def test_the_command_line_prints_the_grid_and_its_json(tmp_path: Path) -> None:
    env = {**os.environ, "ROLLGATE_DB": str(tmp_path / "r.duckdb")}
    env.pop("ROLLGATE_PLAN", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=120)

    assert cli("coverage").stdout == "No export with dates is loaded yet, so no month is covered.\n"
    (tmp_path / "usage.csv").write_text(USAGE, encoding="utf-8")
    (tmp_path / "incidents.csv").write_text("incident_id,reported_at,category,severity\n", encoding="utf-8")
    assert cli("ingest", str(tmp_path / "usage.csv"), "--period", "2026-03").returncode == 0
    stored = cli("ingest", str(tmp_path / "incidents.csv"), "--period", "2026-04")
    assert stored.returncode == 0, stored.stderr
    shown = cli("coverage")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[:9] == [
        "           2026-03    2026-04",
        "roster     ✖ missing  ✖ missing",
        "training   ✖ missing  ✖ missing",
        "usage      ✔ 2        ✖ missing",
        "reviews    ✖ missing  ✖ missing",
        "costs      ✖ missing  ✖ missing",
        "incidents  ✖ missing  ✔ 0",
        "support    ✖ missing  ✖ missing",
        "feedback   ✖ missing  ✖ missing"]
    cells = {(c["dataset"], c["month"]): c for c in json.loads(cli("coverage", "--json").stdout)["coverage"]}
    assert cells["usage", "2026-04"] == {"dataset": "usage", "month": "2026-04", "status": "missing",
                                         "covered_days": 0, "days": 30, "rows": 1}
