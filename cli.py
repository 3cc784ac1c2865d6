"""Rollgate from a terminal: the same engine as the app, for scheduled imports and scripts.

Exit status: 0 on success, 1 when an input was refused (the message is on stderr), 2 on a
usage error. Every command takes --json for machine-readable output on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from core.access import Action, local
from core.errors import DatabaseBusy, InputError, RollgateError, UsageError
from gates.forecast import Ask, NoNextStage, current_stage, forecast, parse_damping, parse_users, target_stage
from gates.plan import Plan
from gates.plan_check import PlanInvalid, loaded_references, reference_warnings
from gates.plan_cross import Problem
from gates.plan_io import check_text, load_plan, plan_path, read_plan_file
from gates.report import evaluation_text, forecast_text, plan_check_text
from gates.review import evaluate
from loaders import activity, store
from loaders.demo import load_demo
from loaders.detect import parse_map_options
from loaders.ingest import IngestOptions, IngestReport, history, ingest_paths, undo
from loaders.period import Period, parse_period
from loaders.presets import PRESETS
from metrics import privacy
from metrics.coverage import grid, grid_text
from metrics.engine import compute
from metrics.format import day_label, metrics_table
from metrics.registry import REGISTRY
from metrics.window import add_window_arguments, parse_day, window_from_args
from snapshots import signing
from snapshots.build import parse_outcome, record_review
from snapshots.compare import compare, comparison_text
from snapshots.exports import write_all
from snapshots.record import Decision, Snapshot
from snapshots.store import entries, get
from snapshots.verify import load_verified, verify

# The name a person typed: `rollgate` (the command make installs in .venv) or `cli.py` (python cli.py …).
PROG = "rollgate" if Path(sys.argv[0]).name == "rollgate" else "cli.py"


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
    p.add_argument("--as", dest="as_", metavar="NAME",
                   help="who is acting, for the records and the activity log (default: the operating-system user)")


def _period(text: str) -> str:
    try:
        parse_period(text, "--period")
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--period ")) from e
    return text.strip()


def _limit(text: str) -> int:
    """A number of entries to show: 0 (all) or more; a negative one would silently drop the oldest instead."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"a number of entries, 0 or more (0: all), not {text}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Rollgate: evidence-based gates for rolling out an AI tool.")
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
    p.add_argument("--preset", choices=list(PRESETS), metavar="NAME",
                   help="read the files as this export of a vendor console, when detection should not guess: "
                        + ", ".join(PRESETS))
    p.add_argument("--period", type=_period, metavar="YYYY-MM[..YYYY-MM]",
                   help="the months the files cover; an export with a header and no rows is then stored as "
                        "evidence that nothing happened in them (claude-spend needs the one month it covers)")
    p.add_argument("--sheet", metavar="NAME", help="the sheet of an XLSX workbook to read (default: the first)")
    p.add_argument("--plan", help="rollout plan whose [mappings] the presets use "
                                  "(default: $ROLLGATE_PLAN or data/plan.toml)")
    p.add_argument("--dry-run", action="store_true", help="validate and report, store nothing")
    _common(p)

    p = sub.add_parser("undo", help="remove an ingestion and restore the rows it replaced")
    p.add_argument("ingestion_id", type=int, metavar="INGESTION_ID")
    _common(p)

    p = sub.add_parser("ingestions", help="list past ingestions, newest first")
    _common(p)

    p = sub.add_parser("coverage", help="which months each dataset's exports cover",
                       description="Every dataset and month from the first covered to the last: covered (✔, with the "
                                   "rows stored that month), partly (◐) or not covered by any export (✖). A metric "
                                   "that needs an export no import covers has no value, and says why.")
    _common(p)

    p = sub.add_parser("demo", help="load the demo exports of data/demo into the database")
    p.add_argument("--if-empty", action="store_true", help="only when the database holds no rows yet")
    _common(p)

    p = sub.add_parser("metrics", help="compute every metric for a month or a window",
                       description="Compute every metric (docs/metrics.md) for --month YYYY-MM, or --from DATE "
                                   "--to DATE (inclusive), optionally for one department or use case.")
    add_window_arguments(p)
    p.add_argument("--plan", help="rollout plan (default: $ROLLGATE_PLAN or data/plan.toml)")
    _common(p)

    p = sub.add_parser("evaluate", help="review a stage: gates, pause triggers, readiness and the recommendation",
                       description="Judge stage --stage of the rollout plan on --month YYYY-MM, or --from DATE "
                                   "--to DATE: every gate, pause trigger and readiness item, and the "
                                   "recommendation (proceed, continue, limit, redesign or pause).")
    p.add_argument("--stage", required=True, metavar="ID", help="the plan stage to review, e.g. pilot")
    add_window_arguments(p)
    p.add_argument("--plan", help="rollout plan (default: $ROLLGATE_PLAN or data/plan.toml)")
    _common(p)

    p = sub.add_parser("forecast", help="forecast a later stage's first full month from the current stage's months",
                       description="Forecast the first full month of a stage (--stage; default: the stage after the "
                                   "one in force on the window's last day): active users, interactions, support "
                                   "tickets, incidents, usage cost and net hours saved, each a central value and an "
                                   "80%% range, learned from the months of the stage in force on --month YYYY-MM (or "
                                   "--from DATE --to DATE), with its assumptions in plain words (docs/forecast.md).")
    p.add_argument("--stage", metavar="ID", help="the stage to forecast (default: the next stage of the plan)")
    add_window_arguments(p, filters=False)
    p.add_argument("--users", metavar="N", help="the people who will have access in it (default: its expected_users "
                                                "in the plan, else the roster's people in its departments)")
    p.add_argument("--damping", metavar="X", default="1",
                   help="how likely the new people are to use the tool, as a share of the current ones (above 0, at "
                        "most 1; default 1). Pilot users often volunteer: 0.7 assumes 70%% as many active people.")
    p.add_argument("--plan", help="rollout plan (default: $ROLLGATE_PLAN or data/plan.toml)")
    _common(p)

    p = sub.add_parser("plan", help="check a rollout plan", description="Work with rollout plan files.")
    plan_sub = p.add_subparsers(dest="plan_command", required=True, parser_class=_Parser)
    p = plan_sub.add_parser("check", help="validate a plan and list every problem",
                            description="Validate a rollout plan and print every problem by its path (exit 1). "
                                        "Departments no roster row has are warnings (exit 0).")
    p.add_argument("path", nargs="?", metavar="PATH", help="plan file (default: $ROLLGATE_PLAN or data/plan.toml)")
    _common(p)

    _snapshot_parsers(sub)
    return parser


