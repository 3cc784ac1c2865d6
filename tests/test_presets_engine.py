"""The presets issue's definition of done, at the engine level: a manager drops a Copilot user report,
an M365 Copilot usage CSV, a Jira export and a Moodle completion report, edits no column, and sees
usage, support and training metrics."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
from conftest import write_file

from loaders.ingest import IngestOptions, ingest_paths
from metrics import MetricContext, StageScope, Window, compute

COPILOT = "\n".join(json.dumps(r) for r in [
    {"day": "2026-04-02", "user_login": "jdoe", "totals_by_feature": [
        {"feature": "code_completion", "code_generation_activity_count": 30, "code_acceptance_activity_count": 12},
        {"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 5}]},
    {"day": "2026-04-03", "user_login": "asmith", "totals_by_feature": [
        {"feature": "chat_inline", "user_initiated_interaction_count": 3}]},
]) + "\n"
M365 = (
    "\ufeffReport Refresh Date,User Principal Name,Display Name,Last Activity Date,Copilot Chat Last Activity Date,"
    "Microsoft Teams Copilot Last Activity Date,Word Copilot Last Activity Date,Report Period\r\n"
    "2026-04-30,jane.doe@acme.com,Jane Doe,2026-04-29,2026-04-29,2026-04-10,,30\r\n"
    "2026-04-30,bob@acme.com,Bob Lee,2026-04-20,,,2026-04-20,30\r\n"
).encode("utf-8")
JIRA = (
    "Summary,Issue key,Issue Type,Status,Reporter,Created,Resolved,Labels,Labels,Time Spent\n"
    "How do I turn on Copilot in Word?,AI-1,Task,Done,Jane Doe,02/Apr/26 9:14 AM,02/Apr/26 11:14 AM,how-to,,600\n"
    "May I paste contracts?,AI-2,Task,Done,Bob Lee,03/Apr/26 10:00 AM,04/Apr/26 10:00 AM,copilot,allowed-use,\n"
    "Chat hangs,AI-3,Bug,To Do,Bob Lee,20/Apr/26 03:26 PM,,,,\n"
)
MOODLE = (
    'ID,Name,Email address,"Purpose of the assistant","Purpose of the assistant - Completion date",'
    '"Data rules","Data rules - Completion date","Course complete"\r\n'
    '1,"Jane Doe",jane.doe@acme.com,Completed,"01/04/26, 09:00",Completed,"01/04/26, 09:30","01/04/26, 09:30"\r\n'
    '2,"Bob Lee",bob@acme.com,Completed,"25/04/26, 09:00",Not completed,,\r\n'
).encode("utf-16")

APRIL = Window(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
CONTEXT = MetricContext(hourly_rate=60.0, stages=(StageScope(
    id="pilot", name="Pilot", starts_on=dt.date(2026, 3, 1), departments=("*",),
    approved_use_cases=("teams", "word", "copilot_chat"),
    required_training=("purpose of the assistant", "data rules")),))


def test_four_exports_dropped_as_they_are_give_usage_support_and_training_metrics(
        con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    files: list[tuple[str, str | bytes]] = [("users-28-day.ndjson", COPILOT), ("CopilotActivityUserDetail.csv", M365),
                                            ("Jira.csv", JIRA), ("completion-ai101.csv", MOODLE)]
    reports = ingest_paths(con, [(write_file(tmp_path, n, c), n) for n, c in files], IngestOptions())
    assert [(r.status, r.preset, r.dataset, r.rejected) for r in reports] == [
        ("stored", "github-copilot-users", "usage", 0), ("stored", "m365-copilot-usage", "usage", 0),
        ("stored", "jira-issues", "support", 0), ("stored", "moodle-completion", "training", 0)]
    values = compute(con, CONTEXT, APRIL)

    def value(metric: str) -> tuple[object, object]:
        return values[metric].value, values[metric].n

    # usage: Copilot 12 accepted + 18 discarded + 5 + 3, M365 one per active app (3)
    assert value("adoption.interactions") == (41, None)
    assert value("adoption.active_users") == (4, None)
    assert value("quality.acceptance_rate") == (12 / 30, 30)
    # support: 3 tickets, two of them confusion (how_to, allowed_use); two closed, after 2 h and 24 h
    assert value("support.tickets") == (3, None)
    assert value("support.confusion_share") == (2 / 3, 3)
    assert value("support.median_resolution_hours") == (13.0, 2)
    # training: jane had both modules before her first use; bob never finished data rules; the two
    # Copilot users are not in the training records at all (a GitHub handle is not an e-mail)
    assert value("adoption.untrained_active_users") == (3, None)
    assert all(values[m].value is not None for m in ("adoption.interactions", "support.tickets",
                                                     "adoption.untrained_active_users"))
