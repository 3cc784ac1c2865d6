"""Load speed and memory of `cli.py ingest` against bare DuckDB, for three shapes of usage export.

    python bench/run.py [--shape z|offset|quoted|all] [--rows 1000000 2000000] [--also-10m] [--repeat 3]
                        [--write-readme]

Generates the usage CSV with data/generate.py (cached in bench/data/, git-ignored) and writes it in each
shape (bench/shapes.py: `z` timestamps, timestamps with offsets, quoted text with extra columns). Then, per
shape and size, on the same file and into a fresh database file each time, times in separate processes:
  * bare:   DuckDB's own `create table ... as select * from read_csv(...)`;
  * ingest: `python cli.py ingest --json` (read, detect, validate every value, derive keys, store with
            lineage in one transaction).
Every run is checked before it counts: the bare table holds every row and column of the file, and the
ingest stored the file as usage, every row inserted, none rejected (a refused or half-rejected import
would be timed for nothing). Rollgate's modules are compiled to bytecode first, as on any run after a
program's first. Each figure is the median of --repeat runs (10M rows: one run); peak memory is the
child's max RSS. The ratio ingest / bare is the number that matters: it does not depend on the machine's
speed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import Machine  # noqa: E402
from bench.readme import write_between  # noqa: E402
from bench.shapes import COLUMNS, EXTRA, QUOTED_ORDER, SHAPES  # noqa: E402

DATA = ROOT / "bench" / "data"
README = ROOT / "bench" / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"

SIZES = (1_000_000, 2_000_000)  # measured by default, each against the ratio target
TEN_M = 10_000_000  # --also-10m: one run per shape, against the memory target
RATIO_TARGET = 1.5  # ingest / bare, at each of SIZES
MEMORY_TARGET_MB = 1536  # 1.5 GB peak for ingest at TEN_M (MB as the table counts them: 2**20 bytes)

BARE = ("import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"create table usage as select * from read_csv(?)\", [sys.argv[2]])\n"
        "con.close()\n")
BARE_CHECK = ("import duckdb, json, sys\n"
              "con = duckdb.connect(sys.argv[1], read_only=True)\n"
              "rows = con.execute('select count(*) from usage').fetchone()[0]\n"
              "columns = [r[0] for r in con.execute('describe usage').fetchall()]\n"
              "print(json.dumps({'rows': rows, 'columns': columns}))\n")


@dataclass(frozen=True)
class Figures:
    """One shape at one size: the file, and the median seconds and peak memory of bare and ingest."""

    shape: str
    rows: int
    file_mb: float
    bare_s: float
    ingest_s: float
    bare_mb: float
    ingest_mb: float

    @property
    def ratio(self) -> float:
        return self.ingest_s / self.bare_s

    def row(self) -> str:
        """The figures' line of the README table; ✗ marks a target missed."""
        ratio = f"**{self.ratio:.2f}×**" + (" ✗" if self.rows in SIZES and self.ratio > RATIO_TARGET else "")
        memory = f"{self.bare_mb:.0f} MB / {self.ingest_mb:.0f} MB"
        memory += " ✗" if self.rows == TEN_M and self.ingest_mb >= MEMORY_TARGET_MB else ""
        return (f"| {self.shape} | {self.rows:,} | {self.file_mb:.0f} MB | {self.bare_s:.2f} s | "
                f"{self.ingest_s:.2f} s | {ratio} | {memory} |")


def results_lines(figures: list[Figures], measured: str, machine: str, repeat: int) -> list[str]:
    """The README's results block: the machine, one table row per shape and size (shapes in SHAPES order,
    then by size), and the targets."""
    order = sorted(figures, key=lambda f: (SHAPES.index(f.shape), f.rows))
    many = "one run each" if repeat == 1 else f"median of {repeat} runs each"
    if repeat > 1 and any(f.rows >= TEN_M for f in figures):
        many += f", one run at {TEN_M:,} rows"
    return [f"Measured {measured} on {machine}; {many}. ✗ marks a target missed.", "",
            "| shape | usage rows | file | bare `read_csv` | `cli.py ingest` | ratio | peak memory bare / ingest |",
            "|---|---|---|---|---|---|---|",
            *(f.row() for f in order), "",
            f"Targets, for every shape: ingest no slower than {RATIO_TARGET}× bare `read_csv` at "
            f"{' and '.join(f'{n // 1_000_000}M' for n in SIZES)} rows; peak memory of ingest under 1.5 GB "
            f"({MEMORY_TARGET_MB:,} MB) at {TEN_M // 1_000_000}M rows."]


def usage_csv(rows: int) -> Path:
    """The generated usage export of `rows` rows (made once, then reused): the `z` shape."""
    out = DATA / f"usage-{rows}"
    target = out / "usage.csv"
    if not target.exists():
        print(f"generating {rows:,} usage rows …", flush=True)
        helper([sys.executable, "data/generate.py", "--out", str(out), "--usage-rows", str(rows)])
    return target


def shape_csv(rows: int, shape: str) -> Path:
    """The usage export of `rows` rows in `shape` (written once from the generated one, then reused; written
    again when older than the generated file or than bench/shapes.py)."""
    source = usage_csv(rows)
    if shape == "z":
        return source
    target = DATA / f"usage-{rows}-{shape}" / "usage.csv"
    newest = max(source.stat().st_mtime, (ROOT / "bench" / "shapes.py").stat().st_mtime)
    if not target.exists() or target.stat().st_mtime < newest:
        print(f"writing {rows:,} usage rows in the {shape} shape …", flush=True)
        helper([sys.executable, "bench/shapes.py", str(source), shape, str(target)])
    return target


