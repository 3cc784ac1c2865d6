"""Import presets, one section per export (DESIGN.md §10): detection, the exact canonical rows, the
export's quirks, a malformed record rejected with its line and reason, and a re-upload skipped.

Every fixture is written here by hand to the documented shape (research/export-formats.md); none is
copied from a vendor file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import Ingest, Refuse, Rows, counts, expect, problems, write_file

from loaders.ingest import IngestOptions, IngestReport, ingest_paths, undo
from loaders.presets import PRESETS, detect_presets, prepare, score_presets
from loaders.presets.source import drop
from loaders.read import scratch

D = dt.datetime
USAGE = "event_id, occurred_at, user_id, use_case, interactions, output_action"


def detected(report: IngestReport, preset: str) -> None:
    """The report names the preset, as detected (not chosen), and its score is first and complete."""
    assert report.preset == preset
    assert report.preset_scores[0].preset == preset and report.preset_scores[0].complete
    assert report.notes[0].startswith(f"Detected as the {preset} preset ({preset}: ")


def note(report: IngestReport, start: str) -> str:
    """The one note of the report that starts with `start`."""
    found = [n for n in report.notes if n.startswith(start)]
    assert len(found) == 1, report.notes
    return found[0]


def skipped_again(ingest: Ingest, content: str | bytes, name: str, options: IngestOptions | None = None) -> None:
    again = ingest(content, name, options)
    assert again.status == "skipped"
    assert again.message.startswith(f"{name}: already imported as ingestion #1 on ")


# --- github-copilot-users ----------------------------------------------------------------------------

def _line(record: Mapping[str, object]) -> str:
    return json.dumps(record, separators=(",", ":"))


JDOE = {"report_start_day": "2026-03-29", "report_end_day": "2026-04-25", "day": "2026-04-02", "user_id": 5012,
        "user_login": "JDoe", "enterprise_id": "42", "user_initiated_interaction_count": 17,
        "code_generation_activity_count": 38, "code_acceptance_activity_count": 13, "used_chat": True,
        "used_agent": True, "used_cli": True,
        "totals_by_ide": [{"ide": "vscode", "code_generation_activity_count": 31,
                           "code_acceptance_activity_count": 12}],
        "totals_by_feature": [
            {"feature": "code_completion", "user_initiated_interaction_count": 0,
             "code_generation_activity_count": 31, "code_acceptance_activity_count": 12},
            {"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 5,
             "code_generation_activity_count": 3, "code_acceptance_activity_count": 1},
            {"feature": "agent_edit", "user_initiated_interaction_count": 0,
             "code_generation_activity_count": 4, "code_acceptance_activity_count": 0},
            {"feature": "chat_inline", "user_initiated_interaction_count": 0,
             "code_generation_activity_count": 0, "code_acceptance_activity_count": 0},
            {"feature": "copilot_cli", "user_initiated_interaction_count": 9,
             "code_generation_activity_count": 9, "code_acceptance_activity_count": 9}],
        "totals_by_cli": {"session_count": 2, "request_count": 30, "prompt_count": 7,
                          "last_known_cli_version": {"cli_version": "1.0.8", "sampled_at": "2026-04-02T10:00:00Z"}}}
ASMITH = {"day": "2026-04-03", "user_id": 77, "user_login": "ASmith",
          "totals_by_feature": [{"feature": "code_completion", "code_generation_activity_count": 2,
                                 "code_acceptance_activity_count": 5}]}
NO_LOGIN = {"day": "2026-04-03", "user_id": 78, "totals_by_feature": []}
BOB = {"day": "2026-04-04", "user_login": "bob", "totals_by_feature": [
    {"feature": "chat_inline", "user_initiated_interaction_count": "many"}]}
COPILOT_NDJSON = "\n".join([_line(JDOE), "", _line(ASMITH), _line(NO_LOGIN), "{not json", _line(BOB)]) + "\n"
COPILOT_ROWS = [
    ("github-copilot:asmith:2026-04-03:code_completion:accepted", D(2026, 4, 3), "asmith", "code_completion", 5,
     "accepted"),
    ("github-copilot:jdoe:2026-04-02:agent_edit", D(2026, 4, 2), "jdoe", "agent_edit", 4, None),
    ("github-copilot:jdoe:2026-04-02:chat_panel_ask_mode", D(2026, 4, 2), "jdoe", "chat_panel_ask_mode", 5, None),
    ("github-copilot:jdoe:2026-04-02:code_completion:accepted", D(2026, 4, 2), "jdoe", "code_completion", 12,
     "accepted"),
    ("github-copilot:jdoe:2026-04-02:code_completion:discarded", D(2026, 4, 2), "jdoe", "code_completion", 19,
     "discarded"),
    ("github-copilot:jdoe:2026-04-02:copilot_cli", D(2026, 4, 2), "jdoe", "copilot_cli", 7, None),
]


def test_copilot_users_ndjson_gives_a_row_per_feature_and_action(ingest: Ingest, rows: Rows,
                                                                  stored_rejects: Rows) -> None:
    report = ingest(COPILOT_NDJSON, "users-28-day.ndjson")
    detected(report, "github-copilot-users")
    assert (report.dataset, report.source_format, report.status) == ("usage", "ndjson", "stored")
    # 6 rows from jdoe (5) and asmith (1), bob's row and two records rejected; line 2 is blank
    assert counts(report) == expect(rows_read=9, accepted=6, inserted=6, rejected=3, blank_lines=1)
    assert rows("usage", USAGE, "event_id") == COPILOT_ROWS
    assert problems(report) == [
        (4, None, "the record has no user_login"),
        (5, None, "not a valid JSON object"),
        (6, "interactions", "'many' is not a whole number"),
    ]
    assert stored_rejects(1) == problems(report)
    assert report.rejects[0].raw == _line(NO_LOGIN)
    assert note(report, "Read with").endswith("4 records of the export became 7 usage rows.")
    assert "Not in this export: review outcomes — quality metrics other than the acceptance rate need a review log." \
        in report.notes
    skipped_again(ingest, COPILOT_NDJSON, "users-28-day.ndjson")


def test_copilot_users_pretty_json_array_and_wrapped_object_name_each_records_line(ingest: Ingest,
                                                                                     rows: Rows) -> None:
    records = [JDOE, ASMITH, BOB]
    array = json.dumps(records, indent=2)
    report = ingest(array, "users.json")
    lines = array.splitlines()
    bob_line = 1 + next(i for i, text in enumerate(lines) if text == "  {" and '"bob"' in "".join(lines[i:i + 4]))
    assert problems(report) == [(bob_line, "interactions", "'many' is not a whole number")]
    assert rows("usage", USAGE, "event_id") == COPILOT_ROWS
    wrapped = json.dumps({"report_start_day": "2026-04-25", "report_end_day": "2026-04-25",
                          "organization_id": "100000001", "day_totals": [BOB, ASMITH]}, indent=2)
    report = ingest(wrapped, "users-1-day.json")
    assert report.preset == "github-copilot-users"
    assert problems(report) == [(6, "interactions", "'many' is not a whole number")]
    assert wrapped.splitlines()[5] == "    {" and '"bob"' in wrapped.splitlines()[7]
    assert (report.unchanged, report.inserted) == (1, 0)  # asmith's row is already stored


def test_copilot_users_later_report_for_the_same_days_replaces_rows(ingest: Ingest, rows: Rows) -> None:
    ingest(COPILOT_NDJSON, "users-week-1.ndjson")
    later = dict(JDOE, totals_by_feature=[{"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 6}])
    report = ingest(_line(later) + "\n", "users-week-2.ndjson")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)  # ask mode 5 -> 6; the same cli row
    assert rows("usage", "interactions", "event_id")[2] == (6,)


def test_a_mapping_renames_copilot_features(ingest: Ingest, rows: Rows) -> None:
    options = IngestOptions(mappings={"copilot_use_case": {"Code Completion": "coding"}})
    report = ingest(_line(ASMITH) + "\n", "users.ndjson", options)
    assert rows("usage", "use_case, interactions") == [("coding", 5)]
    assert "Mapping copilot_use_case: 1 entry from the plan." in report.notes


# --- github-copilot-org ------------------------------------------------------------------------------

ORG_REPORT = [{
    "report_start_day": "2026-04-01", "report_end_day": "2026-04-28", "organization_id": "100000001",
    "created_at": "2026-04-29T03:36:11.710Z",
    "day_totals": [
        {"day": "2026-04-01", "organization_id": "100000001", "daily_active_users": 4, "weekly_active_users": 4,
         "user_initiated_interaction_count": 111, "code_generation_activity_count": 182,
         "code_acceptance_activity_count": 64,
         "totals_by_feature": [
             {"feature": "code_completion", "user_initiated_interaction_count": 0,
              "code_generation_activity_count": 150, "code_acceptance_activity_count": 60},
             {"feature": "chat_panel_agent_mode", "user_initiated_interaction_count": 11,
              "code_generation_activity_count": 5, "code_acceptance_activity_count": 2}],
         "totals_by_cli": {"prompt_count": 40}},
        {"day": "2026-04-02", "organization_id": "100000001", "daily_active_users": 0, "totals_by_feature": []},
        {"organization_id": "100000001", "daily_active_users": 1, "totals_by_feature": []},
    ]}]
LEGACY = [
    {"date": "2024-11-04", "total_active_users": 22, "total_engaged_users": 21,
     "copilot_ide_code_completions": {"total_engaged_users": 17, "languages": [{"name": "python",
                                                                                 "total_engaged_users": 14}],
                                      "editors": [
         {"name": "vscode", "models": [{"name": "default", "is_custom_model": False, "languages": [
             {"name": "python", "total_code_suggestions": 15, "total_code_acceptances": 9},
             {"name": "go", "total_code_suggestions": 5, "total_code_acceptances": 1}]}]},
         {"name": "JetBrains", "models": [{"name": "default", "languages": [
             {"name": "kotlin", "total_code_suggestions": 10, "total_code_acceptances": 4}]}]}]},
     "copilot_ide_chat": {"editors": [{"name": "vscode", "models": [{"name": "default", "total_chats": 34}]}]},
     "copilot_dotcom_chat": {"models": [{"name": "default", "total_chats": 1}]},
     "copilot_dotcom_pull_requests": {"total_engaged_users": 0}},
    {"date": "2024-11-05", "total_active_users": 2, "copilot_ide_code_completions": None,
     "copilot_ide_chat": {"editors": [{"name": "vscode", "models": [{"name": "default", "total_chats": "3x"}]}]}},
]


def test_copilot_org_report_gives_organisation_rows_per_day_and_feature(ingest: Ingest, rows: Rows) -> None:
    text = json.dumps(ORG_REPORT, indent=2)
    report = ingest(text, "organization-28-day-report.json")
    detected(report, "github-copilot-org")
    assert rows("usage", USAGE, "event_id") == [
        ("github-copilot-org:100000001:2026-04-01:chat_panel_agent_mode", D(2026, 4, 1), "organisation",
         "chat_panel_agent_mode", 11, None),
        ("github-copilot-org:100000001:2026-04-01:code_completion:accepted", D(2026, 4, 1), "organisation",
         "code_completion", 60, "accepted"),
        ("github-copilot-org:100000001:2026-04-01:code_completion:discarded", D(2026, 4, 1), "organisation",
         "code_completion", 90, "discarded"),
        ("github-copilot-org:100000001:2026-04-01:copilot_cli", D(2026, 4, 1), "organisation", "copilot_cli", 40,
         None),
    ]
    third = 1 + [i for i, t in enumerate(text.splitlines()) if t == "      {"][2]
    assert problems(report) == [(third, None, "the record has neither day nor date")]
    assert note(report, "Not in this export: user-level metrics").startswith(
        "Not in this export: user-level metrics — every row's user is `organisation`, so active users")
    skipped_again(ingest, text, "organization-28-day-report.json")


def test_copilot_org_reads_the_legacy_metrics_json(ingest: Ingest, rows: Rows) -> None:
    report = ingest(json.dumps(LEGACY), "metrics.json")
    assert report.preset == "github-copilot-org"
    # completions summed over editors, models and languages: 14 accepted of 30 suggested; chats 34 + 1
    assert rows("usage", USAGE, "event_id") == [
        ("github-copilot-org::2024-11-04:chat", D(2024, 11, 4), "organisation", "chat", 35, None),
        ("github-copilot-org::2024-11-04:code_completion:accepted", D(2024, 11, 4), "organisation",
         "code_completion", 14, "accepted"),
        ("github-copilot-org::2024-11-04:code_completion:discarded", D(2024, 11, 4), "organisation",
         "code_completion", 16, "discarded"),
    ]
    # the whole document is on line 1; the second day's chat count is not a number
    assert problems(report) == [(1, "interactions", "'3x' is not a whole number")]


def _breakdown(language: str, editor: str, suggestions: int, acceptances: int, users: int) -> dict[str, object]:
    return {"language": language, "editor": editor, "suggestions_count": suggestions,
            "acceptances_count": acceptances, "lines_suggested": 2 * suggestions, "lines_accepted": acceptances,
            "active_users": users}


# the legacy usage API (§1b): day totals, and a breakdown by language and editor that splits the same counts
LEGACY_USAGE = [
    {"day": "2024-03-18", "total_suggestions_count": 8312, "total_acceptances_count": 2009,
     "total_lines_suggested": 35290, "total_lines_accepted": 5038, "total_active_users": 97,
     "total_chat_acceptances": 157, "total_chat_turns": 190, "total_active_chat_users": 38,
     "breakdown": [_breakdown("python", "vscode", 8121, 1958, 93), _breakdown("go", "jetbrains", 191, 51, 4)]},
    # more acceptances than suggestions: nothing discarded, not below 0
    {"day": "2024-03-19", "total_suggestions_count": 5, "total_acceptances_count": 7, "total_lines_suggested": 9,
     "total_lines_accepted": 9, "total_active_users": 1, "total_chat_acceptances": 0, "total_chat_turns": 0,
     "total_active_chat_users": 0, "breakdown": [_breakdown("python", "neovim", 5, 7, 1)]},
    {"day": "2024-03-20", "total_suggestions_count": 0, "total_acceptances_count": 0, "total_lines_suggested": 0,
     "total_lines_accepted": 0, "total_active_users": 0, "total_chat_acceptances": 0, "total_chat_turns": 0,
     "total_active_chat_users": 0, "breakdown": []},
    {"day": "2024-03-21", "total_suggestions_count": 10, "total_acceptances_count": 4, "total_lines_suggested": 20,
     "total_lines_accepted": 4, "total_active_users": 2, "total_chat_acceptances": 1, "total_chat_turns": "n/a",
     "total_active_chat_users": 1, "breakdown": [_breakdown("python", "vscode", 10, 4, 2)]},
]


def test_copilot_org_reads_the_legacy_usage_json_from_its_day_totals(ingest: Ingest, rows: Rows) -> None:
    text = json.dumps(LEGACY_USAGE, indent=2)
    report = ingest(text, "copilot-usage.json")
    detected(report, "github-copilot-org")
    # the day totals, not the breakdown as well: 2009 accepted, 8312 − 2009 discarded, 190 chat turns
    assert rows("usage", USAGE, "event_id") == [
        ("github-copilot-org::2024-03-18:chat", D(2024, 3, 18), "organisation", "chat", 190, None),
        ("github-copilot-org::2024-03-18:code_completion:accepted", D(2024, 3, 18), "organisation",
         "code_completion", 2009, "accepted"),
        ("github-copilot-org::2024-03-18:code_completion:discarded", D(2024, 3, 18), "organisation",
         "code_completion", 6303, "discarded"),
        ("github-copilot-org::2024-03-19:code_completion:accepted", D(2024, 3, 19), "organisation",
         "code_completion", 7, "accepted"),
        ("github-copilot-org::2024-03-21:code_completion:accepted", D(2024, 3, 21), "organisation",
         "code_completion", 4, "accepted"),
        ("github-copilot-org::2024-03-21:code_completion:discarded", D(2024, 3, 21), "organisation",
         "code_completion", 6, "discarded"),
    ]
    # the day's chat row is rejected, its completions are kept
    fourth = _record_lines(text, '"day": "2024-03-21"')[0]
    assert problems(report) == [(fourth, "interactions", "'n/a' is not a whole number")]
    # the legacy API states no report period: the import covers the whole months of its days
    assert (report.period_from, report.period_to) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


def test_copilot_reports_cover_the_period_they_state_even_without_activity(ingest: Ingest) -> None:
    idle = [{"report_start_day": "2026-03-29", "report_end_day": "2026-04-25", "organization_id": "100000001",
             "day_totals": [{"day": "2026-04-01", "organization_id": "100000001", "daily_active_users": 0,
                             "totals_by_feature": []}]}]
    report = ingest(json.dumps(idle), "organization-28-day-report.json")
    assert (report.status, report.preset, report.inserted) == ("stored", "github-copilot-org", 0)
    assert (report.period_from, report.period_to) == (dt.date(2026, 3, 29), dt.date(2026, 4, 25))
    users = ingest(_line(JDOE) + "\n", "users-28-day.ndjson")
    assert (users.period_from, users.period_to) == (dt.date(2026, 3, 29), dt.date(2026, 4, 25))


def test_a_copilot_users_report_is_not_taken_for_the_org_report() -> None:
    users = score_presets(list(JDOE), "ndjson")
    org = next(s for s in users if s.preset == "github-copilot-org")
    assert (users[0].preset, org.complete, org.score, org.excluded) == ("github-copilot-users", False, 0.0,
                                                                        ["user_login"])


# --- m365-copilot-usage ------------------------------------------------------------------------------

M365_V1 = (
    "\ufeffReport Refresh Date,User Principal Name,Display Name,Last Activity Date,Copilot Chat Last Activity Date,"
    "Microsoft Teams Copilot Last Activity Date,Word Copilot Last Activity Date,Excel Copilot Last Activity Date,"
    "PowerPoint Copilot Last Activity Date,Outlook Copilot Last Activity Date,OneNote Copilot Last Activity Date,"
    "Loop Copilot Last Activity Date,Report Period\r\n"
    "2026-05-03,J.Doe@Contoso.com,Jane Doe,2026-05-02,2026-05-02,2026-04-29,2026-01-30,,,2026-04-06,,,28\r\n"
    "2026-05-03,E58EEF6A6BBD3D0293CB306D24A42057,E58EEF6A6BBD3D0293CB306D24A42057,2026-05-01,,2026-05-01,,someday,"
    ",,,,28\r\n"
    "2026-05-03,bob@contoso.com,Bob Lee,,,,,,,,,,28\r\n"
    ",ann@contoso.com,Ann,2026-05-01,2026-05-01,,,,,,,,28\r\n"
)


def test_m365_gives_one_row_per_app_active_in_the_report_period(ingest: Ingest, rows: Rows) -> None:
    report = ingest(M365_V1.encode("utf-8"), "CopilotActivityUserDetail.csv")
    detected(report, "m365-copilot-usage")
    assert report.encoding == "UTF-8 with BOM"
    assert rows("usage", USAGE + ", minutes_saved, cost", "event_id") == [
        ("m365-copilot:e58eef6a6bbd3d0293cb306d24a42057:teams:2026-05-01", D(2026, 5, 1),
         "e58eef6a6bbd3d0293cb306d24a42057", "teams", 1, None, None, None),
        ("m365-copilot:j.doe@contoso.com:copilot_chat:2026-05-02", D(2026, 5, 2), "j.doe@contoso.com",
         "copilot_chat", 1, None, None, None),
        ("m365-copilot:j.doe@contoso.com:outlook:2026-04-06", D(2026, 4, 6), "j.doe@contoso.com", "outlook", 1,
         None, None, None),
        ("m365-copilot:j.doe@contoso.com:teams:2026-04-29", D(2026, 4, 29), "j.doe@contoso.com", "teams", 1, None,
         None, None),
    ]
    assert problems(report) == [
        (3, "occurred_at", "'someday' is not a timestamp (YYYY-MM-DD HH:MM:SS, optionally with Z or ±HH:MM)"),
        (5, None, "Report Refresh Date is empty"),
    ]
    assert "Report period: 2026-04-06 to 2026-05-03 (28 days)." in report.notes
    # Word's 2026-01-30 is the last activity ever, long before this period
    assert ("1 app last-activity date fell outside the report period and was left out (the export keeps the "
            "last date however old it is).") in report.notes
    assert note(report, "Warning: 1 user has a concealed name (32 hex digits).")
    skipped_again(ingest, M365_V1.encode("utf-8"), "CopilotActivityUserDetail.csv")


def test_m365_admin_centre_labels_are_recognised_case_insensitively(ingest: Ingest, rows: Rows) -> None:
    text = ("report refresh date,User name,Display name,Prompts submitted (any app),Last activity date (UTC),"
            "Last activity date of Teams Copilot (UTC),LAST ACTIVITY DATE OF COPILOT CHAT (WORK) (UTC),"
            "Last activity date of Microsoft Edge (UTC),Last activity date of any agent (UTC),report period\n"
            "2026-05-03,ravi@contoso.com,Ravi,12,2026-05-03,,2026-05-03,2026-04-20,2026-05-01,7\n")
    report = ingest(text, "copilot-users.csv")
    assert report.preset == "m365-copilot-usage"
    # the Edge date lies before the 7-day period (2026-04-27 … 2026-05-03)
    assert rows("usage", "user_id, use_case, occurred_at", "use_case") == [
        ("ravi@contoso.com", "agent", D(2026, 5, 1)), ("ravi@contoso.com", "copilot_chat_work", D(2026, 5, 3))]


def test_m365_without_refresh_date_and_period_is_refused_naming_them(refuse: Refuse) -> None:
    message = refuse("User Principal Name,Word Copilot Last Activity Date\nann@contoso.com,2026-05-01\n",
                     "usage.csv")
    assert message == (
        "usage.csv: read as Microsoft 365 Copilot usage, but the columns Report Refresh Date and Report Period are "
        "missing. The export's last-activity dates are placed in time by its Report Refresh Date and Report "
        "Period: export the user detail report as CSV from Microsoft Graph (getMicrosoft365CopilotUsageUserDetail), "
        "which has both.")


def _graph_user(upn: str, period: object = 30, **apps: str | None) -> dict[str, object]:
    """One item of Graph's JSON user detail report (§2a): every documented field, the apps given filled."""
    fields = ("copilotChat", "microsoftTeamsCopilot", "wordCopilot", "excelCopilot", "powerPointCopilot",
              "outlookCopilot", "oneNoteCopilot", "loopCopilot")
    item: dict[str, object] = {"reportRefreshDate": "2026-03-31", "userPrincipalName": upn, "displayName": upn,
                               "lastActivityDate": max([d for d in apps.values() if d] or [""]) or None}
    item.update({f"{f}LastActivityDate": apps.get(f) for f in fields})
    item["copilotActivityUserDetailsByPeriod"] = period
    return item


