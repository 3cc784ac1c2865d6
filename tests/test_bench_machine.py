"""The machine a benchmark ran on, as the figures in bench/README.md name it."""

from __future__ import annotations

import platform

import duckdb

from bench.machine import Machine


def test_the_machine_reads_as_the_benchmark_figures_name_it() -> None:
    machine = Machine(cpu="AMD EPYC", cores=2, ram_gib=23.6, python="3.11.7", duckdb="2.0.1")
    assert str(machine) == "2 cores (AMD EPYC), 24 GiB RAM, Python 3.11.7, DuckDB 2.0.1"


def test_this_machine_names_the_running_versions() -> None:
    here = Machine.here()
    assert (here.python, here.duckdb) == (platform.python_version(), duckdb.__version__)
    assert here.cpu and here.ram_gib > 0
