"""The demo exports shipped in data/demo, loaded like any upload."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.access import Action, Actor, local, require
from core.errors import RollgateError
from core.paths import DEMO_DIR
from loaders.ingest import IngestOptions, IngestReport, ingest_paths


def demo_files(directory: Path = DEMO_DIR) -> list[Path]:
    """The demo CSVs, roster first so later files can be read against it."""
    files = sorted(directory.glob("*.csv"), key=lambda p: (p.stem != "roster", p.stem))
    if not files:
        raise RollgateError(f"No demo exports found in {directory.name}/; reinstall Rollgate's data folder.")
    return files


def load_demo(con: duckdb.DuckDBPyConnection, directory: Path = DEMO_DIR, by: Actor | None = None
              ) -> list[IngestReport]:
    """Ingest every demo export, as `by` (None: the operating-system user; it needs the analyst role); files
    already loaded are reported as skipped."""
    require(by or local(), Action.IMPORT)
    return ingest_paths(con, [(f, f.name) for f in demo_files(directory)], IngestOptions(by=by))