GRAPH_CONTEXT = "https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.copilotUsageUserDetail)"
GRAPH_PAGE_1 = {
    "@odata.context": GRAPH_CONTEXT,
    "value": [
        # Teams and Chat in the period (2026-03-02 … 2026-03-31); PowerPoint's date is older; Word's is empty
        _graph_user("Adele@Contoso.com", [{"reportPeriod": 30}], microsoftTeamsCopilot="2026-03-30",
                    copilotChat="2026-03-02", powerPointCopilot="2026-01-15", wordCopilot=""),
        _graph_user("DC8C64D6EC3A3AA17481D7E5EB5B68A6", [{"reportPeriod": 30}]),
        _graph_user("bob@contoso.com", [], wordCopilot="2026-03-05"),
        _graph_user("cy@contoso.com", [{"reportPeriod": 30}, {"reportPeriod": 7}], excelCopilot="2026-03-05"),
    ],
    "@odata.nextLink": "https://graph.microsoft.com/beta/reports/getMicrosoft365CopilotUsageUserDetail"
                       "(period='D30')?$format=application/json&$skiptoken=page2",
}
GRAPH_PAGE_2 = {"@odata.context": GRAPH_CONTEXT, "value": [
    _graph_user("dee@contoso.com", [{"reportPeriod": 30}], wordCopilot="2026-03-20", outlookCopilot="2026-03-31")]}


