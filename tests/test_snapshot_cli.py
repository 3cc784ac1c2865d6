"""`cli.py snapshot`, `snapshots`, `verify`, `compare` and `export`: output, files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from snapshot_fixture import demo_database

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    env.pop("ROLLGATE_PLAN", None)
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return demo_database(tmp_path)


PAUSE = ("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "pause", "--by", "Head of Legal Ops",
         "--rationale", "Data exposure incident.", "--next-review", "2026-07-31")


def test_snapshot_writes_three_files_that_verify_and_lists_them(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "meeting"
    made = cli(*PAUSE, "--out", str(out), db=db)
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert lines[0] == ("Recorded snapshot #1: decision PAUSE by Head of Legal Ops (recommendation PAUSE) for stage "
                        "'department', 2026-06-01 to 2026-06-30.")
    files = {line.split()[0]: Path(line.split()[1]) for line in lines[2:]}
    assert sorted(files) == ["CSV", "HTML", "JSON"]
    assert all(f.parent == out and f.is_file() for f in files.values())
    checked = cli("verify", str(files["JSON"]), db=db)
    assert checked.returncode == 0 and " intact and signed — snapshot #1, content_sha256 " in checked.stdout

    listed = cli("snapshots", "--json", db=db)
    assert listed.returncode == 0
    [entry] = json.loads(listed.stdout)["snapshots"]
    assert (entry["id"], entry["stage"], entry["decision"], entry["recommendation"], entry["intact"]) == (
        1, "department", "pause", "pause", True)
    assert cli("verify", "1", db=db).stdout.startswith("snapshot #1 in the database: intact")


def test_changing_one_character_of_the_json_fails_verify_with_exit_1(db: Path, tmp_path: Path) -> None:
    made = cli(*PAUSE, "--out", str(tmp_path), "--json", db=db)
    record = Path(json.loads(made.stdout)["files"]["json"])
    tampered = tmp_path / "tampered.json"
    tampered.write_text(record.read_text(encoding="utf-8").replace("Head of Legal Ops", "Head of Legal Opz", 1),
                        encoding="utf-8")
    checked = cli("verify", str(tampered), db=db)
    assert checked.returncode == 1
    assert checked.stderr == f"{tampered}: ALTERED — its content no longer matches its content_sha256.\n"
    assert "  stated:   " in checked.stdout and "  computed: " in checked.stdout


def test_snapshot_json_prints_the_record(db: Path, tmp_path: Path) -> None:
    made = cli(*PAUSE, "--out", str(tmp_path), "--json", db=db)
    payload = json.loads(made.stdout)
    assert payload["snapshot"]["decision"]["rationale"] == "Data exposure incident."
    assert payload["snapshot"]["decision"]["next_review_on"] == "2026-07-31"
    assert Path(payload["files"]["html"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_default_folder_is_snapshots_beside_the_database(db: Path) -> None:
    assert cli(*PAUSE, db=db).returncode == 0
    assert len(list((db.parent / "snapshots").glob("gate-review-0001-department-*"))) == 3


def test_compare_and_export(db: Path, tmp_path: Path) -> None:
    assert cli(*PAUSE, "--out", str(tmp_path), db=db).returncode == 0
    july = cli("snapshot", "--stage", "extra-review", "--month", "2026-07", "--decision", "continue", "--by", "Chair",
               "--rationale", "Recovering.", "--supersedes", "#1", "--out", str(tmp_path), "--json", db=db)
    assert july.returncode == 0, july.stderr
    assert json.loads(july.stdout)["snapshot"]["supersedes"] == 1
    compared = cli("compare", "1", "2", db=db)
    assert compared.returncode == 0, compared.stderr
    lines = compared.stdout.splitlines()
    assert lines[0] == "Comparing #1 (department, 2026-06-01 to 2026-06-30, decided pause)"
    assert lines[3].startswith("! The stages differ: #1 reviewed 'department', #2 reviewed 'extra-review'")
    assert "  decision: pause → continue" in lines
    by_file = cli("compare", json.loads(july.stdout)["files"]["json"], "1", "--json", db=db)
    assert json.loads(by_file.stdout)["a"]["id"] == 2
    exported = cli("export", "2", "--out", str(tmp_path / "again"), "--json", db=db)
    files = json.loads(exported.stdout)["files"]
    assert Path(files["html"]).read_bytes() == Path(json.loads(july.stdout)["files"]["html"]).read_bytes()


@pytest.mark.parametrize(("args", "code", "stderr"), [
    (("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "proceed", "--by", "Chair"), 1,
     "error: The decision was not recorded:\n  rationale: the decision 'proceed' differs from the recommendation "
     "'pause'; write the rationale for deciding otherwise.\n"),
    (("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "stop", "--by", "Chair"), 1,
     "error: 'stop' is not a decision; choose one of proceed, continue, limit, redesign, pause.\n"),
    (("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "pause", "--by", "Chair",
      "--supersedes", "7"), 1,
     "error: --supersedes 7: there is no snapshot #7 (no snapshot is recorded yet).\n"),
    (("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "pause", "--by", "Chair",
      "--next-review", "31/07/2026"), 1,
     "error: --next-review '31/07/2026' is not a date; write YYYY-MM-DD, e.g. 2026-03-01.\n"),
    (("snapshot", "--stage", "nope", "--month", "2026-06", "--decision", "pause", "--by", "Chair"), 1,
     "error: unknown stage 'nope'; this plan's stages are: pilot, department, extra-review.\n"),
    (("snapshot", "--stage", "department", "--month", "2026-06", "--from", "2026-06-01", "--decision", "pause",
      "--by", "Chair"), 2, "cli.py snapshot: error: give either --month or --from and --to, not both\n"),
    (("verify", "missing.json"), 1,
     "error: missing.json: no such file; give a snapshot's .json file or a stored snapshot's id.\n"),
    (("verify", "3"), 1, "error: There is no snapshot #3 (no snapshot is recorded yet); list them with "
                         "`cli.py snapshots`.\n"),
    (("compare", "1", "x"), 1, "error: x: no such file and not a snapshot id; see `cli.py snapshots`.\n"),
])
def test_refusals(db: Path, args: tuple[str, ...], code: int, stderr: str) -> None:
    result = cli(*args, db=db)
    assert (result.returncode, result.stderr) == (code, stderr)
    assert result.stdout == ""


def test_a_missing_required_option_is_a_usage_error(db: Path) -> None:
    result = cli("snapshot", "--stage", "department", "--month", "2026-06", "--by", "Chair", db=db)
    assert result.returncode == 2
    assert result.stderr.endswith("cli.py snapshot: the following arguments are required: --decision\n")


def test_without_by_the_operating_system_user_decides_and_as_names_someone_else(db: Path) -> None:
    import getpass
    import json

    mine = cli("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "pause", "--json", db=db)
    theirs = cli("snapshot", "--stage", "department", "--month", "2026-06", "--decision", "pause", "--json",
                 "--as", "Ada Chair", db=db)
    assert [json.loads(r.stdout)["snapshot"]["decision"]["decided_by"] for r in (mine, theirs)] == [
        getpass.getuser(), "Ada Chair"]


def test_an_altered_stored_snapshot_is_reported(db: Path, tmp_path: Path) -> None:
    import duckdb

    assert cli(*PAUSE, "--out", str(tmp_path), db=db).returncode == 0
    con = duckdb.connect(str(db))
    con.execute("update gate_reviews set record = replace(record, 'Data exposure incident.', 'Nothing to see.')")
    con.close()
    checked = cli("verify", "1", db=db)
    assert checked.returncode == 1
    assert checked.stderr.startswith("error: snapshot #1 was altered after it was recorded: its content no longer "
                                     "matches its content_sha256 ")
    listed = cli("snapshots", db=db)
    assert listed.returncode == 0 and "ALTERED: snapshot #1 was altered" in listed.stdout
    assert listed.stderr.startswith("warning: snapshot #1 was altered")


def test_keys_shows_the_signing_key_and_rotates_it(db: Path, tmp_path: Path) -> None:
    folder = db.parent / "keys"
    before = cli("keys", db=db)
    assert (before.returncode, before.stdout.strip()) == (
        0, f"No signing key yet: the first recorded snapshot makes one in {folder}.")
    assert cli(*PAUSE, "--out", str(tmp_path / "a"), db=db).returncode == 0
    shown = json.loads(cli("keys", "--json", db=db).stdout)
    assert shown["folder"] == str(folder) and len(shown["fingerprint"].split()) == 8
    rotated = json.loads(cli("keys", "rotate", "--json", db=db).stdout)
    assert rotated["fingerprint"] != shown["fingerprint"]
    assert rotated["message"].startswith(f"A new signing key, fingerprint {rotated['fingerprint']}, signs new")
    listed = cli("snapshots", db=db)
    assert listed.returncode == 0 and "ALTERED" not in listed.stdout  # the old record still checks with its key


def test_a_file_without_its_signature_does_not_verify(db: Path, tmp_path: Path) -> None:
    assert cli(*PAUSE, "--out", str(tmp_path / "a"), db=db).returncode == 0
    path = next((tmp_path / "a").glob("*.json"))
    data = json.loads(path.read_text())
    del data["signature"]
    path.write_text(json.dumps(data))
    checked = cli("verify", str(path), db=db)
    assert checked.returncode == 1
    assert checked.stderr.startswith(f"{path}: intact but NOT SIGNED")
