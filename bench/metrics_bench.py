"""Speed of the six metric families on one month of the 10M-row benchmark data, beside pandas.

    python bench/metrics_bench.py [--rows 10000000] [--month 2026-06] [--repeat 3] [--write-readme]

Prepares once (cached in bench/data/, git-ignored): the exports of data/generate.py, a Rollgate
database holding all eight datasets (loaded with `cli.py ingest`), and the same tables as
Parquet files for pandas. Then, each in a fresh process (cold: DuckDB's buffer pool and pandas'
frames start empty; the operating system's file cache is left as it is), times:
  * cli:    `python cli.py metrics --month M --json`, the whole process a manager would run;
  * duckdb: metrics.compute for the month, from opening the database to every metric's result;
  * pandas: bench/pandas_metrics.py, from reading the Parquet files (usage for the month, and
            user and time of the usage up to the month's end for the seat and retention metrics,
            through the reader's row-group filter) to every metric's result; reading and computing
            are reported apart.
and a gate review of a 3-month period (`python cli.py evaluate --stage department --from 2026-04-01
--to 2026-06-30 --json`: the demo plan's department stage was in force throughout April–June, so its
accumulating gates are judged on monthly means), target under 2 s; that review's expansion forecast
(gates.forecast.forecast from opening the database), target under 1 s; and, for the monthly trend of
the family pages (every metric for every month of the data):
  * monthly:   metrics.monthly over all the months, from opening the database;
  * per month: metrics.compute once per month, the same.
Each figure is the median of --repeat runs. The two implementations must agree on every value,
and monthly must equal compute on every month (value, n and interval).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import Machine  # noqa: E402
from bench.readme import write_between  # noqa: E402
from loaders.schema import DATASETS  # noqa: E402

DATA = ROOT / "bench" / "data"
README = ROOT / "bench" / "README.md"
BEGIN, END = "<!-- metrics-results:begin -->", "<!-- metrics-results:end -->"
TARGET_SECONDS = 1.5
# A review whose period is three whole months of one stage (the demo plan's department stage, 1 April – 14 July).
EVALUATE = ["--stage", "department", "--from", "2026-04-01", "--to", "2026-06-30"]
EVALUATE_TARGET_SECONDS = 2.0
FORECAST_TARGET_SECONDS = 1.0


def prepare(rows: int) -> tuple[Path, Path]:
    """(database, parquet folder) for `rows` usage rows, made once and reused."""
    from data.generate import generate  # numpy and polars: only the parent needs them

    out = DATA / f"usage-{rows}"
    if not all((out / f"{d}.csv").exists() for d in DATASETS):
        print(f"generating {rows:,} usage rows and the other exports …", flush=True)
        generate(out, usage_rows=rows)
    db, parquet = out / "rollgate.duckdb", out / "parquet"
    if not db.exists():
        print("loading every export with cli.py ingest …", flush=True)
        files = [str(out / f"{d}.csv") for d in DATASETS]
        subprocess.run([sys.executable, "cli.py", "ingest", *files, "--db", str(db)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    if not (parquet / "usage.parquet").exists():
        import duckdb

        print("writing the tables as Parquet for pandas …", flush=True)
        parquet.mkdir(exist_ok=True)
        con = duckdb.connect(str(db), read_only=True)
        for d in DATASETS:
            con.execute(f"copy (select * exclude (ingestion_id) from {d}) to '{parquet / d}.parquet' "
                        "(format parquet, row_group_size 122880)")
        con.close()
    return db, parquet


def child_duckdb(db: str, month: str) -> dict[str, object]:
    started = time.perf_counter()
    from gates.plan_io import load_plan
    from loaders import store
    from metrics import compute
    from metrics.window import month_window

    window, ctx = month_window(month), load_plan().metric_context()
    opened = time.perf_counter()
    with store.connect(Path(db)) as con:
        values = compute(con, ctx, window)
    done = time.perf_counter()
    return {"imports": opened - started, "compute": done - opened, "values": {k: v.value for k, v in values.items()}}


def child_forecast(db: str) -> dict[str, object]:
    """The expansion forecast of the three-month review (DESIGN.md §12), from opening the database."""
    started = time.perf_counter()
    from datetime import date as day

    from gates.forecast import forecast
    from gates.plan_io import load_plan
    from loaders import store
    from metrics.model import Window

    plan = load_plan()
    opened = time.perf_counter()
    with store.connect(Path(db)) as con:
        found = forecast(con, plan, "department", Window(day(2026, 4, 1), day(2026, 6, 30)))
    done = time.perf_counter()
    return {"imports": opened - started, "compute": done - opened,
            "measures": {m.id: m.central for m in found.measures}}


def data_months(db: str) -> Any:
    """The Window from the first day of the data's first month to the last day of its last."""
    import duckdb

    from metrics.model import Window
    from metrics.window import month_window

    con = duckdb.connect(db, read_only=True)
    first, last = con.execute("select strftime(min(occurred_at), '%Y-%m'), strftime(max(occurred_at), '%Y-%m') "
                              "from usage").fetchall()[0]
    con.close()
    return Window(month_window(first).start, month_window(last).end)