def _record_lines(text: str, first_key: str) -> list[int]:
    """The line of each record's opening brace in a pretty-printed page: a `{` line followed by `first_key`."""
    lines = text.splitlines()
    return [n for n, t in enumerate(lines, start=1) if t.strip() == "{" and lines[n].strip().startswith(first_key)]


def test_m365_reads_graphs_json_pages_as_files_of_their_own(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                            rows: Rows) -> None:
    pages = [json.dumps(page, indent=2) for page in (GRAPH_PAGE_1, GRAPH_PAGE_2)]
    files = [(write_file(tmp_path, f"copilot-users-{i}.json", text), f"copilot-users-{i}.json")
             for i, text in enumerate(pages, start=1)]
    first, second = ingest_paths(con, files, IngestOptions())
    detected(first, "m365-copilot-usage")
    assert (first.status, first.source_format, second.status, second.preset) == (
        "stored", "json", "stored", "m365-copilot-usage")
    assert rows("usage", USAGE, "event_id") == [
        ("m365-copilot:adele@contoso.com:copilot_chat:2026-03-02", D(2026, 3, 2), "adele@contoso.com",
         "copilot_chat", 1, None),
        ("m365-copilot:adele@contoso.com:teams:2026-03-30", D(2026, 3, 30), "adele@contoso.com", "teams", 1, None),
        ("m365-copilot:dee@contoso.com:outlook:2026-03-31", D(2026, 3, 31), "dee@contoso.com", "outlook", 1, None),
        ("m365-copilot:dee@contoso.com:word:2026-03-20", D(2026, 3, 20), "dee@contoso.com", "word", 1, None),
    ]
    # each record's line is the line of its opening brace
    starts = _record_lines(pages[0], '"reportRefreshDate"')
    assert problems(first) == [
        (starts[2], None, "copilotActivityUserDetailsByPeriod has no reportPeriod"),
        (starts[3], None, "copilotActivityUserDetailsByPeriod has several report periods (30, 7); one is expected"),
    ]
    assert (first.period_from, first.period_to) == (dt.date(2026, 3, 2), dt.date(2026, 3, 31))
    assert "Report period: 2026-03-02 to 2026-03-31 (30 days)." in first.notes
    assert "1 licensed user had no Copilot activity in the report period (30 days to 2026-03-31)." in first.notes
    assert ("1 app last-activity date fell outside the report period and was left out (the export keeps the last "
            "date however old it is).") in first.notes
    assert note(first, "Warning: 1 user has a concealed name (32 hex digits).")
    assert ("This file is one page of the report (it has @odata.nextLink): import the other pages too, each as a "
            "file of its own.") in first.notes
    assert not any("@odata.nextLink" in n for n in second.notes)


