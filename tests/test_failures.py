"""When the disk fails the database: a full disk, a folder or file that may not be written, a database
another process holds past the wait. Each is one plain message, exit 1 and no traceback on the command
line, a plain error on the pages, and the database as it was.

The full disk is real: a small tmpfs mounted in a mount namespace of the test's own (`unshare -rm`, no
privileges needed where the kernel allows user namespaces). Permissions are real too: the commands run
as an unprivileged user when the tests run as root (root may write anywhere)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from loaders import store

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
USAGE = "event_id,occurred_at,user_id,use_case,interactions\n"
NOBODY = 65534


def _small_disk_available() -> str | None:
    """Why a small disk cannot be mounted here, or None when it can."""
    if shutil.which("unshare") is None:
        return "unshare is not installed"
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {folder}"],
                               capture_output=True, text=True, timeout=30)
    return None if probe.returncode == 0 else f"this machine allows no mount namespace: {probe.stderr.strip()}"


needs_small_disk = pytest.mark.skipif(bool(_small_disk_available()), reason=str(_small_disk_available()))


def _on_small_disk(folder: Path, size: str, *command: str) -> subprocess.CompletedProcess[str]:
    """Run `command` in the project folder with a tmpfs of `size` mounted on `folder`, seen by it alone."""
    script = f'mount -t tmpfs -o size={size} tmpfs "$1" && shift && cd "$0" && exec "$@"'
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, str(ROOT), str(folder), *command],
                          capture_output=True, text=True, timeout=300)


def _usage_csv(path: Path, rows: int, prefix: str = "E") -> Path:
    path.write_text(USAGE + "".join(f"{prefix}{i},2026-03-{1 + i % 28:02d},user{i % 500}@x.org,drafting,{1 + i % 7}\n"
                                    for i in range(rows)))
    return path


# Runs inside the namespace: two imports, the disk filled to the last byte, a third import and an undo, the
# disk freed. Prints what each command said and whether the database is as it was before the disk filled.
# Fill the small disk to its last byte (ever smaller writes until none fits); both scripts below use it.
FILL = r"""
import os


def fill(disk):
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    for size in (1 << 20, 1 << 16, 1 << 12, 1 << 8, 1):
        try:
            while True:
                os.write(fd, b"x" * size)
        except OSError:
            pass
    os.close(fd)
"""

FULL_DISK_CLI = r"""
import json, os, subprocess, sys
from pathlib import Path
from loaders import store

disk, small, big, other = (Path(a) for a in sys.argv[1:5])
db = disk / "rollgate.duckdb"

def cli(*args):
    p = subprocess.run([sys.executable, "cli.py", *args, "--db", str(db)], capture_output=True, text=True)
    return {"code": p.returncode, "out": p.stdout, "err": p.stderr}

def state():
    with store.connect(db) as con:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
        return {t: sorted(repr(r) for r in con.execute(f"select * from {t}").fetchall()) for t in tables}


stored = [cli("ingest", str(small))["code"], cli("ingest", str(big))["code"]]
before = state()
fill(disk)
refused = [cli("ingest", str(other)), cli("undo", "2")]
(disk / "filler").unlink()
after = state()
print(json.dumps({"stored": stored, "refused": refused, "unchanged": after == before,
                  "usage": len(after["usage"])}))
"""


@needs_small_disk
def test_an_import_or_undo_on_a_full_disk_says_so_and_changes_nothing(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    small = _usage_csv(tmp_path / "small.csv", 2, "S")
    big = _usage_csv(tmp_path / "big.csv", 20_000)
    other = _usage_csv(tmp_path / "other.csv", 20_000, "O")
    result = _on_small_disk(disk, "8m", PY, "-c", FILL + FULL_DISK_CLI, str(disk), str(small), str(big), str(other))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["stored"] == [0, 0]
    message = (f"error: The disk holding rollgate.duckdb is full; nothing was saved, and the database is as it was. "
               f"Free some space on that disk (it holds {disk}) and try again.\n")
    assert [(r["code"], r["out"], r["err"]) for r in found["refused"]] == [(1, "", message), (1, "", message)]
    assert (found["unchanged"], found["usage"]) == (True, 20_002)


# Inside the namespace: the Upload page previews a file, the disk fills up, the import is clicked.
FULL_DISK_PAGE = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, "tests")
import pytest
from pages_fixture import app, texts, use_empty
from loaders import store

disk, big = Path(sys.argv[1]), Path(sys.argv[2])
db = use_empty(disk, pytest.MonkeyPatch())
at = app("pages/upload.py")
at.file_uploader(key="upload_files_0").set_value([("usage.csv", big.read_bytes(), "text/csv")])
at.run()
fill(disk)
at.button(key="upload_import").click()
at.run()
(disk / "filler").unlink()
with store.connect(db) as con:
    stored = store.row_counts(con)["usage"], store.scalar(con, "select count(*) from ingestions")
print(json.dumps({"exceptions": [str(e.value) for e in at.exception], "warnings": texts(at.warning),
                  "stored": stored}))
"""