def _snapshot_parsers(sub: Any) -> None:
    """snapshot, snapshots, verify, compare and export: gate-review snapshots (DESIGN.md §5)."""
    p = sub.add_parser("snapshot", help="record a gate-review decision as a snapshot and write its report",
                       description="Review stage --stage on the window, record the decision with the exact evidence "
                                   "as an append-only snapshot, and write its HTML report, JSON record and criteria "
                                   "CSV. A decision other than the recommendation needs --rationale.")
    p.add_argument("--stage", required=True, metavar="ID", help="the plan stage reviewed, e.g. pilot")
    add_window_arguments(p)
    p.add_argument("--decision", required=True, metavar="OUTCOME",
                   help="the decision: proceed, continue, limit, redesign or pause")
    p.add_argument("--by", dest="decided_by", metavar="NAME",
                   help="who decided (a name or role; the same as --as; default: the operating-system user)")
    p.add_argument("--rationale", default="", metavar="TEXT", help="why; required when the decision differs "
                                                                   "from the recommendation")
    p.add_argument("--conditions", default="", metavar="TEXT", help="conditions attached to the decision")
    p.add_argument("--next-review", dest="next_review", metavar="DATE", help="date of the next review (YYYY-MM-DD)")
    p.add_argument("--supersedes", metavar="ID", help="the snapshot this one corrects")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="folder for the three files (default: snapshots/ beside the database, i.e. data/snapshots)")
    p.add_argument("--plan", help="rollout plan (default: $ROLLGATE_PLAN or data/plan.toml)")
    _common(p)

    p = sub.add_parser("snapshots", help="list recorded gate reviews, newest first, each checked")
    _common(p)

    p = sub.add_parser("verify", help="check a snapshot file (or a stored snapshot) against its content_sha256",
                       description="Recompute content_sha256 of a snapshot's JSON file and say whether the file was "
                                   "altered (exit 1 if so). Given a snapshot id instead, check the stored snapshot.")
    p.add_argument("target", metavar="SNAPSHOT.json|ID")
    _common(p)

    p = sub.add_parser("keys", help="the key that signs snapshots: its fingerprint, or rotate it",
                       description="Show the fingerprint of the key that signs gate-review snapshots (kept in keys/ "
                                   "beside the database, or $ROLLGATE_KEYS), or start a new one with `rotate`: new "
                                   "snapshots are signed with it; older ones keep verifying with the key they name.")
    p.add_argument("action", nargs="?", choices=["show", "rotate"], default="show")
    _common(p)

    p = sub.add_parser("activity", help="list the activity log, newest first, and check its hash chain",
                       description="Who did what and when: imports, undos, plan changes, decisions, exports and key "
                                   "rotations, newest first. Exit status 1 when the log's hash chain does not check "
                                   "(an entry changed, removed or inserted outside Rollgate).")
    p.add_argument("--limit", type=_limit, default=0, metavar="N",
                   help="show only the newest N entries (all are checked)")
    _common(p)

    p = sub.add_parser("compare", help="compare two snapshots: rules, decision, statuses, metric values",
                       description="Compare two snapshots, each given as a stored id or a snapshot JSON file: "
                                   "plan and rule changes first, then the decision, criteria whose status changed, "
                                   "triggers, readiness and every metric with its change.")
    p.add_argument("first", metavar="ID1")
    p.add_argument("second", metavar="ID2")
    _common(p)

    p = sub.add_parser("export", help="write a stored snapshot's HTML report, JSON record and criteria CSV again")
    p.add_argument("snapshot_id", metavar="ID")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="folder for the three files (default: snapshots/ beside the database, i.e. data/snapshots)")
    _common(p)


