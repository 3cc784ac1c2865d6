"""Value mappings are data: shipped defaults, overridden by the plan's [mappings] section, which is
validated by path, saved with the plan, and reaches an import from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import Refuse

from core.errors import InputError
from gates.plan_check import check_plan
from gates.plan_io import DEFAULT_PLAN, dumps_plan, parse_plan
from loaders.ingest import IngestOptions
from loaders.presets import mappings
from loaders.presets.mappings import TABLES, defaults, effective

ROOT = Path(__file__).resolve().parent.parent
BASE = DEFAULT_PLAN.read_text(encoding="utf-8")


def test_every_table_ships_its_defaults_and_they_pass_their_own_check() -> None:
    with mappings.DEFAULTS_FILE.open("rb") as f:
        shipped = tomllib.load(f)
    assert set(shipped) == set(TABLES)
    assert mappings.problems(shipped) == []
    assert defaults()["servicenow_severity"]["3 - Moderate"] == "medium"


def test_the_plan_beats_the_defaults_which_beat_the_columns_own_values() -> None:
    table = effective("jira_category", {"jira_category": {"BUG": "Output_Quality", "how to": "review"}})
    assert table["bug"] == "output_quality"      # the plan, over the default "Bug" = "bug"
    assert table["defect"] == "bug"              # a default
    assert table["how_to"] == "review"           # the plan, over the category's own name
    assert table["data_rules"] == "data_rules"   # a category's own name
    assert "chatgpt" not in effective("copilot_use_case")  # identifiers have no values of their own


def test_a_bad_mapping_given_to_an_import_is_refused() -> None:
    with pytest.raises(InputError) as refused:
        effective("servicenow_status", {"servicenow_status": {"Awaiting": "waiting"}})
    assert str(refused.value) == ("the plan's mappings: servicenow_status.Awaiting: 'waiting' is not a valid incidents "
                                  "status; use one of open, mitigating, resolved")


def test_an_import_given_a_bad_mapping_is_refused_naming_the_file(refuse: Refuse) -> None:
    options = IngestOptions(mappings={"jira_category": {"Bug": "defect"}, "jira_labels": {}})
    assert refuse("ticket_id,opened_at,category\nT1,2026-03-01,bug\n", "tickets.csv", options) == (
        "tickets.csv: the plan's mappings: jira_category.Bug: 'defect' is not a valid support category; use one of "
        "how_to, allowed_use, data_rules, review, access, output_quality, bug, other; jira_labels: unknown mapping "
        "table; the mapping tables are copilot_use_case, m365_use_case, chatgpt_use_case, jira_category, "
        "servicenow_severity, servicenow_status, servicenow_category, moodle_module")


def _plan(mapping_toml: str) -> str:
    return BASE + "\n" + mapping_toml


def test_a_plan_with_mappings_round_trips_and_stays_hashable() -> None:
    plan = parse_plan(_plan('[mappings.jira_category]\nBug = "bug"\n"Access Request" = "access"\n\n'
                            '[mappings.servicenow_severity]\n"1 - Critical" = "high"\n'))
    assert plan.mapping_overrides() == {"jira_category": {"Bug": "bug", "Access Request": "access"},
                                        "servicenow_severity": {"1 - Critical": "high"}}
    text = dumps_plan(plan)
    assert text.endswith('[mappings.jira_category]\n  Bug = "bug"\n  "Access Request" = "access"\n\n'
                         '  [mappings.servicenow_severity]\n  "1 - Critical" = "high"\n')
    again = parse_plan(text)
    assert again.model_dump() == plan.model_dump() and isinstance(hash(again), int)
    assert "[mappings" not in dumps_plan(parse_plan(BASE))


@pytest.mark.parametrize(("mapping_toml", "expected"), [
    pytest.param('[mappings.jira_categroy]\nBug = "bug"\n',
                 ["mappings.jira_categroy: unknown mapping table — did you mean 'jira_category'?"], id="unknown-table"),
    pytest.param('[mappings.servicenow_severity]\n"1 - Critical" = "crit"\n',
                 ["mappings.servicenow_severity.\"1 - Critical\": 'crit' is not a valid incidents severity — did you "
                  "mean 'critical'?"], id="bad-enum-value"),
    pytest.param('[mappings.servicenow_severity]\n"1 - Critical" = "critical"\n"1 critical" = "high"\n',
                 ["mappings.servicenow_severity.\"1 critical\": matches the same values as '1 - Critical' (case, "
                  "spaces and punctuation are ignored); keep one of them"], id="same-key-twice"),
    pytest.param('[mappings.moodle_module]\n"Intro" = 3\n"--" = "x"\n',
                 ["mappings.moodle_module.Intro: should be a non-empty text value in quotes, not 3",
                  "mappings.moodle_module.--: the key has no letters or digits, so it can match no value"],
                 id="bad-entries"),
    pytest.param('[mappings]\njira_category = "bug"\n',
                 ["mappings.jira_category: should be a table of \"export value\" = \"canonical value\" entries"],
                 id="not-a-table"),
])
def test_mapping_mistakes_are_reported_by_path(mapping_toml: str, expected: list[str]) -> None:
    data: dict[str, Any] = tomllib.loads(_plan(mapping_toml))
    checked = check_plan(data)
    assert checked.plan is None
    assert [str(p) for p in checked.problems] == expected


# --- the command line ----------------------------------------------------------------------------------

JIRA = ("Summary,Issue key,Issue Type,Status,Reporter,Created\n"
        "Login loop,OPS-1,Bug,To Do,Ann,11/May/26 03:26 PM\nCan I?,OPS-2,Question,To Do,Bo,12/May/26 09:00 AM\n")
SPEND = "user_email,product,model,total_net_spend_usd,total_gross_spend_usd\nann@acme.com,Chat,opus,5.00,5.00\n"


def cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_DB": str(tmp_path / "r.duckdb")}
    env.pop("ROLLGATE_PLAN", None)
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_cli_ingest_uses_the_plans_mappings(tmp_path: Path) -> None:
    (tmp_path / "jira.csv").write_text(JIRA)
    plan = tmp_path / "plan.toml"
    plan.write_text(_plan('[mappings.jira_category]\n"Question" = "allowed_use"\n'), encoding="utf-8")
    result = cli("ingest", str(tmp_path / "jira.csv"), "--plan", str(plan), "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["files"][0]
    assert (report["preset"], report["dataset"], report["inserted"]) == ("jira-issues", "support", 2)
    assert "Mapping jira_category: 1 entry from the plan." in report["notes"]
    assert report["preset_scores"][0]["preset"] == "jira-issues" and report["preset_scores"][0]["score"] > 85


def test_cli_claude_spend_needs_period_and_takes_it(tmp_path: Path) -> None:
    (tmp_path / "spend.csv").write_text(SPEND)
    refused = cli("ingest", str(tmp_path / "spend.csv"), tmp_path=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.startswith("spend.csv: a Claude spend report has no dates")
    months = cli("ingest", str(tmp_path / "spend.csv"), "--period", "2026-01..2026-03", tmp_path=tmp_path)
    assert months.returncode == 1
    assert months.stderr.startswith("spend.csv: the period '2026-01..2026-03' is not one month, but a Claude spend "
                                    "report is read as one month's spend: export each month's report and give its "
                                    "month, e.g. --period 2026-04.")
    stored = cli("ingest", str(tmp_path / "spend.csv"), "--preset", "claude-spend", "--period", "2026-04",
                 tmp_path=tmp_path)
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.splitlines()[0] == ("spend.csv: costs, 1 rows read; stored 1 new, 0 updated, 0 unchanged; "
                                             "0 rejected, 0 duplicates.")


def test_cli_refuses_an_unknown_preset_as_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "jira.csv").write_text(JIRA)
    result = cli("ingest", str(tmp_path / "jira.csv"), "--preset", "jira", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "argument --preset: invalid choice: 'jira'" in result.stderr


def test_cli_ingest_refuses_a_broken_plan(tmp_path: Path) -> None:
    (tmp_path / "jira.csv").write_text(JIRA)
    plan = tmp_path / "plan.toml"
    plan.write_text(_plan('[mappings.jira_category]\n"Question" = "questions"\n'), encoding="utf-8")
    result = cli("ingest", str(tmp_path / "jira.csv"), "--plan", str(plan), tmp_path=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "jira.csv: not imported: the jira-issues preset needs the plan's [mappings].",
        "plan.toml: the plan has 1 problem; fix it and try again:",
        "  mappings.jira_category.Question: 'questions' is not a valid support category; use one of how_to, "
        "allowed_use, data_rules, review, access, output_quality, bug, other",
        "(fix the plan or give --plan PATH)"]


def test_cli_ingest_of_a_canonical_export_does_not_read_the_plan(tmp_path: Path) -> None:
    # Only presets use the plan's [mappings]: a scheduled usage import goes on while the plan is being edited.
    (tmp_path / "usage.csv").write_text("event_id,occurred_at,user_id,use_case\nE1,2026-03-02T10:00:00Z,ana@x.org,"
                                        "drafting\n")
    plan = tmp_path / "plan.toml"
    plan.write_text("this is [not toml", encoding="utf-8")
    result = cli("ingest", str(tmp_path / "usage.csv"), "--plan", str(plan), tmp_path=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[0] == ("usage.csv: usage, 1 rows read; stored 1 new, 0 updated, 0 unchanged; "
                                             "0 rejected, 0 duplicates.")
    (tmp_path / "jira.csv").write_text(JIRA)
    jira = cli("ingest", str(tmp_path / "jira.csv"), "--plan", str(plan), tmp_path=tmp_path)
    assert jira.returncode == 1
    assert jira.stderr.splitlines()[:3] == [
        "jira.csv: not imported: the jira-issues preset needs the plan's [mappings].",
        "plan.toml: the plan has 1 problem; fix it and try again:",
        "  not valid TOML: Expected '=' after a key in a key/value pair (at line 1, column 6)"]