@needs_small_disk
def test_the_upload_page_says_the_disk_is_full_and_stores_nothing(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    big = _usage_csv(tmp_path / "big.csv", 20_000)
    result = _on_small_disk(disk, "8m", PY, "-c", FILL + FULL_DISK_PAGE, str(disk), str(big))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["exceptions"] == []
    assert found["warnings"] == (f"The disk holding empty.duckdb is full; nothing was saved, and the database is as "
                                 f"it was. Free some space on that disk (it holds {disk}) and try again.")
    assert found["stored"] == [0, 0]


@needs_small_disk
def test_a_database_on_a_read_only_disk_is_refused_plainly(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    with store.connect(disk / "rollgate.duckdb"):
        pass
    csv = _usage_csv(tmp_path / "u.csv", 3)
    script = (f'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && cd "$0" && '
              f'{PY} cli.py ingest {csv} --db "$1/rollgate.duckdb"; echo "exit $?"; '
              f'{PY} cli.py ingest {csv} --db "$1/new.duckdb"; echo "exit $?"')
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script, str(ROOT), str(disk)], capture_output=True,
                            text=True, timeout=120)
    message = ("error: The disk holding {} is read-only ({}); nothing was saved, and the database is as it was. "
               "Keep the database on a disk that can be written (--db PATH, or the ROLLGATE_DB setting).\n")
    assert result.stdout == "exit 1\nexit 1\n"
    assert result.stderr == message.format("rollgate.duckdb", disk) + message.format("new.duckdb", disk)
    assert sorted(p.name for p in disk.iterdir()) == ["rollgate.duckdb"]