def child_trend(db: str, how: str) -> dict[str, object]:
    """Every metric for every month of the data, by `monthly` or by one `compute` per month."""
    from gates.plan_io import load_plan
    from loaders import store
    from metrics import compute, monthly
    from metrics.engine import months

    window, ctx = data_months(db), load_plan().metric_context()
    opened = time.perf_counter()
    with store.connect(Path(db)) as con:
        if how == "monthly":
            found = monthly(con, ctx, window)
        else:
            found = {f"{w.start:%Y-%m}": compute(con, ctx, w) for w in months(window)}
    done = time.perf_counter()
    return {"compute": done - opened, "values": {f"{m} {k}": [v.value, v.n, v.low, v.high]
                                                 for m, vs in found.items() for k, v in vs.items()}}


def child_pandas(parquet: str, month: str) -> dict[str, object]:
    started = time.perf_counter()
    import pandas as pd

    from bench import pandas_metrics
    from gates.plan_io import load_plan
    from metrics.window import month_window

    window, ctx = month_window(month), load_plan().metric_context()
    imported = time.perf_counter()
    lo, stop = pd.Timestamp(window.start), pd.Timestamp(window.end) + pd.Timedelta(days=1)
    frames = {d: pd.read_parquet(Path(parquet) / f"{d}.parquet") for d in DATASETS if d != "usage"}
    frames["usage"] = pd.read_parquet(
        Path(parquet) / "usage.parquet",
        columns=["occurred_at", "user_id", "use_case", "interactions", "output_action", "minutes_saved"],
        filters=[("occurred_at", ">=", lo), ("occurred_at", "<", stop)])
    month_stop = pd.Timestamp(window.end.replace(day=1)) + pd.DateOffset(months=1)
    frames["history"] = pd.read_parquet(Path(parquet) / "usage.parquet", columns=["occurred_at", "user_id"],
                                        filters=[("occurred_at", "<", month_stop)])
    read = time.perf_counter()
    values = pandas_metrics.compute(pandas_metrics.with_datetimes(frames), ctx, window.start, window.end)
    done = time.perf_counter()
    return {"imports": imported - started, "read": read - imported, "compute": done - read, "values": values}


def run_child(args: list[str]) -> tuple[float, dict[str, Any]]:
    """(wall seconds, the child's JSON report) of one fresh process."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr[-2000:]}")
    return elapsed, json.loads(proc.stdout)


def review_asks(review: dict[str, Any]) -> str:
    """What `cli.py evaluate --json` judged: the months of its period and its pause triggers' windows."""
    months = review["period"]["months"]
    windows = sorted({(t["window"]["from"], t["window"]["to"]) for t in review["triggers"]})
    which = "window" if len(windows) == 1 else "windows"
    return (f"the months {', '.join(months)}, the period whole and the pause triggers' {which} "
            f"{'; '.join(f'{a} to {b}' for a, b in windows)}")


def same(x: float | None, y: float | None) -> bool:
    """Equal, or both null (beyond floating-point summation order)."""
    return (x is None and y is None) or (x is not None and y is not None
                                         and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9))


