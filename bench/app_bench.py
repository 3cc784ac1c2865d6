"""Page speed of the dashboard on the 10M-row benchmark data, measured with Streamlit's AppTest.

    python bench/app_bench.py [--rows 10000000] [--repeat 5] [--write-readme]

Builds once, in bench/data/app-<rows>/ (git-ignored), a database holding all eight exports that
data/generate.py writes for that many usage rows (kept in bench/data/usage-<rows>/, shared with the
other benchmarks), loaded with the same ingest as `cli.py ingest`. Then, for each page, in a fresh
process so that no page profits from another's cache:

  * first open    the first run of the page (its numbers not cached; Python modules imported and the
                  sidebar's one-off query of the data's months already made, on another page);
  * filter, cold  a rerun after choosing a department not chosen before (its numbers not cached);
  * use case, cold  the same with a use case not chosen before (every department);
  * month, cold   a rerun after choosing a month not chosen before;
  * unchanged     a rerun with the same inputs (everything cached).

Each figure is the median (and the worst) over --repeat departments or months, or --repeat reruns.
The targets are under 1 s for a cold filter change and under 0.2 s for an unchanged rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import Machine  # noqa: E402
from bench.readme import write_between  # noqa: E402

DATA = ROOT / "bench" / "data"
README = ROOT / "bench" / "README.md"
BEGIN, END = "<!-- app-results:begin -->", "<!-- app-results:end -->"
# (page file, what the page shows on opening)
PAGES = [("pages/overview.py", "Overview"), ("pages/gate_review.py", "Gate review"),
         ("pages/quality.py", "Quality (monthly trends)"), ("pages/adoption.py", "Adoption (monthly trends)")]
SECTION = """
## App

`python bench/app_bench.py --write-readme` times the dashboard's pages with Streamlit's AppTest on
the benchmark data (all eight exports for 10 million usage rows, loaded once into a database kept
in `bench/data/`). Each page is timed in a fresh process, so no page profits from another's
cache: the first open (after the app has run once on another page, as a running server has), a
rerun after choosing a department not chosen before (cold: its numbers are computed), the same
with a use case, a rerun after choosing another month (cold), and a rerun with unchanged inputs
(everything comes from `st.cache_data`). Targets: a cold filter change under 1 s, an unchanged
rerun under 0.2 s.

{begin}
{end}
"""


def database(rows: int) -> Path:
    """The benchmark database for `rows` usage rows, built once (generation and ingest take a few minutes)."""
    from data.generate import generate
    from loaders import store
    from loaders.demo import demo_files
    from loaders.ingest import IngestOptions, ingest_paths

    db = DATA / f"app-{rows}" / "rollgate.duckdb"
    done = db.with_name("complete")
    if db.exists() and done.exists():
        return db
    source = DATA / f"usage-{rows}"
    if not (source / "usage.csv").exists() or not (source / "roster.csv").exists():
        print(f"generating the exports for {rows:,} usage rows …", flush=True)
        generate(source, usage_rows=rows)
    db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    print(f"loading them into {db.relative_to(ROOT)} …", flush=True)
    started = time.perf_counter()
    with store.connect(db, wait_seconds=store.CLI_WAIT_SECONDS) as con:
        for report in ingest_paths(con, [(f, f.name) for f in demo_files(source)], IngestOptions()):
            if report.status != "stored":
                raise SystemExit(report.message)
    done.write_text(f"loaded in {time.perf_counter() - started:.0f} s\n")
    return db


def _route_through_app() -> None:
    # As in tests/pages_fixture.py: a running server knows after its first run that the app uses
    # st.navigation; AppTest forgets it before every run (pages/ is also Streamlit's legacy folder).
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]


def child(page: str, repeat: int) -> dict[str, Any]:
    """Time one page in this (fresh) process: {measure: [seconds, ...]}."""
    from streamlit.testing.v1 import AppTest

    _route_through_app()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)

    def timed() -> float:
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        return elapsed

    # Untimed: the app's modules are imported and the sidebar's one-off query of the data's extent runs,
    # on a page that computes nothing else (as a running server has done before anyone opens a page).
    at.switch_page("pages/snapshots.py")
    at.run()
    at.switch_page(page)
    first = timed()
    unchanged = [timed() for _ in range(repeat)]
    departments = [d for d in at.sidebar.selectbox(key="filter_department").options[1:]][:repeat]
    filter_cold = []
    for d in departments:
        at.sidebar.selectbox(key="filter_department").set_value(d)
        filter_cold.append(timed())
    at.sidebar.selectbox(key="filter_department").set_value("")
    timed()
    use_cases = [u for u in at.sidebar.selectbox(key="filter_use_case").options[1:]][:repeat]
    use_case_cold = []
    for u in use_cases:
        at.sidebar.selectbox(key="filter_use_case").set_value(u)
        use_case_cold.append(timed())
    at.sidebar.selectbox(key="filter_use_case").set_value("")
    timed()
    shown = at.session_state["filter_from"]
    all_months = [m for m in json.loads(os.environ["BENCH_MONTHS"]) if m != shown][::-1][:repeat]
    month_cold = []
    for m in all_months:
        at.session_state["filter_from"] = at.session_state["filter_to"] = m
        month_cold.append(timed())
    return {"first": [first], "filter": filter_cold, "use_case": use_case_cold, "month": month_cold,
            "unchanged": unchanged}


def _cell(values: list[float], target: float | None = None) -> str:
    med, worst = statistics.median(values), max(values)
    text = f"{med:.2f} s" if len(values) == 1 else f"{med:.2f} s (worst {worst:.2f})"
    if target is not None and worst >= target:
        text += " ✗"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-readme", action="store_true", help="record the figures in bench/README.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return 0

    import streamlit

    db = database(args.rows)
    from loaders import store

    with store.connect(db) as con:
        usage = store.scalar(con, "select count(*) from usage")
        months = [r[0] for r in con.execute("select distinct strftime(occurred_at, '%Y-%m') from usage "
                                            "order by 1").fetchall()]
    env = {**os.environ, "ROLLGATE_DB": str(db), "BENCH_MONTHS": json.dumps(months)}
    env.pop("ROLLGATE_PLAN", None)
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {Machine.here()}, "
             f"Streamlit {streamlit.__version__}; {usage:,} usage rows over {len(months)} months. Median of "
             f"{args.repeat} (worst in brackets); ✗ marks a target missed.", "",
             "| page | first open | department change, cold (< 1 s) | use-case change, cold (< 1 s) "
             "| month change, cold (< 1 s) | unchanged rerun (< 0.2 s) |",
             "|---|---|---|---|---|---|"]
    for page, label in PAGES:
        proc = subprocess.run([sys.executable, __file__, "--child", page, "--repeat", str(args.repeat)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            raise SystemExit(f"{page} failed: {proc.stderr[-2000:]}")
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        line = (f"| {label} | {_cell(res['first'])} | {_cell(res['filter'], 1.0)} | {_cell(res['use_case'], 1.0)} | "
                f"{_cell(res['month'], 1.0)} | {_cell(res['unchanged'], 0.2)} |")
        print(line, flush=True)
        lines.append(line)
    lines += ["", "A family page's monthly trend is one `metrics.monthly` call for every month of the data: its "
              "first open scans usage and reviews once for all months and every filter (the engine keeps those "
              "aggregates for the data version and plan); a department or use-case change then narrows them in a "
              "few small queries, and a new window reuses the trend from `st.cache_data`."]
    if args.write_readme:
        write_between(README, BEGIN, END, lines, section=SECTION.format(begin=BEGIN, end=END))
        print(f"wrote the figures into {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
