"""The ingest benchmark's table of figures, its options, and the checks that keep it from timing a bad import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import run
from bench.run import Figures, check_ingest, parse_args, results_lines

ROOT = Path(__file__).resolve().parent.parent
MACHINE = "2 cores (AMD EPYC), 24 GiB RAM, Python 3.11.7, DuckDB 2.0.1"
HEADER = "| shape | usage rows | file | bare `read_csv` | `cli.py ingest` | ratio | peak memory bare / ingest |"
TARGETS = ("Targets, for every shape: ingest no slower than 1.5× bare `read_csv` at 1M and 2M rows; peak memory "
           "of ingest under 1.5 GB (1,536 MB) at 10M rows.")


def test_one_row_per_shape_and_size_in_shape_order_then_size() -> None:
    figures = [Figures("quoted", 1_000_000, 168.4, 1.0, 1.4, 300, 400),
               Figures("z", 2_000_000, 164.1, 1.6, 2.2, 320, 480),
               Figures("offset", 1_000_000, 86.8, 0.9, 1.2, 290, 370),
               Figures("z", 1_000_000, 82.1, 0.92, 1.17, 292, 365)]
    assert results_lines(figures, "2026-12-01", MACHINE, 3) == [
        f"Measured 2026-12-01 on {MACHINE}; median of 3 runs each. ✗ marks a target missed.", "",
        HEADER, "|---|---|---|---|---|---|---|",
        "| z | 1,000,000 | 82 MB | 0.92 s | 1.17 s | **1.27×** | 292 MB / 365 MB |",
        "| z | 2,000,000 | 164 MB | 1.60 s | 2.20 s | **1.38×** | 320 MB / 480 MB |",
        "| offset | 1,000,000 | 87 MB | 0.90 s | 1.20 s | **1.33×** | 290 MB / 370 MB |",
        "| quoted | 1,000,000 | 168 MB | 1.00 s | 1.40 s | **1.40×** | 300 MB / 400 MB |",
        "", TARGETS]


def test_a_missed_target_is_marked_where_it_applies() -> None:
    slow_1m = Figures("offset", 1_000_000, 87, 1.0, 1.51, 290, 370)
    slow_2m = Figures("quoted", 2_000_000, 337, 2.0, 3.2, 600, 700)
    heavy_10m = Figures("quoted", 10_000_000, 1685, 12.0, 30.0, 900, 1536)  # no ratio target at 10M
    smoke = Figures("z", 50_000, 4, 0.5, 1.5, 90, 120)  # a smoke run: no target at all
    assert slow_1m.row() == "| offset | 1,000,000 | 87 MB | 1.00 s | 1.51 s | **1.51×** ✗ | 290 MB / 370 MB |"
    assert slow_2m.row() == "| quoted | 2,000,000 | 337 MB | 2.00 s | 3.20 s | **1.60×** ✗ | 600 MB / 700 MB |"
    assert heavy_10m.row() == ("| quoted | 10,000,000 | 1685 MB | 12.00 s | 30.00 s | **2.50×** | "
                               "900 MB / 1536 MB ✗ |")
    assert smoke.row() == "| z | 50,000 | 4 MB | 0.50 s | 1.50 s | **3.00×** | 90 MB / 120 MB |"
    # at the limits: 1.50× and 1,535 MB meet the targets
    assert "✗" not in Figures("z", 2_000_000, 164, 2.0, 3.0, 300, 400).row()
    assert "✗" not in Figures("z", 10_000_000, 836, 6.0, 12.0, 630, 1535).row()


def test_the_measured_line_says_how_many_runs_each_figure_is() -> None:
    ten = [Figures("z", 1_000_000, 82, 1, 1.2, 290, 360), Figures("z", 10_000_000, 836, 6, 12, 630, 1131)]
    assert results_lines(ten, "2026-12-01", MACHINE, 5)[0] == (
        f"Measured 2026-12-01 on {MACHINE}; median of 5 runs each, one run at 10,000,000 rows. "
        "✗ marks a target missed.")
    assert results_lines(ten[:1], "2026-12-01", MACHINE, 1)[0] == (
        f"Measured 2026-12-01 on {MACHINE}; one run each. ✗ marks a target missed.")


def test_the_committed_readme_holds_a_block_as_the_benchmark_writes_it() -> None:
    text = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    block = text[text.index(run.BEGIN) + len(run.BEGIN):text.index(run.END)].strip("\n").splitlines()
    assert block[0].startswith("Measured ")
    assert block[2:4] == [HEADER, "|---|---|---|---|---|---|---|"]
    assert block[-1] == TARGETS
    # and the text above it explains every shape the table can hold, and the command that fills it
    for shape in ("z", "offset", "quoted"):
        assert f"| `{shape}` |" in text
    assert "python bench/run.py --shape all --rows 1000000 2000000 --also-10m --write-readme" in text
    assert "bench/run.py --shape all --rows 1000000 2000000 --also-10m --write-readme" in (
        ROOT / "Makefile").read_text(encoding="utf-8")


@pytest.mark.parametrize(("argv", "shapes", "sizes"), [
    ([], ["z", "offset", "quoted"], [1_000_000, 2_000_000]),
    (["--also-10m"], ["z", "offset", "quoted"], [1_000_000, 2_000_000, 10_000_000]),
    (["--shape", "all", "--rows", "1000000", "2000000", "--also-10m"], ["z", "offset", "quoted"],
     [1_000_000, 2_000_000, 10_000_000]),
    (["--rows", "50000", "--repeat", "1"], ["z", "offset", "quoted"], [50_000]),
    (["--shape", "offset", "--rows", "2000000", "1000000", "1000000"], ["offset"], [1_000_000, 2_000_000]),
    (["--shape", "quoted", "--rows", "10000000", "--also-10m"], ["quoted"], [10_000_000]),
])
def test_shapes_and_sizes_from_the_options(argv: list[str], shapes: list[str], sizes: list[int]) -> None:
    args = parse_args(argv)
    assert (args.shapes, args.sizes) == (shapes, sizes)


@pytest.mark.parametrize("argv", [["--shape", "excel"], ["--rows", "0"], ["--repeat", "0"], ["--rows"]])
def test_options_out_of_range_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)
    assert stopped.value.code == 2


def report(**changes: object) -> str:
    """The --json output of `cli.py ingest` for one clean file of 1,000 rows, with `changes`."""
    clean: dict[str, object] = {
        "file": "usage.csv", "status": "stored", "dataset": "usage", "preset": None, "rows_read": 1000,
        "inserted": 1000, "rejected": 0, "unused_columns": [], "rejects": [],
        "message": "usage.csv: usage, 1000 rows read; stored 1000 new, 0 updated, 0 unchanged; 0 rejected, "
                   "0 duplicates."}
    return json.dumps({"files": [{**clean, **changes}]})


def test_a_clean_import_of_every_row_passes() -> None:
    check_ingest(report(), 1000, "z")
    check_ingest(report(), 1000, "offset")
    check_ingest(report(unused_columns=["prompt_summary", "client"]), 1000, "quoted")


@pytest.mark.parametrize(("changes", "shape", "wrong"), [
    ({"inserted": 998, "rejected": 2, "rejects": [{"line": 7, "reason": "'x' is not a timestamp"}]}, "offset",
     "{'inserted': 998, 'rejected': 2}, expected {'inserted': 1000, 'rejected': 0}"),
    ({"status": "refused", "dataset": None, "inserted": 0, "rows_read": 0}, "z",
     "{'status': 'refused', 'dataset': None, 'rows_read': 0, 'inserted': 0}, expected {'status': 'stored', "
     "'dataset': 'usage', 'rows_read': 1000, 'inserted': 1000}"),
    ({"status": "skipped", "inserted": 0}, "z", "{'status': 'skipped', 'inserted': 0}"),
    ({"dataset": "support"}, "z", "{'dataset': 'support'}"),
    ({"preset": "copilot"}, "z", "{'preset': 'copilot'}"),
    ({"rows_read": 999, "inserted": 999}, "z", "{'rows_read': 999, 'inserted': 999}"),
    ({}, "quoted", "{'unused_columns': []}, expected {'unused_columns': ['client', 'prompt_summary']}"),
    ({"unused_columns": ["occurred_at"]}, "z", "{'unused_columns': ['occurred_at']}"),
])
def test_an_import_that_is_not_clean_stops_the_benchmark(changes: dict[str, object], shape: str, wrong: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        check_ingest(report(**changes), 1000, shape)
    message = str(stopped.value)
    assert message.startswith(f"ingest of the {shape} shape (1,000 rows) is not a clean import: ")
    assert wrong in message
    if changes.get("rejects"):
        assert message.endswith("First rejects: line 7: 'x' is not a timestamp")


def test_the_benchmarks_own_process_stays_small() -> None:
    # Linux counts the peak memory of the process that starts a child into the child's: the timing process
    # must not load the data libraries (the data is generated, and loads are checked, in processes of their own)
    code = ("import sys; import bench.run as r; r.parse_args([]); "
            "print(sorted(m for m in ('numpy', 'polars', 'pandas', 'duckdb') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
