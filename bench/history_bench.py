"""Page speed beyond the demo: the demo database after importing vendor exports with two years of history.

    python bench/history_bench.py [--repeat 3] [--write-readme]

Builds once, in bench/data/history/ (git-ignored): the demo exports, then a GitHub Copilot user-level report
(one record per person and day, 2024-01-01 to 2025-12-31, for the roster's people) and a Jira issue export of
the same two years, imported with their presets as Upload imports them. Then each page is opened in a fresh
process with Streamlit's AppTest (after the app has run once on another page, as a running server has), its
first open and a rerun with unchanged inputs timed. Targets: a first open of at most 1.5 s and a rerun of at
most 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.app_bench import _route_through_app  # noqa: E402
from bench.machine import Machine  # noqa: E402
from bench.readme import write_between  # noqa: E402

DATA = ROOT / "bench" / "data" / "history"
README = ROOT / "bench" / "README.md"
BEGIN, END = "<!-- history-results:begin -->", "<!-- history-results:end -->"
PAGES = ("overview", "gate_review", "snapshots", "quality", "value", "cost", "risk", "adoption", "support", "upload",
         "plan")
FIRST, START, STOP = 1.5, date(2024, 1, 1), date(2025, 12, 31)
SECTION = """
## Two years of vendor history

`python bench/history_bench.py --write-readme` times every page on the demo database after importing a GitHub
Copilot user-level report and a Jira export covering the two years before it (2024–2025), as a team that has
used the tool a while has. Each page opens in a fresh process (its numbers not cached); then a rerun with
unchanged inputs. Targets: first open ≤ 1.5 s, rerun ≤ 0.3 s.

{begin}
{end}
"""


def exports(folder: Path) -> list[Path]:
    """The two vendor exports: every roster person on about two working days in three, each day's features;
    a support ticket every few days."""
    from loaders.demo import demo_files

    roster = next(p for p in demo_files(ROOT / "data" / "demo") if p.name == "roster.csv")
    people = [line.split(",")[0] for line in roster.read_text(encoding="utf-8").splitlines()[1:] if line]
    copilot, jira = folder / "users-two-years.ndjson", folder / "jira-two-years.csv"
    with copilot.open("w", encoding="utf-8") as out:
        day, n = START, 0
        while day <= STOP:
            if day.weekday() < 5:
                for i, person in enumerate(people):
                    if (i + day.toordinal()) % 3:
                        n += 1
                        out.write(json.dumps({"day": day.isoformat(), "user_login": person, "totals_by_feature": [
                            {"feature": "code_completion", "code_generation_activity_count": 10 + n % 17,
                             "code_acceptance_activity_count": 4 + n % 5},
                            {"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 1 + n % 4}]}) + "\n")
            day += timedelta(days=1)
    lines = ["Summary,Issue key,Issue Type,Status,Reporter,Created,Resolved,Labels"]
    day, k = START, 0
    while day <= STOP:
        k += 1
        lines.append(f"Question {k},AI-{k},{'Bug' if k % 4 == 0 else 'Task'},Done,{people[k % len(people)]},"
                     f"{day:%d/%b/%y} 9:00 AM,{day + timedelta(days=1):%d/%b/%y} 10:00 AM,how-to")
        day += timedelta(days=3)
    jira.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [copilot, jira]


def database() -> Path:
    from loaders import store
    from loaders.demo import load_demo
    from loaders.ingest import IngestOptions, ingest_paths

    db = DATA / "rollgate.duckdb"
    done = db.with_name("complete")
    if db.exists() and done.exists():
        return db
    DATA.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    with store.connect(db) as con:
        load_demo(con)
        for report in ingest_paths(con, [(p, p.name) for p in exports(DATA)], IngestOptions()):
            if report.status != "stored":
                raise SystemExit(report.message)
    done.write_text("loaded\n")
    return db


def child(page: str, repeat: int) -> dict[str, list[float]]:
    from streamlit.testing.v1 import AppTest

    _route_through_app()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.switch_page("pages/snapshots.py" if page != "snapshots" else "pages/plan.py")
    at.run()  # untimed: the modules imported and the sidebar's query of the data's months made
    at.switch_page(f"pages/{page}.py")

    def timed() -> float:
        started = time.perf_counter()
        at.run()
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        return time.perf_counter() - started

    first = timed()
    return {"first": [first], "rerun": [timed() for _ in range(repeat)]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return 0
    import streamlit

    db = database()
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    env.pop("ROLLGATE_PLAN", None)
    from loaders import store

    with store.connect(db) as con:
        months = store.scalar(con, "select count(distinct date_trunc('month', occurred_at)) from usage")
        rows = store.scalar(con, "select count(*) from usage")
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {Machine.here()}, Streamlit {streamlit.__version__}; "
             f"{rows:,} usage rows over {months} months. A rerun is the median of {args.repeat}; ✗ marks a target "
             "missed.", "", "| page | first open (≤ 1.5 s) | rerun (≤ 0.3 s) |", "|---|---|---|"]
    missed = False
    for page in PAGES:
        proc = subprocess.run([sys.executable, __file__, "--child", page, "--repeat", str(args.repeat)], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"{page} failed: {proc.stderr[-2000:]}")
        res: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        first, rerun = res["first"][0], statistics.median(res["rerun"])
        marks = (" ✗" if first > FIRST else "", " ✗" if rerun > 0.3 else "")
        missed = missed or any(marks)
        line = f"| {page.replace('_', ' ').capitalize()} | {first:.2f} s{marks[0]} | {rerun:.2f} s{marks[1]} |"
        print(line, flush=True)
        lines.append(line)
    if args.write_readme:
        write_between(README, BEGIN, END, lines, section=SECTION.format(begin=BEGIN, end=END))
        print(f"wrote the figures into {README.relative_to(ROOT)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
