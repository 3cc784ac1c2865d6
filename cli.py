"""Rollgate from a terminal: the same engine as the app, for scheduled imports and scripts.

Exit status: 0 on success, 1 when an input was refused (the message is on stderr), 2 on a
usage error. Every command takes --json for machine-readable output on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loaders import store
from loaders.demo import load_demo
from loaders.detect import parse_map_options
from loaders.errors import RollgateError
from loaders.ingest import IngestOptions, IngestReport, history, ingest_paths, undo


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message}\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database file (default: $ROLLGATE_DB or data/rollgate.duckdb)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")
    p.add_argument("--wait", type=float, default=float(os.environ.get("ROLLGATE_LOCK_WAIT",
                                                                      store.CLI_WAIT_SECONDS)),
                   help="seconds to wait for a database another process is using (default 60)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cli.py", description="Rollgate: evidence-based gates for rolling out an AI tool.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("ingest", help="load one or more exports into the database",
                       description="Load exports (CSV, Parquet, XLSX, JSON/NDJSON); each file is one transaction.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--dataset", help="the dataset, when detection should not guess "
                                     "(roster, training, usage, reviews, costs, incidents, support, feedback)")
    p.add_argument("--map", action="append", default=[], metavar='"Source=canonical"',
                   help="read a source column as a canonical column (repeatable)")
    p.add_argument("--date-order", choices=["dmy", "mdy"],
                   help="order of slash dates such as 05/03/2026 when the file does not settle it")
    p.add_argument("--dry-run", action="store_true", help="validate and report, store nothing")
    _common(p)

    p = sub.add_parser("undo", help="remove an ingestion and restore the rows it replaced")
    p.add_argument("ingestion_id", type=int, metavar="INGESTION_ID")
    _common(p)

    p = sub.add_parser("ingestions", help="list past ingestions, newest first")
    _common(p)

    p = sub.add_parser("demo", help="load the demo exports of data/demo into the database")
    p.add_argument("--if-empty", action="store_true", help="only when the database holds no rows yet")
    _common(p)
    return parser


def _print(args: argparse.Namespace, payload: Any, text: str) -> None:
    if args.json:
        print(json.dumps(payload, default=str, indent=2))
    else:
        print(text)


def _report_text(r: IngestReport) -> str:
    lines = [r.message]
    lines += [f"  · {n}" for n in r.notes]
    for rj in r.rejects[:20]:
        where = f"line {rj.line}" + (f", {rj.column}" if rj.column else "")
        lines.append(f"  ✗ {where}: {rj.reason}")
    if r.rejected > 20:
        lines.append(f"  … {r.rejected - 20} more rejected rows; download them from the Upload page.")
    return "\n".join(lines)


def cmd_ingest(args: argparse.Namespace) -> int:
    options = IngestOptions(dataset=args.dataset, column_map=parse_map_options(args.map),
                            date_order=args.date_order)
    missing = [f for f in args.files if not f.is_file()]
    if missing:
        raise RollgateError(f"{missing[0]}: no such file; check the path.")
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        reports = ingest_paths(con, [(f, f.name) for f in args.files], options, commit=not args.dry_run)
    _print(args, {"files": [r.model_dump() for r in reports]}, "\n".join(_report_text(r) for r in reports))
    refused = [r for r in reports if r.status == "refused"]
    for r in refused:
        print(r.message, file=sys.stderr)
    return 1 if refused else 0


def cmd_undo(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        report = undo(con, args.ingestion_id)
    _print(args, report.model_dump(), report.message)
    return 0


def cmd_ingestions(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        rows = history(con)
    text = "\n".join(
        f"#{r['id']:<4} {r['uploaded_at']:%Y-%m-%d %H:%M}  {r['dataset']:<9} {r['file_name']}  "
        f"{r['inserted']} new, {r['updated']} updated, {r['rejected']} rejected"
        + ("  (undone)" if r["undone_at"] else "") for r in rows) or "No ingestions yet."
    _print(args, {"ingestions": rows}, text)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        if args.if_empty and not store.is_empty(con):
            _print(args, {"files": [], "skipped": "database already holds data"},
                   "The database already holds data; demo not loaded.")
            return 0
        reports = load_demo(con)
    _print(args, {"files": [r.model_dump() for r in reports]}, "\n".join(r.message for r in reports))
    return 1 if any(r.status == "refused" for r in reports) else 0


COMMANDS = {"ingest": cmd_ingest, "undo": cmd_undo, "ingestions": cmd_ingestions, "demo": cmd_demo}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except RollgateError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