def _as_someone_else() -> list[str]:
    """A command prefix that runs a command as a user without root's power over permissions (none when the
    tests do not run as root)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("the tests run as root, whom permissions do not stop, and setpriv is not installed to run "
                    "the command as another user")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's own temporary folders are private to their owner)."""
    folder = Path(tempfile.mkdtemp(prefix="rollgate-failures-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in (folder, *folder.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def _state(db: Path) -> dict[str, list[str]]:
    with store.connect(db) as con:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
        return {t: sorted(repr(r) for r in con.execute(f"select * from {t}").fetchall()) for t in tables}


def _cli_as(prefix: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, PY, str(ROOT / "cli.py"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "HOME": "/tmp"})


NOT_WRITABLE = ("error: Rollgate may not write {name} or its folder {folder} (permission denied); nothing was saved, "
                "and the database is as it was. Ask for write access to that folder, or use a database in a folder "
                "you can write to (--db PATH, or the ROLLGATE_DB setting).\n")


def test_a_folder_or_file_that_may_not_be_written_is_refused_plainly(shared_folder: Path) -> None:
    someone = _as_someone_else()
    csv = _usage_csv(shared_folder / "u.csv", 3)
    csv.chmod(0o644)
    locked = shared_folder / "blocked"  # a folder name holding "lock" is not a locked database
    locked.mkdir()
    kept = locked / "rollgate.duckdb"
    with store.connect(kept) as con:
        con.execute("insert into roster values ('a', 'legal', date '2026-01-01', null, null, 1)")
    before = _state(kept)
    if someone:
        os.chown(kept, NOBODY, NOBODY)
    locked.chmod(0o555)

    # A new database in a folder that may not be written.
    new = _cli_as(someone, "ingest", str(csv), "--db", str(locked / "new.duckdb"), "--wait", "30")
    assert (new.returncode, new.stdout, new.stderr) == (1, "", NOT_WRITABLE.format(name="new.duckdb", folder=locked))
    # A database the user may write, in a folder that may not be written: its log cannot be made, so
    # the commit fails, and says why rather than "no transaction is active".
    inside = _cli_as(someone, "ingest", str(csv), "--db", str(kept), "--wait", "30")
    assert (inside.returncode, inside.stdout, inside.stderr) == (
        1, "", NOT_WRITABLE.format(name="rollgate.duckdb", folder=locked))
    locked.chmod(0o755)
    # A database file that may not be written.
    kept.chmod(0o444)
    if someone:
        os.chown(kept, 0, 0)
    read_only = _cli_as(someone, "ingest", str(csv), "--db", str(kept), "--wait", "30")
    assert (read_only.returncode, read_only.stdout, read_only.stderr) == (
        1, "", NOT_WRITABLE.format(name="rollgate.duckdb", folder=locked))
    plan = shared_folder / "plan.toml"
    shutil.copyfile(ROOT / "data" / "plan.toml", plan)
    plan.chmod(0o644)
    checked = _cli_as(someone, "plan", "check", str(plan), "--db", str(kept), "--wait", "30")
    reason = NOT_WRITABLE.format(name="rollgate.duckdb", folder=locked).removeprefix("error: ")
    assert (checked.returncode, checked.stdout, checked.stderr) == (
        0, "plan.toml: valid — 3 stages, 39 gates, 6 pause triggers.\nThe database could not be opened, so "
           f"departments were not checked against the roster: {reason}", "")
    kept.chmod(0o644)
    assert sorted(p.name for p in locked.iterdir()) == ["rollgate.duckdb"]
    assert _state(kept) == before


HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
con.close()
"""


class Holder:
    """Another process that holds a database file open until it is let go."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.before = _state(db)  # the whole database, as it was when the holder took it
        self.process = subprocess.Popen([PY, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        assert self.process.stdout is not None and self.process.stdout.readline() == "holding\n"

    def let_go(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Holder]:
    """A database with one roster row, held open by another process until the test lets go (or ends)."""
    db = tmp_path / "rollgate.duckdb"
    with store.connect(db) as con:
        con.execute("insert into roster values ('a', 'legal', date '2026-01-01', null, null, 1)")
    holder = Holder(db)
    try:
        yield holder
    finally:
        holder.let_go()


BUSY = ("error: The database rollgate.duckdb is in use by another Rollgate process (for example a scheduled import); "
        "waited 0.5 s. Nothing was changed: try again in a moment.\n")


def test_a_database_another_process_holds_past_the_wait_is_refused_plainly(held: Holder, tmp_path: Path) -> None:
    csv = _usage_csv(tmp_path / "u.csv", 3)
    for args in (("ingest", str(csv)), ("undo", "1"), ("metrics", "--month", "2026-03"), ("ingestions", "--json")):
        result = _cli_as([], *args, "--db", str(held.db), "--wait", "0.5")
        assert (result.returncode, result.stdout, result.stderr) == (1, "", BUSY), args
    held.let_go()
    assert _state(held.db) == held.before


def test_the_pages_say_plainly_that_the_database_is_busy(held: Holder, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from pages_fixture import PAGES, app, route_through_app, texts, use_plan

    route_through_app(monkeypatch)
    use_plan(tmp_path, monkeypatch)
    monkeypatch.setenv("ROLLGATE_DB", str(held.db))
    busy = ("Rollgate is being updated: another process (an import, for example) is writing to the database. "
            "Try again in a moment; this page tries again by itself every few seconds.")
    at = app()
    assert ([e.value for e in at.exception], texts(at.error), texts(at.info)) == ([], "", busy)
    for page in PAGES[1:2]:
        at.switch_page(page).run()
        assert ([e.value for e in at.exception], texts(at.error), texts(at.info)) == ([], "", busy), page
    held.let_go()  # once the other process is done, the page shows again
    at.switch_page(PAGES[1]).run()
    assert not at.exception
    assert busy not in texts(at.info)


def test_a_failed_commit_is_reported_and_not_hidden_by_the_rollback(tmp_path: Path) -> None:
    with store.connect(tmp_path / "r.duckdb") as con:
        con.execute("begin transaction")
        con.execute("commit")  # the transaction is over, as after a COMMIT that failed
        with pytest.raises(duckdb.TransactionException, match="cannot rollback - no transaction is active"):
            con.execute("rollback")
        store.rollback_quietly(con)  # says nothing: the error that ended the transaction is the one to report
        con.execute("begin transaction")
        con.execute("insert into roster values ('a', 'legal', date '2026-01-01', null, null, 1)")
        store.rollback_quietly(con)  # and a transaction still open is rolled back
        assert con.execute("select count(*) from roster").fetchone() == (0,)


@pytest.mark.parametrize(("error", "kind", "expected"), [
    pytest.param(OSError(errno.ENOSPC, "No space left on device"), "DiskFull",
                 "The disk holding r.duckdb is full; nothing was saved, and the database is as it was. Free some "
                 "space on that disk (it holds {folder}) and try again.", id="os-disk-full"),
    pytest.param(OSError(errno.EDQUOT, "Disk quota exceeded"), "DiskFull",
                 "The disk holding r.duckdb is full; nothing was saved, and the database is as it was. Free some "
                 "space on that disk (it holds {folder}) and try again.", id="os-quota"),
    pytest.param(OSError(errno.EACCES, "Permission denied"), "DatabaseNotWritable",
                 NOT_WRITABLE.removeprefix("error: ").removesuffix("\n").replace("{name}", "r.duckdb"), id="os-denied"),
    pytest.param(duckdb.TransactionException('TransactionContext Error: Failed to commit: Could not write file '
                                             '"{db}.wal": No space left on device'), "DiskFull",
                 "The disk holding r.duckdb is full; nothing was saved, and the database is as it was. Free some "
                 "space on that disk (it holds {folder}) and try again.", id="failed-commit"),
    pytest.param(duckdb.OutOfMemoryException("Out of Memory Error: could not write block to temporary file (No "
                                             "space left on device)"), "DiskFull",
                 "The disk holding r.duckdb is full; nothing was saved, and the database is as it was. Free some "
                 "space on that disk (it holds {folder}) and try again.", id="spill-full"),
    pytest.param(duckdb.FatalException('FATAL Error: Failed: database has been invalidated because of a previous '
                                       'fatal error.\nOriginal error: "Failed to create checkpoint because of error: '
                                       'Could not write file "{db}": No space left on device"'), "DiskFull",
                 "The disk holding r.duckdb is full. Everything saved so far is kept in the database's log "
                 "(r.duckdb.wal), and Rollgate moves it into r.duckdb the next time it opens it with space free. "
                 "Free some space on that disk (it holds {folder}) now.", id="checkpoint-full"),
    pytest.param(duckdb.IOException('IO Error: Cannot open file "{db}": Permission denied'), "DatabaseNotWritable",
                 NOT_WRITABLE.removeprefix("error: ").removesuffix("\n").replace("{name}", "r.duckdb"),
                 id="duckdb-denied"),
    pytest.param(duckdb.IOException('IO Error: Cannot open file "export.csv": Permission denied'), None, None,
                 id="another-file"),
    pytest.param(duckdb.ConstraintException("Constraint Error: Duplicate key"), None, None, id="other-error"),
    pytest.param(OSError(errno.ENOENT, "No such file or directory"), None, None, id="other-os-error"),
])
def test_storage_errors_are_translated_and_nothing_else_is(tmp_path: Path, error: BaseException, kind: str | None,
                                                           expected: str | None) -> None:
    db = tmp_path / "r.duckdb"
    if isinstance(error, duckdb.Error):
        error = type(error)(str(error).replace("{db}", str(db)))
    assert isinstance(error, duckdb.Error | OSError)
    plain = store.storage_error(error, db)
    if kind is None:
        assert plain is None
        return
    assert plain is not None
    assert (type(plain).__name__, str(plain)) == (kind, (expected or "").format(folder=tmp_path))


def test_an_os_error_about_the_database_files_is_translated_and_one_about_an_export_is_not(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    copies = PermissionError(errno.EACCES, "Permission denied", f"{db}.tmp")
    with pytest.raises(store.DatabaseNotWritable) as refused, store.connect(db):
        raise copies
    assert str(refused.value) == NOT_WRITABLE.removeprefix("error: ").removesuffix("\n").format(
        name="r.duckdb", folder=tmp_path)
    assert refused.value.__cause__ is copies
    export = PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "export.csv"))
    with pytest.raises(PermissionError) as left, store.connect(db):
        raise export
    assert left.value is export
