"""What the per-cell checks of plausible values cost, on the validating pass alone.

    python bench/checks_cost.py [--rows 1000000] [--repeat 3]

On the generated usage export (the `z` shape), in one process: the validating query of `cli.py ingest`
(loaders.validate.build_select) into a temporary table, with every check the reader can rule out from
the file's bytes (loaders.scan: control characters, line breaks inside quotes, '#' of Excel error cells,
cells to trim) off, then each one forced on alone, then all of them; and DuckDB's own read of the same
file as text, for scale. Prints a Markdown table of the median seconds; bench/README.md quotes it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench.run import usage_csv  # noqa: E402
from loaders.detect import detect  # noqa: E402
from loaders.read import read_file  # noqa: E402
from loaders.schema import DATASETS  # noqa: E402
from loaders.store import CONFIG  # noqa: E402
from loaders.validate import Suspect, build_select  # noqa: E402

NONE = Suspect(padded=False, controls=False, line_breaks=False, error_cells=False)
VARIANTS: tuple[tuple[str, Suspect], ...] = (
    ("none of them (a clean file)", NONE),
    ("control characters (text, identifiers, keys)", replace(NONE, controls=True)),
    ("line breaks in identifiers and keys", replace(NONE, line_breaks=True)),
    ("Excel error cells (every column)", replace(NONE, error_cells=True)),
    ("trimming every cell", replace(NONE, padded=True)),
    ("all of them", Suspect()),
)


def median_seconds(con: duckdb.DuckDBPyConnection, sql: str, params: list[object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        con.execute(f"create or replace temp table checked as {sql}", params)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    path = usage_csv(args.rows)
    con = duckdb.connect(config=CONFIG)
    raw = read_file(con, path, path.name)
    mapping = detect(raw.headers, raw.name)
    dataset = DATASETS[mapping.dataset]
    bare = median_seconds(con, f"select * from {raw.relation}", raw.params, args.repeat)
    print(f"| checks on ({args.rows:,} usage rows) | validating pass | more than none |\n|---|---|---|")
    base = None
    for label, suspect in VARIANTS:
        sql, params = build_select(dataset, mapping, raw.relation, raw.params, {}, False, suspect)
        seconds = median_seconds(con, sql, params, args.repeat)
        base = seconds if base is None else base
        print(f"| {label} | {seconds:.2f} s | {seconds - base:+.2f} s |")
    print(f"| (DuckDB's read of the file as text alone) | {bare:.2f} s | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
