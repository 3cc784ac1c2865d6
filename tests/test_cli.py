"""The command line: output, --json, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_ingest_reports_each_file_and_json_has_the_counts(tmp_path: Path) -> None:
    good = tmp_path / "tickets.csv"
    good.write_text("ticket_id,opened_at,category\nT1,2026-03-01,how_to\nT2,2026-03-02,teleport\n")
    bad = tmp_path / "nothing.csv"
    bad.write_text("alpha,beta\n1,2\n")
    result = cli("ingest", str(good), str(bad), "--json", db=tmp_path / "r.duckdb")
    assert result.returncode == 1  # one file was refused
    files = json.loads(result.stdout)["files"]
    assert [(f["file"], f["status"], f["dataset"], f["inserted"], f["rejected"]) for f in files] == [
        ("tickets.csv", "stored", "support", 1, 1), ("nothing.csv", "refused", None, 0, 0)]
    assert files[0]["rejects"] == [{"line": 3, "column": "category", "raw": json.dumps(
        {"ticket_id": "T2", "opened_at": "2026-03-02", "category": "teleport"}, separators=(",", ":")),
        "reason": "'teleport' is not one of how_to, allowed_use, data_rules, review, access, output_quality, "
                  "bug, other"}]
    assert result.stderr.startswith("nothing.csv: no dataset matches its columns ('alpha', 'beta'). roster needs "
                                    "user_id, department, access_granted_on; ")


def test_plain_output_lists_rejects_by_line(tmp_path: Path) -> None:
    f = tmp_path / "tickets.csv"
    f.write_text("ticket_id,opened_at,category\nT1,2026-03-01,how_to\nT2,,bug\n")
    result = cli("ingest", str(f), db=tmp_path / "r.duckdb")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "tickets.csv: support, 2 rows read; stored 1 new, 0 updated, 0 unchanged; 1 rejected, 0 duplicates.",
        "  · Detected as support (support: 85% (3 of 3 required, 0 of 5 optional columns)).",
        "  ✗ line 3, opened_at: is empty; a value is required",
    ]


def test_second_upload_of_the_same_file_is_skipped(tmp_path: Path) -> None:
    f = tmp_path / "tickets.csv"
    f.write_text("ticket_id,opened_at,category\nT1,2026-03-01,how_to\n")
    db = tmp_path / "r.duckdb"
    assert cli("ingest", str(f), db=db).returncode == 0
    again = cli("ingest", str(f), "--json", db=db)
    assert again.returncode == 0
    report = json.loads(again.stdout)["files"][0]
    assert report["status"] == "skipped"
    assert report["message"].startswith("tickets.csv: already imported as ingestion #1 on ")


def test_undo_and_ingestions(tmp_path: Path) -> None:
    f = tmp_path / "tickets.csv"
    f.write_text("ticket_id,opened_at,category\nT1,2026-03-01,how_to\n")
    db = tmp_path / "r.duckdb"
    cli("ingest", str(f), db=db)
    undone = cli("undo", "1", "--json", db=db)
    assert undone.returncode == 0
    assert json.loads(undone.stdout)["removed"] == 1
    listed = json.loads(cli("ingestions", "--json", db=db).stdout)["ingestions"]
    assert [(r["id"], r["file_name"], r["undone_at"] is not None) for r in listed] == [(1, "tickets.csv", True)]
    missing = cli("undo", "9", db=db)
    assert (missing.returncode, missing.stderr) == (
        1, "error: There is no ingestion #9; list them with the Upload page's history.\n")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert cli("ingest", db=tmp_path / "r.duckdb").returncode == 2
    assert cli("frobnicate", db=tmp_path / "r.duckdb").returncode == 2
    assert cli("undo", "abc", db=tmp_path / "r.duckdb").returncode == 2


def test_a_missing_file_is_a_refused_input(tmp_path: Path) -> None:
    result = cli("ingest", str(tmp_path / "nope.csv"), db=tmp_path / "r.duckdb")
    assert (result.returncode, result.stderr) == (1, f"error: {tmp_path / 'nope.csv'}: no such file; check the path.\n")


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = cli("--help", db=tmp_path / "r.duckdb").stdout
    for command in ("ingest", "undo", "ingestions", "demo"):
        assert command in out


def test_a_clean_csv_import_does_not_load_polars(tmp_path: Path) -> None:
    # polars is needed only to list rejected rows: a clean import does not pay for its start-up.
    csv = tmp_path / "usage.csv"
    csv.write_text("event_id,occurred_at,user_id,use_case\nE1,2026-03-02T10:00:00Z,ana@x.org,drafting\n")
    program = ("import sys, cli; status = cli.main(['ingest', sys.argv[1], '--db', sys.argv[2], '--json']); "
               "print(status, 'polars' in sys.modules, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", program, str(csv), str(tmp_path / "r.duckdb")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.stderr == "0 False\n"
    assert json.loads(result.stdout)["files"][0]["inserted"] == 1


def test_the_installed_rollgate_command_is_the_command_line_from_any_folder(tmp_path: Path) -> None:
    """make installs `rollgate` in .venv (pyproject's [project.scripts]); it runs cli.py's commands under its own
    name, wherever it is started."""
    command = Path(sys.executable).parent / "rollgate"
    assert command.exists(), "run make (it installs the rollgate command in .venv)"
    db = tmp_path / "rollgate.duckdb"
    demo = subprocess.run([str(command), "demo", "--db", str(db)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert demo.returncode == 0, demo.stderr
    listed = subprocess.run([str(command), "ingestions", "--db", str(db), "--json"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert len(json.loads(listed.stdout)["ingestions"]) == 8
    wrong = subprocess.run([str(command), "export", "x", "--db", str(db)], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
    assert (wrong.returncode, wrong.stderr.strip()) == (
        1, "error: export 'x' is not a snapshot id; write a number such as 3 (see `rollgate snapshots`).")