def agree(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Metric ids whose values differ (beyond floating-point summation order)."""
    return [k for k in a if not same(a[k], b.get(k))]


def agree_records(a: dict[str, list[Any]], b: dict[str, list[Any]]) -> list[str]:
    """'month metric' keys whose value, n, low or high differ."""
    return [k for k in a if k not in b or not all(same(x, y) for x, y in zip(a[k], b[k], strict=True))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--month", default="2026-06", help="the month to compute (default: the largest, June)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-readme", action="store_true", help="record the figures in bench/README.md")
    parser.add_argument("--child", choices=["duckdb", "pandas", "monthly", "per-month", "forecast"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "duckdb":
        print(json.dumps(child_duckdb(args.source, args.month)))
        return 0
    if args.child == "pandas":
        print(json.dumps(child_pandas(args.source, args.month)))
        return 0
    if args.child == "forecast":
        print(json.dumps(child_forecast(args.source)))
        return 0
    if args.child in ("monthly", "per-month"):
        print(json.dumps(child_trend(args.source, args.child)))
        return 0

    import duckdb
    import pandas

    db, parquet = prepare(args.rows)
    me = str(Path(__file__).relative_to(ROOT))
    con = duckdb.connect(str(db), read_only=True)
    month_rows = con.execute("select count(*) from usage where strftime(occurred_at, '%Y-%m') = ?",
                             [args.month]).fetchone()
    con.close()
    cli, duck, pand, grouped, per_month, review, ahead = [], [], [], [], [], [], []
    for _ in range(args.repeat):
        cli.append(run_child(["cli.py", "metrics", "--month", args.month, "--json", "--db", str(db)])[0])
        review.append(run_child(["cli.py", "evaluate", *EVALUATE, "--json", "--db", str(db)]))
        ahead.append(run_child([me, "--child", "forecast", "--source", str(db)]))
        duck.append(run_child([me, "--child", "duckdb", "--source", str(db), "--month", args.month]))
        pand.append(run_child([me, "--child", "pandas", "--source", str(parquet), "--month", args.month]))
        grouped.append(run_child([me, "--child", "monthly", "--source", str(db)]))
        per_month.append(run_child([me, "--child", "per-month", "--source", str(db)]))
    differ = agree(duck[-1][1]["values"], pand[-1][1]["values"])
    trend_differ = agree_records(grouped[-1][1]["values"], per_month[-1][1]["values"])
    trend_months = len({k.split(" ", 1)[0] for k in grouped[-1][1]["values"]})

    def med(runs: list[tuple[float, dict[str, Any]]], key: str | None = None) -> float:
        """Median wall seconds of `runs`, or of the child's own `key` timer."""
        return statistics.median(float(r[key]) if key else t for t, r in runs)

    lines = [
        f"Measured {date.today()} on {Machine.here()}, pandas {pandas.__version__}.",
        f"{args.rows:,} usage rows in all; the month {args.month} holds {month_rows[0] if month_rows else 0:,} "
        f"of them. Median of {args.repeat} cold runs, each in a fresh process.",
        "",
        f"| all six families, one month | whole process | read data | compute {len(duck[-1][1]['values'])} metrics |",
        "|---|---|---|---|",
        f"| `cli.py metrics --month {args.month} --json` (DuckDB) | **{statistics.median(cli):.2f} s** | — | — |",
        f"| `metrics.compute` (DuckDB, from opening the database) | {med(duck):.2f} s | — "
        f"| {med(duck, 'compute'):.2f} s |",
        f"| pandas (bench/pandas_metrics.py, from Parquet) | {med(pand):.2f} s | {med(pand, 'read'):.2f} s "
        f"| {med(pand, 'compute'):.2f} s |",
        "",
        f"Target: the whole `cli.py metrics` process under {TARGET_SECONDS} s. DuckDB and pandas agree on "
        + (f"all {len(duck[-1][1]['values'])} values." if not differ else f"all but {', '.join(differ)}."),
        "",
        "| a gate review of three months | whole process |",
        "|---|---|",
        f"| `cli.py evaluate {' '.join(EVALUATE)} --json` | **{med(review):.2f} s** |",
        "",
        f"Target: under {EVALUATE_TARGET_SECONDS:.0f} s. The review asks for {review_asks(review[-1][1])}: the "
        "months are scanned once, kept, and the period whole and a trigger's whole month are summed from them.",
        "",
        "| the expansion forecast of that review (the next stage's first full month) | whole process | forecast |",
        "|---|---|---|",
        f"| `gates.forecast.forecast`, from opening the database | {med(ahead):.2f} s | "
        f"**{med(ahead, 'compute'):.2f} s** |",
        "",
        f"Target: the forecast under {FORECAST_TARGET_SECONDS:.0f} s. One query groups the period's usage by person "
        "and month; the ranges are 10,000 seeded draws.",
        "",
        f"| all six families, every month of the data ({trend_months}) | whole process | "
        f"compute {len(duck[-1][1]['values'])} × {trend_months} metrics |",
        "|---|---|---|",
        f"| `metrics.monthly` (grouped by month) | {med(grouped):.2f} s | {med(grouped, 'compute'):.2f} s |",
        f"| `metrics.compute` once per month | {med(per_month):.2f} s | {med(per_month, 'compute'):.2f} s |",
        "",
        "The family pages draw their monthly trends with `metrics.monthly`. It equals `metrics.compute` on "
        + (f"every month for all {len(grouped[-1][1]['values'])} values (value, n, interval)." if not trend_differ
           else f"every month except {', '.join(trend_differ[:5])}."),
    ]
    print("\n".join(lines))
    if args.write_readme:
        write_between(README, BEGIN, END, lines)
        print(f"wrote the figures into {README.relative_to(ROOT)}")
    return 1 if differ or trend_differ else 0


if __name__ == "__main__":
    sys.exit(main())