def test_m365_reads_a_graph_page_written_on_one_line(ingest: Ingest, rows: Rows) -> None:
    report = ingest(json.dumps(GRAPH_PAGE_2), "copilot-users.json")
    assert (report.preset, report.inserted, report.period_from, report.period_to) == (
        "m365-copilot-usage", 2, dt.date(2026, 3, 2), dt.date(2026, 3, 31))
    assert rows("usage", "user_id, use_case, occurred_at", "use_case") == [
        ("dee@contoso.com", "outlook", D(2026, 3, 31)), ("dee@contoso.com", "word", D(2026, 3, 20))]


def test_graphs_json_is_recognised_by_its_fields() -> None:
    keys = ["@odata.context", "value", "@odata.nextLink", *_graph_user("a@contoso.com")]
    scores = score_presets(keys, "json")
    assert (scores[0].preset, scores[0].complete) == ("m365-copilot-usage", True)
    assert [s.preset for s in scores if s.complete] == ["m365-copilot-usage"]


def test_m365_json_without_its_period_is_refused_naming_the_fields(refuse: Refuse) -> None:
    page = {"value": [{"userPrincipalName": "a@contoso.com", "wordCopilotLastActivityDate": "2026-03-05"}]}
    assert refuse(json.dumps(page), "page.json") == (
        "page.json: read as Microsoft 365 Copilot usage, but the fields reportRefreshDate and "
        "copilotActivityUserDetailsByPeriod are missing. The export's last-activity dates are placed in time by its "
        "Report Refresh Date and Report Period: export the user detail report from Microsoft Graph "
        "(getMicrosoft365CopilotUsageUserDetail), as JSON or CSV, which has both.")


M365_IDLE = "Report Refresh Date,User Principal Name,Display Name,Last Activity Date," + ",".join(
    f"{app} Copilot Last Activity Date" for app in ("Microsoft Teams", "Word", "Excel")) + ",Report Period\n" + "".join(
    f"2026-03-31,user{i}@contoso.com,User {i},{'2025-11-03' if i == 1 else ''},,{'2025-11-03' if i == 1 else ''},,30\n"
    for i in range(1, 13))