def dumps_json(payload: Any) -> str:
    """A command's result as strict JSON text (RFC 8259: no NaN, no Infinity); dates and other values
    as text. The engine never produces a number that is not finite; if one reached this point, the
    command fails saying so rather than print what a JSON reader refuses."""
    try:
        return json.dumps(payload, default=str, indent=2, allow_nan=False)
    except ValueError as e:
        if "out of range float" not in str(e).lower():
            raise
        raise RollgateError("internal error: the result holds a number that is not finite (NaN or infinity), so "
                            "no JSON was printed. Please report this, with the command you ran.") from e


def _print(args: argparse.Namespace, payload: Any, text: str) -> None:
    if args.json:
        print(dumps_json(payload))
    else:
        print(text)


def _report_text(r: IngestReport) -> str:
    lines = [r.message]
    lines += [f"  · {n}" for n in r.notes]
    lines += [f"  ! {w}" for w in r.warnings]
    for rj in r.rejects[:20]:
        where = f"line {rj.line}" + (f", {rj.column}" if rj.column else "")
        lines.append(f"  ✗ {where}: {rj.reason}")
    if r.rejected > 20:
        lines.append(f"  … {r.rejected - 20} more rejected rows; download them from the Upload page.")
    return "\n".join(lines)


@cache
def _read_plan(explicit: str | None) -> Plan:
    """The plan an import compares with and maps by, read once however many things ask."""
    return load_plan(plan_path(explicit))


