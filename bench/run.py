"""Load speed and memory of `cli.py ingest` against bare DuckDB, measured in one run.

    python bench/run.py [--rows 1000000] [--also-10m] [--repeat 3] [--write-readme]

Generates the usage CSV with data/generate.py (cached in bench/data/, git-ignored), then, on
the same file and into a fresh database file each time, times in separate processes:
  * bare:   DuckDB's own `create table ... as select * from read_csv(...)`;
  * ingest: `python cli.py ingest` (read, detect, validate every value, derive keys, store
            with lineage in one transaction).
Rollgate's modules are compiled to bytecode first, as on any run after a program's first. Each
figure is the median of --repeat runs; peak memory is the child's max RSS. The ratio
ingest / bare is the number that matters: it does not depend on the machine's speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import Machine  # noqa: E402
from bench.readme import write_between  # noqa: E402
from data.generate import generate  # noqa: E402

DATA = ROOT / "bench" / "data"
README = ROOT / "bench" / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"

BARE = ("import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"create table usage as select * from read_csv(?)\", [sys.argv[2]])\n"
        "con.close()\n")


def usage_csv(rows: int) -> Path:
    """The generated usage export of `rows` rows (made once, then reused)."""
    out = DATA / f"usage-{rows}"
    target = out / "usage.csv"
    if not target.exists():
        print(f"generating {rows:,} usage rows …", flush=True)
        generate(out, usage_rows=rows)
    return target


def timed(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process, which must succeed."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def compile_bytecode() -> None:
    """Compile Rollgate's own modules to bytecode first, as Python does on a program's first run and
    reuses on every later one (the monthly import included); an environment that forbids writing it
    (PYTHONDONTWRITEBYTECODE) would otherwise time compiling the importer's source on every run."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "cli.py", "loaders", "gates", "metrics"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def measure(csv: Path, repeat: int) -> dict[str, tuple[float, float]]:
    compile_bytecode()
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "ingest": []}
    for _ in range(repeat):
        for kind in ("bare", "ingest"):
            with tempfile.TemporaryDirectory(prefix="rollgate-bench-") as tmp:
                db = str(Path(tmp) / "bench.duckdb")
                if kind == "bare":
                    cmd = [sys.executable, "-c", BARE, db, str(csv)]
                else:
                    cmd = [sys.executable, "cli.py", "ingest", str(csv), "--db", db]
                results[kind].append(timed(cmd))
    return {k: (statistics.median(t for t, _ in v), max(m for _, m in v)) for k, v in results.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--also-10m", action="store_true", help="also measure 10M rows (time and peak memory)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-readme", action="store_true", help="record the figures in bench/README.md")
    args = parser.parse_args(argv)

    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {Machine.here()}.", "",
             "| usage rows | file | bare `read_csv` | `cli.py ingest` | ratio | peak memory bare / ingest |",
             "|---|---|---|---|---|---|"]
    sizes = [args.rows] + ([10_000_000] if args.also_10m else [])
    for rows in sizes:
        csv = usage_csv(rows)
        res = measure(csv, args.repeat if rows <= 1_000_000 else 1)
        (bt, bm), (it, im) = res["bare"], res["ingest"]
        line = (f"| {rows:,} | {csv.stat().st_size / 2**20:.0f} MB | {bt:.2f} s | {it:.2f} s | "
                f"**{it / bt:.2f}×** | {bm:.0f} MB / {im:.0f} MB |")
        print(line, flush=True)
        lines.append(line)
    lines += ["", "Targets: ingest no slower than 1.5× bare `read_csv`; peak memory under 1.5 GB for 10M rows."]
    if args.write_readme:
        write_between(README, BEGIN, END, lines)
        print(f"wrote the figures into {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