def test_m365_month_without_any_activity_is_stored_as_covered_with_no_rows(ingest: Ingest, rows: Rows,
                                                                            con: duckdb.DuckDBPyConnection,
                                                                            tmp_path: Path) -> None:
    # the preset's own result: no rows, and the period the export states
    path = write_file(tmp_path, "idle.csv", M365_IDLE)
    with scratch():
        prepared = prepare(con, path, "idle.csv", "0" * 64, IngestOptions())
    assert (prepared.raw.rows, prepared.raw.structural, prepared.raw.period) == (
        0, [], (dt.date(2026, 3, 2), dt.date(2026, 3, 31)))
    drop(con, prepared.raw.temp_tables)
    report = ingest(M365_IDLE, "idle.csv")
    assert (report.status, report.preset) == ("stored", "m365-copilot-usage")
    assert counts(report) == expect()
    assert (report.period_from, report.period_to) == (dt.date(2026, 3, 2), dt.date(2026, 3, 31))
    assert "12 licensed users had no Copilot activity in the report period (30 days to 2026-03-31)." in report.notes
    assert ("1 app last-activity date fell outside the report period and was left out (the export keeps the last "
            "date however old it is).") in report.notes
    assert rows("usage") == []


def test_m365_all_time_report_without_activity_needs_the_period_it_states_no_first_day(ingest: Ingest,
                                                                                       refuse: Refuse) -> None:
    text = M365_IDLE.replace(",30\n", ",ALL\n").replace("2025-11-03", "")
    assert refuse(text, "idle.csv") == (
        "idle.csv: read as Microsoft 365 Copilot usage (user detail), but there is nothing to store: no user used "
        "Copilot in the report period. To record that, give the period it covers (--period 2026-03, or the period "
        "on Upload).")
    report = ingest(text, "idle.csv", IngestOptions(period="2026-03"))
    assert (report.status, report.inserted, report.period_from, report.period_to) == (
        "stored", 0, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert "12 licensed users had no Copilot activity in the report period (all time to 2026-03-31)." in report.notes


# --- chatgpt-enterprise-users ------------------------------------------------------------------------

CHATGPT = (
    "cadence,period_start,period_end,account_id,public_id,name,email,role,user_role,department,groups,user_status,"
    "created_or_invited_date,is_active,first_day_active_in_period,last_day_active_in_period,messages,"
    "messages_rank,model_to_messages,gpt_messages,gpts_messaged,tool_messages,tools_messaged,project_messages,"
    "projects_messaged,projects_created,last_day_active\n"
    "Monthly,2026-04-01,2026-04-30,0f3c9a,user-9xQ,Jane Doe,Jane.Doe@acme.com,,standard-user,['Finance'],,"
    "enabled,2025-11-12,1,2026-04-02,2026-04-29,212,,\"{'gpt-4o': 180, 'o3': 32}\",14,2,9,1,0,0,0,2026-04-29\n"
    "Monthly,2026-04-01,2026-04-30,0f3c9a,user-1Ab,Ann Berg,ann@acme.com,,standard-user,[],,enabled,2025-11-12,0,"
    ",,0,,{},0,0,0,0,0,0,0,2026-02-11\n"
    "Monthly,2026-04-01,2026-04-30,0f3c9a,user-2Cd,Bo Chen,bo@acme.com,,standard-user,\"['Legal', 'Ops']\",,"
    "enabled,2025-11-12,1,2026-04-03,2026-04-03,\"1,5\",,\"{'gpt-4o': __import__('os').system('x')}\",0,0,0,0,0,"
    "0,0,2026-04-03\n"
    "Monthly,2026-04-01,2026-04-30,0f3c9a,user-3Ef,Cy Dee,cy@acme.com,,standard-user,[],,enabled,2025-11-12,1,"
    "2026-04-20,2026-04-28,40,,\"{'gpt-4o': 30, 'o3': 10, 'extra': None}\",0,0,0,0,0,0,0,2026-04-28\n"
)


def test_chatgpt_gives_one_row_per_user_and_period_with_messages(ingest: Ingest, rows: Rows) -> None:
    report = ingest(CHATGPT, "users-monthly.csv")
    detected(report, "chatgpt-enterprise-users")
    assert rows("usage", USAGE, "event_id") == [
        ("chatgpt:cy@acme.com:2026-04-01:2026-04-30", D(2026, 4, 1), "cy@acme.com", "chatgpt", 40, None),
        ("chatgpt:jane.doe@acme.com:2026-04-01:2026-04-30", D(2026, 4, 1), "jane.doe@acme.com", "chatgpt", 212,
         None),
    ]
    assert problems(report) == [(4, "interactions", "'1,5' is not a whole number")]
    assert "1 seat sent no message in its period: counted as inactive seat, not stored." in report.notes
    # dict-like cells are rewritten to JSON and parsed as data: None is null (not counted), code is not run
    assert "Messages by model (model_to_messages, read as data, not stored): gpt-4o 210, o3 42." in report.notes
    assert ("1 model_to_messages cell could not be read as a mapping of names to counts (line 4); it is not needed "
            "for the usage rows.") in report.notes
    skipped_again(ingest, CHATGPT, "users-monthly.csv")


CHATGPT_WEEKLY_HEADER = (
    "cadence,period_start,period_end,account_id,public_id,name,email,role,user_role,department,groups,user_status,"
    "created_or_invited_date,is_active,first_day_active_in_period,last_day_active_in_period,messages,"
    "messages_rank,model_to_messages,gpt_messages,gpts_messaged,tool_messages,tools_messaged,project_messages,"
    "projects_messaged,projects_created,last_day_active\n")


def _weekly(start: str, end: str, email: str, status: str, active: str, first: str, messages: str) -> str:
    return (f"Weekly,{start},{end},0f3c9a,user-{email[:2]},{email},{email},,standard-user,[],,{status},2026-03-20,"
            f"{active},{first},{first},{messages},,{{}},0,0,0,0,0,0,0,{first}\n")


CHATGPT_WEEKLY = CHATGPT_WEEKLY_HEADER + "".join([
    _weekly("2026-03-29", "2026-04-04", "jane@acme.com", "enabled", "1", "2026-03-30", "12"),
    # invited, not yet joined: no count at all; and an enabled seat with no activity and no count
    _weekly("2026-03-29", "2026-04-04", "new@acme.com", "pending", "0", "", ""),
    _weekly("2026-03-29", "2026-04-04", "idle@acme.com", "enabled", "0", "", ""),
    # the row says the user was active, but the count is missing
    _weekly("2026-04-05", "2026-04-11", "bo@acme.com", "enabled", "1", "2026-04-06", ""),
    _weekly("2026-04-05", "2026-04-11", "jane@acme.com", "enabled", "1", "2026-04-07", "0"),
    _weekly("2026-04-05", "2026-04-11", "later@acme.com", "invited", "", "", ""),
])


def test_chatgpt_counts_pending_invitations_as_inactive_seats_and_covers_its_weeks(ingest: Ingest,
                                                                                    rows: Rows) -> None:
    report = ingest(CHATGPT_WEEKLY, "users-weekly.csv")
    detected(report, "chatgpt-enterprise-users")
    assert rows("usage", USAGE, "event_id") == [
        ("chatgpt:jane@acme.com:2026-03-29:2026-04-04", D(2026, 3, 29), "jane@acme.com", "chatgpt", 12, None)]
    assert problems(report) == [
        (5, None, "messages is empty, but the row says the user was active in the period (is_active, "
                  "first_day_active_in_period); export the report again")]
    assert counts(report) == expect(rows_read=2, accepted=1, inserted=1, rejected=1)
    assert ("4 seats sent no message in their period (2 of them pending invitations): counted as inactive seats, "
            "not stored.") in report.notes
    # two weeks that follow one another: the import covers both
    assert (report.period_from, report.period_to) == (dt.date(2026, 3, 29), dt.date(2026, 4, 11))


def test_chatgpt_export_in_which_nobody_sent_a_message_covers_its_period(ingest: Ingest) -> None:
    text = CHATGPT_WEEKLY_HEADER + _weekly("2026-04-01", "2026-04-30", "new@acme.com", "pending", "0", "", "") \
        .replace("Weekly", "Monthly")
    report = ingest(text, "users-monthly.csv")
    assert (report.status, report.preset, report.inserted) == ("stored", "chatgpt-enterprise-users", 0)
    assert (report.period_from, report.period_to) == (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert "1 seat sent no message in its period (a pending invitation): counted as inactive seat, not stored." \
        in report.notes


def test_chatgpt_periods_with_days_between_them_leave_coverage_to_the_rows(ingest: Ingest) -> None:
    text = CHATGPT_WEEKLY_HEADER + "".join([
        _weekly("2026-03-29", "2026-04-04", "jane@acme.com", "enabled", "1", "2026-03-30", "12"),
        _weekly("2026-04-12", "2026-04-18", "jane@acme.com", "enabled", "1", "2026-04-13", "3")])
    report = ingest(text, "users-weekly.csv")
    assert ("The periods of this export (period_start to period_end) leave days between them, so its coverage is "
            "taken from the dates of its rows.") in report.notes
    assert (report.period_from, report.period_to) == (dt.date(2026, 3, 1), dt.date(2026, 4, 30))


# --- claude-spend ------------------------------------------------------------------------------------

SPEND = (
    "user_email,account_uuid,product,model,model_family,total_requests,total_prompt_tokens,"
    "total_completion_tokens,total_net_spend_usd,total_gross_spend_usd\n"
    "jane@acme.com,5b1e0c2a,Claude Code,claude-sonnet-4-5,Sonnet,311,4820133,160221,18.42,18.42\n"
    "bob@acme.com,7c2f9e10,Chat,claude-opus-4-1,Opus,14,120000,9000,,\"1,234.50\"\n"
    "ann@acme.com,9d3a8b21,Chat,claude-opus-4-1,Opus,14,120000,9000,18.42,20.00\n"
    "cy@acme.com,1e4b7c32,Cowork,claude-haiku-4-5,Haiku,3,1000,100,,\n"
)


def test_claude_spend_needs_the_period(refuse: Refuse) -> None:
    assert refuse(SPEND, "spend.csv") == (
        "spend.csv: a Claude spend report has no dates (each row sums the range chosen in the console), so its "
        "month must be given: --period YYYY-MM (or the period on Upload).")
    assert refuse(SPEND, "spend.csv", IngestOptions(period="2026-01..2026-03")) == (
        "spend.csv: the period '2026-01..2026-03' is not one month, but a Claude spend report is read as one "
        "month's spend: export each month's report and give its month, e.g. --period 2026-04.")


def test_claude_spend_reads_a_range_of_one_month_as_that_month(ingest: Ingest, rows: Rows) -> None:
    report = ingest(SPEND, "spend.csv", IngestOptions(period="2026-04..2026-04"))
    assert (report.inserted, report.period_from, report.period_to) == (3, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert rows("costs", "distinct month") == [(dt.date(2026, 4, 1),)]


def test_claude_spend_gives_one_cost_line_per_row(ingest: Ingest, rows: Rows) -> None:
    options = IngestOptions(period="2026-04")
    report = ingest(SPEND, "spend.csv", options)
    detected(report, "claude-spend")
    assert rows("costs", "line_id, month, category, amount, currency, department, use_case, description",
                "line_id") == [
        ("claude-spend:2026-04:ann@acme.com:Chat:claude-opus-4-1", dt.date(2026, 4, 1), "usage", 18.42, "USD", None,
         None, "ann@acme.com · Chat · claude-opus-4-1"),
        ("claude-spend:2026-04:bob@acme.com:Chat:claude-opus-4-1", dt.date(2026, 4, 1), "usage", 1234.5, "USD", None,
         None, "bob@acme.com · Chat · claude-opus-4-1"),
        ("claude-spend:2026-04:jane@acme.com:Claude Code:claude-sonnet-4-5", dt.date(2026, 4, 1), "usage", 18.42,
         "USD", None, None, "jane@acme.com · Claude Code · claude-sonnet-4-5"),
    ]
    assert problems(report) == [(5, "amount", "is empty; a value is required")]
    assert "Month 2026-04, as given; total spend 1,271.34 USD." in report.notes
    skipped_again(ingest, SPEND, "spend.csv", options)


# --- jira-issues -------------------------------------------------------------------------------------

JIRA = (
    "Summary,Issue key,Issue id,Issue Type,Status,Project key,Priority,Resolution,Assignee,Reporter,Creator,"
    "Created,Updated,Resolved,Labels,Labels,Labels,Description,Time Spent,Σ Time Spent\n"
    "\"Copilot rollout: enable for Team B\",OPS-412,20417,Task,Done,OPS,Medium,Done,Ravi Patel,Anna Berg,Anna Berg,"
    "02/Apr/26 9:14 AM,09/Apr/26 4:02 PM,09/Apr/26 4:02 PM,ai-rollout,How-To,,\"Steps:\n1. enable\n2. tell\","
    "\"7,200\",\"7,200\"\n"
    "Login loop after SSO,OPS-413,20418,Bug,In Progress,OPS,High,,,Dana Whitfield,Dana Whitfield,"
    "11/May/24 03:26 PM,11/May/24 03:30 PM,,,,,,,\n"
    "May I paste client names?,OPS-414,20419,Story,To Do,OPS,Low,,,Dana Whitfield,Dana Whitfield,"
    "12/May/26 12:05 AM,,,copilot,policy,allowed-use,,60,60\n"
    "Odd ticket,OPS-415,20420,Story,To Do,OPS,Low,,,Li Wu,Li Wu,31/Feb/26 10:00 AM,,,,,,,,\n"
    "Another story,OPS-416,20421,Story,To Do,OPS,Low,,,Li Wu,Li Wu,2026-05-13 08:00,,,,,,,,\n"
)
SUPPORT = "ticket_id, opened_at, category, user_id, closed_at, status, topic, handling_minutes"


def test_jira_export_reads_repeated_labels_and_jira_dates(ingest: Ingest, rows: Rows) -> None:
    report = ingest(JIRA, "Jira.csv")
    detected(report, "jira-issues")  # not the canonical support dataset its aliases would also fit
    assert rows("support", SUPPORT, "ticket_id") == [
        ("OPS-412", D(2026, 4, 2, 9, 14), "how_to", "anna berg", D(2026, 4, 9, 16, 2), "Done",
         "Copilot rollout: enable for Team B", 120.0),
        ("OPS-413", D(2024, 5, 11, 15, 26), "bug", "dana whitfield", None, "In Progress", "Login loop after SSO",
         None),
        # the third Labels column holds the one label with a category
        ("OPS-414", D(2026, 5, 12, 0, 5), "allowed_use", "dana whitfield", None, "To Do", "May I paste client names?",
         1.0),
        ("OPS-416", D(2026, 5, 13, 8, 0), "other", "li wu", None, "To Do", "Another story", None),
    ]
    # OPS-412's description spans lines 2-4, so OPS-415 starts on line 7
    assert problems(report) == [
        (7, "opened_at", "'2026-02-31 10:00' is not a real date and time")]
    assert "Labels were read from all 3 Labels columns." in report.notes
    assert ("Issue types read as other (no entry in mapping jira_category for them or their labels): Story (2)."
            in report.notes)
    skipped_again(ingest, JIRA, "Jira.csv")


def test_a_jira_row_with_more_cells_than_the_header_is_rejected_not_truncated(ingest: Ingest, rows: Rows) -> None:
    text = ("Summary,Issue key,Issue Type,Created,Labels,Labels\n"
            "One,OPS-1,Bug,11/May/24 03:26 PM,a,b\n"
            "\n"
            "Two,OPS-2,Bug,11/May/24 03:27 PM,a,b,c\n"
            "Three,OPS-3,Task,11/May/24 03:28 PM,,\n")
    report = ingest(text, "jira.csv")
    assert report.preset == "jira-issues"
    assert counts(report) == expect(rows_read=3, accepted=2, inserted=2, rejected=1, blank_lines=1)
    assert problems(report) == [(4, None, "too many fields: expected 6, found 7")]
    assert rows("support", "ticket_id, category", "ticket_id") == [("OPS-1", "bug"), ("OPS-3", "other")]


def test_the_plans_jira_category_mapping_wins(ingest: Ingest, rows: Rows) -> None:
    options = IngestOptions(mappings={"jira_category": {"story": "how_to", "Bug": "output_quality"}})
    ingest(JIRA, "Jira.csv", options)
    assert rows("support", "ticket_id, category", "ticket_id") == [
        ("OPS-412", "how_to"), ("OPS-413", "output_quality"), ("OPS-414", "allowed_use"), ("OPS-416", "how_to")]


# The column names of a Jira export made in Spanish; Jira repeats Comment and Labels once per value
JIRA_SPANISH = (
    "Resumen,Clave de incidencia,Creada,Etiquetas,Etiquetas,Comentario,Comentario\n"
    "Activar Copilot,OPS-412,02/Apr/26 9:14 AM,ai-rollout,how-to,Hecho,Gracias\n"
    "Bucle de inicio de sesión,OPS-413,11/May/24 03:26 PM,,,,\n"
)


def test_a_jira_export_in_another_language_is_refused_saying_so_and_how_to_read_it(refuse: Refuse) -> None:
    assert refuse(JIRA_SPANISH, "Jira.csv") == (
        "Jira.csv: this looks like a Jira export in a language the jira-issues preset does not read: column "
        "'Clave de incidencia' holds issue keys (OPS-412, …), and 'Etiquetas' and 'Comentario' repeat as Jira writes "
        "a field of several values (one column per value), so the repeated names are not the problem. Export it "
        "again with the language in your Jira profile set to English, which the preset reads; or map its columns "
        "onto the support dataset yourself (it needs ticket_id, opened_at and category): on the command line "
        "--map \"Clave de incidencia=ticket_id\" --map \"<its created date>=opened_at\" --map \"<its summary>=topic\" "
        "--map \"<its issue type>=category\", or with the column mapping on the Upload page.")


def test_repeated_columns_without_issue_keys_keep_the_usual_refusal(refuse: Refuse) -> None:
    assert refuse("Name,Note,Note\nAnn,a,b\n", "notes.csv") == (
        "notes.csv: columns 2 and 3 are both named 'Note'; rename one of them so every column has its own name.")


def test_a_jira_export_missing_a_column_is_not_refused_for_its_repeated_labels(refuse: Refuse) -> None:
    message = refuse("Summary,Issue key,Issue Type,Labels,Labels\nx,OPS-1,Bug,a,b\n", "jira.csv")
    assert message == ("jira.csv: no dataset matches its columns. It looks like an export for the jira-issues preset "
                       "(Jira issue export), but it lacks Created.")


# --- servicenow-incidents ----------------------------------------------------------------------------

SERVICENOW = (
    '"number","opened_at","short_description","caller_id","priority","state","category","assignment_group",'
    '"business_stc","resolved_at"\r\n'
    '"INC0012345","2026-04-03 08:17:22","Copilot licence not activating","Jane Doe","3 - Moderate","Resolved",'
    '"Access","Service Desk","102,197","2026-04-03 11:40:05"\r\n'
    '"INC0012346","2026-04-04 09:00:00","Café client data pasted into a prompt","José Díaz","1 - Critical",'
    '"In Progress","Data leak","Service Desk","0",""\r\n'
    '"INC0012347","2026-04-05 10:30:00","Summary was wrong","Li Wu","5 - Planning","On Hold","Software",'
    '"Service Desk","0",""\r\n'
    '"INC0012348","2026-04-06 10:30:00","Odd","Li Wu","6 - Someday","Awaiting Info","Network","Service Desk",'
    '"0",""\r\n'
)
INCIDENTS = "incident_id, reported_at, category, severity, description, status, resolved_at"


def test_servicenow_windows_1252_export_maps_priority_state_and_category(ingest: Ingest, rows: Rows) -> None:
    report = ingest(SERVICENOW.encode("cp1252"), "incident.csv")
    detected(report, "servicenow-incidents")
    assert report.encoding == "Windows-1252"
    assert rows("incidents", INCIDENTS, "incident_id") == [
        ("INC0012345", D(2026, 4, 3, 8, 17, 22), "access", "medium", "Copilot licence not activating", "resolved",
         D(2026, 4, 3, 11, 40, 5)),
        ("INC0012346", D(2026, 4, 4, 9), "data_exposure", "critical", "Café client data pasted into a prompt", "open",
         None),
        ("INC0012347", D(2026, 4, 5, 10, 30), "other", "low", "Summary was wrong", "open", None),
    ]
    assert problems(report) == [
        (5, "severity", "'6 - Someday' is not one of low, medium, high, critical"),
        (5, "status", "'Awaiting Info' is not one of open, mitigating, resolved"),
    ]
    assert ("ServiceNow priority values with no entry in mapping servicenow_severity (rows rejected; add entries to "
            "the plan's mapping to accept them): 6 - Someday (1).") in report.notes
    skipped_again(ingest, SERVICENOW.encode("cp1252"), "incident.csv")


def test_servicenow_excel_export_with_labels(ingest: Ingest, rows: Rows, tmp_path: Path) -> None:
    frame = pl.DataFrame({"Number": ["INC1"], "Opened": ["2026-04-03 08:17:22"], "Short description": ["x"],
                          "Priority": ["2 - High"], "State": ["Closed"], "Resolved": ["2026-04-04 08:00:00"]})
    frame.write_excel(tmp_path / "incident.xlsx")
    report = ingest((tmp_path / "incident.xlsx").read_bytes(), "incident.xlsx")
    assert (report.preset, report.source_format) == ("servicenow-incidents", "xlsx")
    assert rows("incidents", INCIDENTS) == [("INC1", D(2026, 4, 3, 8, 17, 22), "other", "high", "x", "resolved",
                                             D(2026, 4, 4, 8))]


# --- moodle-completion -------------------------------------------------------------------------------

MOODLE = (
    'ID,Name,Email address,"Intro to Copilot (quiz)","Intro to Copilot (quiz) - Completion date",'
    '"Data rules - Week 1","Data rules - Completion date","Manual completion by Manager","Course complete"\r\n'
    '312,"Jane Doe",Jane.Doe@acme.com,Completed,"14/04/26, 10:22","Completed (achieved pass grade)",'
    '"15/04/26, 09:00",,"15/04/26, 09:05"\r\n'
    '313,"Bob Lee",bob@acme.com,"Completed (did not achieve pass grade)","14/04/26, 10:22",'
    '"Completed (set by Admin User)","16/04/26, 11:00",,\r\n'
    '314,"Carl Ode",carl@acme.com,Not completed,,Finalizado,"16/04/26, 11:00",,\r\n'
    '315,"Dee Ray",dee@acme.com,Completed,"31/04/26, 10:22",Not completed,,,\r\n'
)
TRAINING = "user_id, module, completed_on, score"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_moodle_completion_gives_a_row_per_completed_activity(ingest: Ingest, rows: Rows, encoding: str) -> None:
    report = ingest(MOODLE.encode(encoding), "completion-ai101.csv")
    detected(report, "moodle-completion")
    assert report.encoding == ("UTF-16" if encoding == "utf-16" else "UTF-8")
    assert rows("training", TRAINING, "user_id, module") == [
        ("bob@acme.com", "data rules", dt.date(2026, 4, 16), None),  # set by a manager counts; a failed grade not
        ("jane.doe@acme.com", "data rules", dt.date(2026, 4, 15), None),
        ("jane.doe@acme.com", "intro to copilot (quiz)", dt.date(2026, 4, 14), None),
    ]
    assert problems(report) == [
        (4, None, "activity 'Data rules': status 'Finalizado' is not a Moodle completion status (Completed…, "
                  "Not completed)"),
        (5, "completed_on", "'2026-04-31 10:22' is not a real date"),
    ]
    assert "Activities read: Intro to Copilot (quiz), Data rules." in report.notes
    assert ("Not modules (other criteria or identity fields), not read: 'Manual completion by Manager'."
            in report.notes)
    skipped_again(ingest, MOODLE.encode(encoding), "completion-ai101.csv")


def test_moodle_activities_map_to_the_plans_modules(ingest: Ingest, rows: Rows) -> None:
    options = IngestOptions(mappings={"moodle_module": {"Intro to Copilot (quiz)": "purpose"}})
    ingest(MOODLE, "completion.csv", options)
    assert rows("training", "user_id, module", "module, user_id") == [
        ("bob@acme.com", "data rules"), ("jane.doe@acme.com", "data rules"), ("jane.doe@acme.com", "purpose")]


# --- every preset: lineage, undo, choosing, detection --------------------------------------------------

FIXTURES: dict[str, tuple[str, str | bytes, IngestOptions | None]] = {
    "github-copilot-users": ("users.ndjson", COPILOT_NDJSON, None),
    "github-copilot-org": ("org.json", json.dumps(ORG_REPORT), None),
    "m365-copilot-usage": ("m365.csv", M365_V1.encode("utf-8"), None),
    "chatgpt-enterprise-users": ("chatgpt.csv", CHATGPT, None),
    "claude-spend": ("spend.csv", SPEND, IngestOptions(period="2026-04")),
    "jira-issues": ("jira.csv", JIRA, None),
    "servicenow-incidents": ("incident.csv", SERVICENOW.encode("cp1252"), None),
    "moodle-completion": ("completion.csv", MOODLE.encode("utf-16"), None),
}


def test_every_preset_has_a_fixture() -> None:
    assert set(FIXTURES) == set(PRESETS)


@pytest.mark.parametrize("preset", list(FIXTURES))
def test_each_preset_keeps_lineage_and_can_be_undone(preset: str, ingest: Ingest,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    name, content, options = FIXTURES[preset]
    report = ingest(content, name, options)
    dataset = PRESETS[preset].dataset
    stored = con.execute("select dataset, file_name, sha256, preset, source_format, mapping, inserted, rejected "
                         "from ingestions").fetchall()
    assert stored == [(dataset, name, report.sha256, preset, report.source_format,
                       json.dumps(PRESETS[preset].mapping), report.inserted, report.rejected)]
    assert con.execute(f"select count(*), min(ingestion_id) from {dataset}").fetchone() == (report.inserted, 1)
    assert con.execute("select count(distinct line) from rejects").fetchone() == (report.rejected,)
    undone = undo(con, 1)
    assert (undone.removed, con.execute(f"select count(*) from {dataset}").fetchone()) == (report.inserted, (0,))
    # nothing the preset read is left behind on the connection
    assert con.execute("select table_name from duckdb_tables() where temporary").fetchall() == []


@pytest.mark.parametrize("preset", list(FIXTURES))
def test_each_preset_is_detected_from_the_files_shape(preset: str, con: duckdb.DuckDBPyConnection,
                                                      tmp_path: Path) -> None:
    name, content, _ = FIXTURES[preset]
    scores = detect_presets(con, write_file(tmp_path, name, content), name)
    assert [s.preset for s in scores if s.complete] == [preset]
    assert scores[0].preset == preset


@pytest.mark.parametrize("preset", list(FIXTURES))
def test_each_preset_can_be_chosen_and_then_is_not_reported_as_detected(preset: str, ingest: Ingest) -> None:
    name, content, options = FIXTURES[preset]
    chosen = (options or IngestOptions()).model_copy(update={"preset": preset})
    report = ingest(content, name, chosen)
    assert report.preset == preset and report.status == "stored"
    assert not any(n.startswith("Detected as") for n in report.notes)
    assert note(report, "Read with").startswith(f"Read with the {preset} preset ({PRESETS[preset].label}): ")
    assert [n for n in report.notes if n.startswith("Not in this export: ")] == [
        f"Not in this export: {c}" for c in PRESETS[preset].cannot]


def test_a_canonical_file_is_not_taken_for_a_preset(ingest: Ingest) -> None:
    report = ingest("ticket_id,opened_at,category\nT1,2026-03-01,how_to\n", "tickets.csv")
    assert (report.dataset, report.preset) == ("support", None)
    assert not any(s.complete for s in report.preset_scores)


def test_a_chosen_preset_must_fit_the_file(refuse: Refuse) -> None:
    assert refuse(JIRA, "jira.csv", IngestOptions(preset="github-copilot-users")) == (
        "jira.csv: preset github-copilot-users reads JSON or NDJSON files; this is a CSV file.")
    assert refuse(JIRA, "jira.csv", IngestOptions(preset="jira")) == (
        "jira.csv: unknown preset 'jira'; choose one of github-copilot-users, github-copilot-org, "
        "m365-copilot-usage, chatgpt-enterprise-users, claude-spend, jira-issues, servicenow-incidents, "
        "moodle-completion.")
    assert refuse(JIRA, "jira.csv", IngestOptions(preset="jira-issues", dataset="incidents")) == (
        "jira.csv: preset jira-issues fills support, not incidents; choose one or the other.")
    assert refuse("Summary,Issue key\nx,OPS-1\n", "jira.csv", IngestOptions(preset="jira-issues")) == (
        "jira.csv: read as Jira issue export, but the column 'Created' is missing; the file has 'Summary', "
        "'Issue key'. Export it again with that column.")


def test_a_file_that_almost_fits_a_preset_is_refused_naming_it(refuse: Refuse) -> None:
    message = refuse("Summary,Issue key,Issue Type,Reporter\nx,OPS-1,Bug,Ann\n", "jira.csv")
    assert message.startswith("jira.csv: no dataset matches its columns ('Summary', 'Issue key', 'Issue Type', "
                              "'Reporter'). ")
    assert message.endswith(" It looks like an export for the jira-issues preset (Jira issue export), but it lacks "
                            "Created.")