def helper(cmd: list[str]) -> str:
    """Run `cmd` (generating data, checking a load) in a process of its own and return its output.

    The benchmark's own process must stay small: a child is started by vfork and exec, and Linux counts
    the starting process's peak memory into the child's (ru_maxrss), so a parent that had generated the
    data itself would lend every child its peak."""
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}{done.stdout}")
    return done.stdout


def timed(cmd: list[str], out: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process, which must succeed; its stdout goes to `out`."""
    err = out.with_suffix(".err")
    with out.open("wb") as stdout, err.open("wb") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read_text(errors='replace')}{out.read_text(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024


def compile_bytecode() -> None:
    """Compile Rollgate's own modules to bytecode first, as Python does on a program's first run and
    reuses on every later one (the monthly import included); an environment that forbids writing it
    (PYTHONDONTWRITEBYTECODE) would otherwise time compiling the importer's source on every run."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "cli.py", "loaders", "gates", "metrics"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def columns_of(shape: str) -> tuple[str, ...]:
    """The file's columns in `shape`."""
    return QUOTED_ORDER if shape == "quoted" else COLUMNS


def check_bare(db: Path, rows: int, shape: str) -> None:
    """The bare load read every row and column of the file (a misread file would be no baseline)."""
    found = json.loads(helper([sys.executable, "-c", BARE_CHECK, str(db)]))
    if found != {"rows": rows, "columns": list(columns_of(shape))}:
        raise SystemExit(f"bare read_csv of the {shape} shape read {found['rows']:,} rows with columns "
                         f"{found['columns']}, not the file's {rows:,} rows of {list(columns_of(shape))}")


def check_ingest(output: str, rows: int, shape: str) -> None:
    """The ingest's --json report says the file was stored as usage, all `rows` inserted, none rejected,
    and only the shape's extra columns left unused."""
    reports = json.loads(output)["files"]
    if len(reports) != 1:
        raise SystemExit(f"ingest of the {shape} shape reported {len(reports)} files, not 1")
    r = reports[0]
    unused = sorted(EXTRA) if shape == "quoted" else []
    found = {"status": r["status"], "dataset": r["dataset"], "preset": r["preset"], "rows_read": r["rows_read"],
             "inserted": r["inserted"], "rejected": r["rejected"], "unused_columns": sorted(r["unused_columns"])}
    wanted = {"status": "stored", "dataset": "usage", "preset": None, "rows_read": rows, "inserted": rows,
              "rejected": 0, "unused_columns": unused}
    if found != wanted:
        wrong = {k: v for k, v in found.items() if v != wanted[k]}
        first = [f"line {x['line']}: {x['reason']}" for x in r["rejects"][:3]]
        raise SystemExit(f"ingest of the {shape} shape ({rows:,} rows) is not a clean import: "
                         f"{wrong}, expected {({k: wanted[k] for k in wrong})}. {r['message']}"
                         + (f" First rejects: {'; '.join(first)}" if first else ""))


def measure(csv: Path, rows: int, shape: str, repeat: int) -> Figures:
    """Time bare and ingest on `csv` (`rows` rows in `shape`), `repeat` times each, every run checked."""
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "ingest": []}
    for _ in range(repeat):
        for kind in ("bare", "ingest"):
            with tempfile.TemporaryDirectory(prefix="rollgate-bench-") as tmp:
                db, out = Path(tmp) / "bench.duckdb", Path(tmp) / "stdout.txt"
                if kind == "bare":
                    results[kind].append(timed([sys.executable, "-c", BARE, str(db), str(csv)], out))
                    check_bare(db, rows, shape)
                else:
                    cmd = [sys.executable, "cli.py", "ingest", str(csv), "--db", str(db), "--json"]
                    results[kind].append(timed(cmd, out))
                    check_ingest(out.read_text(encoding="utf-8"), rows, shape)
    (bt, bm), (it, im) = ((statistics.median(t for t, _ in v), max(m for _, m in v)) for v in results.values())
    return Figures(shape, rows, csv.stat().st_size / 2**20, bt, it, bm, im)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=[*SHAPES, "all"], default="all",
                        help="the shape of export to time (default: all three)")
    parser.add_argument("--rows", type=int, nargs="+", default=list(SIZES), metavar="N",
                        help=f"usage rows, one size or more (default: {' '.join(str(n) for n in SIZES)})")
    parser.add_argument("--also-10m", action="store_true", help="also measure 10M rows (one run each)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure below 10M rows (median)")
    parser.add_argument("--write-readme", action="store_true", help="record the figures in bench/README.md")
    args = parser.parse_args(argv)
    if min(args.rows) < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    args.shapes = list(SHAPES) if args.shape == "all" else [args.shape]
    args.sizes = sorted(set(args.rows) | ({TEN_M} if args.also_10m else set()))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    compile_bytecode()
    figures = []
    for rows in args.sizes:
        for shape in args.shapes:
            csv = shape_csv(rows, shape)
            f = measure(csv, rows, shape, 1 if rows >= TEN_M else args.repeat)
            print(f.row(), flush=True)
            figures.append(f)
    lines = results_lines(figures, time.strftime("%Y-%m-%d"), str(Machine.here()), args.repeat)
    print("\n".join(lines[-1:]))
    if args.write_readme:
        write_between(README, BEGIN, END, lines)
        print(f"wrote the figures into {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
