"""What a benchmark ran on, for the "Measured ... on ..." line above its figures.

    Machine.here() -> "2 cores (AMD EPYC), 24 GiB RAM, Python 3.11.7, DuckDB 2.0.1"

The seconds of a benchmark mean little without the machine, so every benchmark names it the same way.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    """The processor, its cores, the memory (GiB) and the versions that set the pace of a run."""

    cpu: str
    cores: int | None
    ram_gib: float
    python: str
    duckdb: str

    @classmethod
    def here(cls) -> Machine:
        """This machine, and the Python and DuckDB running the benchmark."""
        import duckdb  # here, not at import: the benchmarks' child processes never describe the machine

        return cls(cpu=_cpu_model(), cores=os.cpu_count(),
                   ram_gib=os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
                   python=platform.python_version(), duckdb=duckdb.__version__)

    def __str__(self) -> str:
        return (f"{self.cores} cores ({self.cpu}), {self.ram_gib:.0f} GiB RAM, Python {self.python}, "
                f"DuckDB {self.duckdb}")


def _cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo; where there is none (not Linux), what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