def _plan_mappings(explicit: str | None) -> Callable[[], dict[str, dict[str, str]]]:
    """How to read the value mappings of the plan, for the import presets: once, when the first file a
    preset reads needs them; none when the default plan file is absent."""

    @cache
    def read() -> dict[str, dict[str, str]]:
        path = plan_path(explicit)
        if not path.exists() and not (explicit or os.environ.get("ROLLGATE_PLAN")):
            return {}
        try:
            return _read_plan(explicit).mapping_overrides()
        except RollgateError as e:
            raise RollgateError(f"{e}\n(fix the plan or give --plan PATH)") from e

    return read


def _plan_declarations(explicit: str | None) -> dict[str, Any]:
    """What the plan declares that an import's warnings compare the rows with (its use cases, its first stage's
    start); nothing when there is no plan or it has problems: those never stop an import."""
    if not plan_path(explicit).exists():
        return {}
    try:
        plan = _read_plan(explicit)
    except RollgateError:
        return {}
    return {"known_use_cases": frozenset(u.id for u in plan.use_cases),
            "first_stage_on": min((s.starts_on for s in plan.stages), default=None)}


def cmd_ingest(args: argparse.Namespace) -> int:
    options = IngestOptions(dataset=args.dataset, column_map=parse_map_options(args.map),
                            date_order=args.date_order, preset=args.preset, period=args.period, sheet=args.sheet,
                            read_mappings=_plan_mappings(args.plan), by=local(args.as_),
                            **_plan_declarations(args.plan))
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
        report = undo(con, args.ingestion_id, by=local(args.as_))
    _print(args, report.model_dump(), report.message)
    return 0


def cmd_ingestions(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        rows = history(con)
    text = "\n".join(
        f"#{r['id']:<4} {r['uploaded_at']:%Y-%m-%d %H:%M}  {r['dataset']:<9} {r['file_name']}  "
        f"{r['inserted']} new, {r['updated']} updated, {r['rejected']} rejected  covers {_covers(r)}"
        + ("  (undone)" if r["undone_at"] else "") for r in rows) or "No ingestions yet."
    _print(args, {"ingestions": rows}, text)
    return 0


def _covers(row: dict[str, object]) -> str:
    """The period an ingestion covers, in words (DESIGN.md §2 Coverage)."""
    first, last = row["period_from"], row["period_to"]
    if row["period_source"] == "always":
        return "every date"
    if not isinstance(first, date) or not isinstance(last, date):
        return "nothing (no row was stored)"
    return Period(first, last).label() + {"given": " (as given)", "stated": " (as the export states)"}.get(
        str(row["period_source"]), "")


def cmd_coverage(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        cells = grid(con)
    rows = [{"dataset": c.dataset, "month": c.month, "status": c.status, "covered_days": c.covered_days,
             "days": c.days, "rows": c.rows} for c in cells]
    _print(args, {"coverage": rows}, grid_text(cells))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        if args.if_empty and not store.is_empty(con):
            _print(args, {"files": [], "skipped": "database already holds data"},
                   "The database already holds data; demo not loaded.")
            return 0
        reports = load_demo(con, by=local(args.as_))
    _print(args, {"files": [r.model_dump() for r in reports]}, "\n".join(r.message for r in reports))
    return 1 if any(r.status == "refused" for r in reports) else 0


def cmd_metrics(args: argparse.Namespace) -> int:
    window = window_from_args(args)
    plan = load_plan(args.plan)
    ctx = plan.metric_context()
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        privacy.refuse_small(con, window, plan.privacy_min_group)
        values = compute(con, ctx, window)
    payload = {"window": {"from": window.start.isoformat(), "to": window.end.isoformat(),
                          "department": window.department, "use_case": window.use_case},
               "metrics": {k: v.as_json(REGISTRY[k].unit) for k, v in values.items()}}
    _print(args, payload, metrics_table(values, window, ctx.currency))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    window = window_from_args(args)
    plan = load_plan(args.plan)
    plan.stage(args.stage)  # an unknown stage is refused before the database is opened
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        privacy.refuse_small(con, window, plan.privacy_min_group)
        review = evaluate(con, plan, args.stage, window)
    _print(args, review.as_json(), evaluation_text(review))
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    window = window_from_args(args)
    users = parse_users(args.users) if args.users is not None else None
    damping = parse_damping(args.damping)
    plan = load_plan(args.plan)
    current = current_stage(plan, window.end)
    try:  # the stages are checked before the database is opened
        target = target_stage(plan, current, args.stage)
    except NoNextStage as e:
        raise NoNextStage(f"stage '{current.id}', in force on {day_label(window.end)}, is the last stage of the "
                          "plan, so there is no next stage to forecast; name one with --stage ID (--stage "
                          f"{current.id} --users N forecasts it at another number of people).") from e
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        found = forecast(con, plan, current.id, window, Ask(target.id, users, damping))
    _print(args, found.as_json(), forecast_text(found))
    return 0


def _plan_warnings(args: argparse.Namespace, plan: Plan) -> tuple[list[Problem], str]:
    """Warnings for departments and modules the loaded data does not have, and a note when unchecked."""
    db = store.db_path(args.db)
    if not db.exists():
        return [], "No database yet, so departments were not checked against the roster."
    try:
        with store.connect(db, wait_seconds=args.wait) as con:
            departments, modules = loaded_references(con)
    except DatabaseBusy:
        return [], "The database is busy, so departments were not checked against the roster."
    except (store.DiskFull, store.DatabaseNotWritable) as e:
        return [], f"The database could not be opened, so departments were not checked against the roster: {e}"
    note = "" if departments else "No roster is loaded, so departments were not checked against it."
    return reference_warnings(plan, departments, modules), note


def cmd_plan(args: argparse.Namespace) -> int:
    path = plan_path(args.path)
    checked = check_text(read_plan_file(path))
    warnings, note = _plan_warnings(args, checked.plan) if checked.plan is not None else ([], "")
    payload = {"path": str(path), "valid": checked.ok, "problems": [p.as_json() for p in checked.problems],
               "warnings": [w.as_json() for w in warnings]}
    if checked.plan is None:
        if args.json:
            print(dumps_json(payload))
        print(f"error: {PlanInvalid(path.name, checked.problems)}", file=sys.stderr)
        return 1
    _print(args, payload, plan_check_text(path, checked, warnings, note))
    return 0


# -- gate-review snapshots ------------------------------------------------------------------------

def _snapshot_id(text: str, option: str) -> int:
    """A snapshot id written 7 or #7; InputError naming the option otherwise."""
    digits = text.strip().removeprefix("#")
    if digits.isdigit() and int(digits) > 0:
        return int(digits)
    raise InputError(f"{option} {text!r} is not a snapshot id; write a number such as 3 (see `{PROG} snapshots`).")


def _snapshot_dir(args: argparse.Namespace) -> Path:
    return args.out if args.out is not None else store.db_path(args.db).parent / "snapshots"


def _write_snapshot_files(args: argparse.Namespace, snap: Snapshot) -> dict[str, Path]:
    folder = _snapshot_dir(args)
    try:
        return write_all(snap, folder)
    except OSError as e:
        raise RollgateError(f"Snapshot #{snap.id} is recorded, but its files could not be written to {folder} "
                            f"({e.strerror}); write them with `{PROG} export {snap.id} --out DIR`.") from e


def _files_text(files: dict[str, Path]) -> list[str]:
    return [f"  {ext.upper():<4} {path}" for ext, path in files.items()]


def cmd_snapshot(args: argparse.Namespace) -> int:
    window = window_from_args(args)
    outcome = parse_outcome(args.decision)
    next_review = parse_day(args.next_review, "--next-review") if args.next_review else None
    supersedes = _snapshot_id(args.supersedes, "--supersedes") if args.supersedes else None
    plan = load_plan(args.plan)
    plan.stage(args.stage)  # an unknown stage is refused before the database is opened
    by = local(args.as_ or args.decided_by)
    decision = Decision(outcome=outcome, decided_by=by.label, rationale=args.rationale,
                        conditions=args.conditions, next_review_on=next_review)
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        privacy.refuse_small(con, window, plan.privacy_min_group)
        review = evaluate(con, plan, args.stage, window)
        snap = record_review(con, plan, review, decision, supersedes=supersedes, by=by)
    files = _write_snapshot_files(args, snap)
    text = [f"Recorded snapshot #{snap.id}: decision {snap.decision.outcome.upper()} by {snap.decision.decided_by} "
            f"(recommendation {snap.recommendation.outcome.upper()}) for stage '{snap.stage.id}', "
            f"{snap.window.from_} to {snap.window.to}.",
            f"  content_sha256 {snap.content_sha256}", *_files_text(files)]
    _print(args, {"snapshot": snap.as_data(), "files": {k: str(v) for k, v in files.items()}}, "\n".join(text))
    return 0


def cmd_snapshots(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        rows = entries(con)
    lines = []
    for e in rows:
        links = "".join([f"  supersedes #{e.supersedes}" if e.supersedes else "",
                         f"  superseded by #{e.superseded_by}" if e.superseded_by else ""])
        lines.append(f"#{e.id:<4} {e.created_at:%Y-%m-%d %H:%M}  {e.stage:<12} {e.window_from} to {e.window_to}  "
                     f"decided {e.decision:<9} (recommended {e.recommendation}) by {e.decided_by}{links}"
                     + ("" if e.intact else f"\n      ALTERED: {e.problem}"))
    _print(args, {"snapshots": [e.as_json() for e in rows]}, "\n".join(lines) or "No gate reviews recorded yet.")
    for e in rows:
        if not e.intact:
            print(f"warning: {e.problem}", file=sys.stderr)
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        folder = signing.key_folder(con)
    found: str | None
    if args.action == "rotate":
        found = signing.rotate(folder)
        with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
            activity.record(con, local(args.as_), Action.KEYS, "signing key", {"fingerprint": found})
        message = f"A new signing key, fingerprint {found}, signs new snapshots from now on ({folder})."
    else:
        found = signing.installation_fingerprint(folder)
        message = (f"Snapshots are signed with the key with fingerprint {found} ({folder})." if found else
                   f"No signing key yet: the first recorded snapshot makes one in {folder}.")
    _print(args, {"folder": str(folder), "fingerprint": found, "message": message}, message)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    target = Path(args.target)
    if target.is_file():
        try:
            raw = target.read_bytes()
        except OSError as e:
            raise InputError(f"{target}: cannot read it ({e.strerror}).") from e
        checked = verify(raw, str(target))
        _print(args, checked.as_json(), checked.message)
        if not checked.trusted:
            print(checked.message.splitlines()[0], file=sys.stderr)
        return 0 if checked.trusted else 1
    if not args.target.strip().removeprefix("#").isdigit():
        raise InputError(f"{args.target}: no such file; give a snapshot's .json file or a stored snapshot's id.")
    snapshot_id = _snapshot_id(args.target, "verify")
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        snap = get(con, snapshot_id)  # SnapshotAltered (exit 1) when it no longer matches
    message = f"snapshot #{snap.id} in the database: intact — content_sha256 {snap.content_sha256} matches its content."
    _print(args, {"snapshot_id": snap.id, "intact": True, "computed_sha256": snap.content_sha256,
                  "message": message}, message)
    return 0


def _snapshot_ref(ref: str) -> Path | int:
    """A snapshot named on the command line: a JSON file, else a stored snapshot's id."""
    path = Path(ref)
    if path.is_file():
        return path
    if not ref.strip().removeprefix("#").isdigit():
        raise InputError(f"{ref}: no such file and not a snapshot id; see `{PROG} snapshots`.")
    return _snapshot_id(ref, "compare")


def _load_snapshot(ref: Path | int, con: duckdb.DuckDBPyConnection | None) -> Snapshot:
    if isinstance(ref, int):
        assert con is not None  # cmd_compare opens the database whenever a stored id is named
        return get(con, ref)
    try:
        return load_verified(ref.read_bytes(), str(ref))  # an altered file is refused, not compared
    except OSError as e:
        raise InputError(f"{ref}: cannot read it ({e.strerror}).") from e


def cmd_compare(args: argparse.Namespace) -> int:
    refs = [_snapshot_ref(args.first), _snapshot_ref(args.second)]
    if all(isinstance(r, Path) for r in refs):
        a, b = (_load_snapshot(r, None) for r in refs)
    else:
        with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
            a, b = (_load_snapshot(r, con) for r in refs)
    result = compare(a, b)
    _print(args, result.as_json(), comparison_text(result))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    snapshot_id = _snapshot_id(args.snapshot_id, "export")
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        snap = get(con, snapshot_id)
        files = _write_snapshot_files(args, snap)
        activity.record(con, local(args.as_), Action.EXPORT, f"snapshot #{snap.id}",
                        {"files": sorted(p.name for p in files.values())})
    _print(args, {"snapshot_id": snap.id, "files": {k: str(v) for k, v in files.items()}},
           "\n".join([f"Wrote snapshot #{snap.id} ({snap.content_sha256[:12]}…):", *_files_text(files)]))
    return 0


def cmd_activity(args: argparse.Namespace) -> int:
    with store.connect(store.db_path(args.db), wait_seconds=args.wait) as con:
        listed = activity.entries(con)
    problems = activity.problems(listed)
    shown = list(reversed(listed))[: args.limit] if args.limit else list(reversed(listed))
    if problems:
        verdict = (f"The activity log does NOT check ({len(problems)} problem{'s' if len(problems) != 1 else ''}): "
                   "an entry was changed, removed or inserted outside Rollgate.")
    else:
        verdict = f"The activity log checks: {len(listed)} entries, each chained to the one before."
    lines = [f"#{e.id:<4} {e.at:%Y-%m-%d %H:%M:%S} UTC  {e.who} ({e.role})  {e.action}  {e.object}  {e.details}"
             for e in shown]
    _print(args, {"intact": not problems, "problems": problems,
                  "entries": [e.model_dump(mode="json") for e in shown]},
           "\n".join([*lines, verdict, *(f"  {p}" for p in problems)]) if lines else
           "Nothing has been recorded yet.")
    if problems:
        print(verdict, file=sys.stderr)
    return 1 if problems else 0


COMMANDS = {"ingest": cmd_ingest, "undo": cmd_undo, "ingestions": cmd_ingestions, "coverage": cmd_coverage,
            "demo": cmd_demo,
            "metrics": cmd_metrics, "evaluate": cmd_evaluate, "forecast": cmd_forecast, "plan": cmd_plan,
            "snapshot": cmd_snapshot,
            "snapshots": cmd_snapshots, "verify": cmd_verify, "compare": cmd_compare, "export": cmd_export,
            "keys": cmd_keys, "activity": cmd_activity}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as e:  # as argparse reports a usage error
        print(f"{PROG} {args.command}: error: {e}", file=sys.stderr)
        return 2
    except RollgateError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader of the output went away (e.g. `| head`): nothing more to say
        return 1


def _leave(status: int) -> None:
    """End the process once the command's output is written. A command leaves its connection closed and
    its files written, so the interpreter's teardown (DuckDB, numpy, pydantic, module by module) would
    only add time to every scheduled import: skip it."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader of the output went away (e.g. `| head`): nothing more to say
        status = status or 1
    os._exit(status)


if __name__ == "__main__":
    _leave(main())
