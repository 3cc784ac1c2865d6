"""Tiny hand-written exports and plan for the metric oracle tests (tests/test_metrics_*.py).

Every expected value in those tests is worked out by hand from these rows; change a row and
the arithmetic in the tests must be redone. The story, March 2026 unless said:
  * stages: pilot from Feb 1 (legal; draft; module intro; budget 1000/month), wide from
    Mar 16 (legal and sales; draft and summary; intro and rules; budget 2000/month);
  * ann (legal) has access throughout; bob (legal) loses access on Mar 20 (revoked mid-window);
    cat (sales) from Mar 1, using it on Mar 14 a day before finishing the intro module; dan
    (sales) only from Apr 1; eve is not in the roster at all;
  * ann uses the tool in January, before the first stage; summary is approved only in the
    later stage; translate is listed without a default (saves 0 minutes); some rows have no
    minutes_saved (the plan default applies) and several have interactions > 1.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from loaders.ingest import IngestOptions, ingest_file
from metrics.model import MetricContext, StageScope

CONTEXT = MetricContext(
    hourly_rate=50.0,
    default_minutes={"draft": 10.0, "summary": 6.0},
    stages=(
        StageScope("pilot", "Pilot", date(2026, 2, 1), ("legal",), ("draft",), ("intro",), 1000.0),
        StageScope("wide", "Wide", date(2026, 3, 16), ("legal", "sales"), ("draft", "summary"),
                   ("intro", "rules"), 2000.0),
    ),
    currency="EUR",
)

# The same plan as a TOML file, written with the spelling a person might use (case, spaces).
PLAN_TOML = """\
name = "Oracle plan"
owner = "Oracle owner"
currency = "EUR"
hourly_rate = 50
# The oracle's departments have a handful of people each: its filtered values are the point of the fixture.
privacy_min_group = 0

[[use_cases]]
id = "Draft"
default_minutes_saved = 10

[[use_cases]]
id = "summary"
default_minutes_saved = 6.0

[[use_cases]]
id = "translate"

[[stages]]
id = "pilot"
name = "Pilot"
starts_on = 2026-02-01
departments = ["legal"]
approved_use_cases = ["draft"]
mode = "approval_first"
required_training = ["intro"]
monthly_budget = 1000.0

[[stages]]
id = "wide"
name = "Wide"
starts_on = 2026-03-16
departments = ["Legal", " sales "]
approved_use_cases = ["draft", "SUMMARY"]
mode = "standard"
required_training = ["intro", "Rules"]
monthly_budget = 2000
"""

EXPORTS: dict[str, str] = {
    "roster": """\
user_id,department,access_granted_on,access_revoked_on
ann@x.org,legal,2026-01-01,
bob@x.org,legal,2026-02-01,2026-03-20
cat@x.org,sales,2026-03-01,
dan@x.org,sales,2026-04-01,
""",
    "training": """\
user_id,module,completed_on
ann@x.org,intro,2026-01-20
ann@x.org,rules,2026-03-25
bob@x.org,intro,2026-03-05
cat@x.org,intro,2026-03-15
cat@x.org,rules,2026-03-10
eve@x.org,intro,2026-01-01
""",
    # U02 is 01:30 on Mar 10 in UTC+2, so Mar 9 in UTC: outside a window starting Mar 10.
    "usage": """\
event_id,occurred_at,user_id,use_case,interactions,output_action,minutes_saved
U01,2026-01-15T09:00:00Z,ann@x.org,draft,2,accepted,
U13,2026-02-03T09:00:00Z,ann@x.org,draft,1,accepted,0
U02,2026-03-10T01:30:00+02:00,ann@x.org,draft,1,accepted,5
U03,2026-03-10T08:00:00Z,ANN@x.org,draft,3,accepted,
U04,2026-03-12T10:00:00Z,bob@x.org,summary,2,edited,4
U05,2026-03-17T10:00:00Z,bob@x.org,summary,,,
U06,2026-03-21T10:00:00Z,bob@x.org,draft,2,rejected,7
U07,2026-03-18T12:00:00Z,cat@x.org,summary,4,discarded,3
U08,2026-03-25T12:00:00Z,eve@x.org,draft,1,accepted,8
U09,2026-03-28T12:00:00Z,cat@x.org,translate,2,,
U10,2026-03-31T23:59:59Z,ann@x.org,summary,1,edited,
U11,2026-04-01T00:00:00Z,dan@x.org,draft,1,accepted,9
U12,2026-03-14T10:00:00Z,cat@x.org,draft,1,accepted,
""",
    "reviews": """\
review_id,reviewed_at,use_case,outcome,event_id,error_severity,review_minutes,rework_minutes
R1,2026-03-11T10:00:00Z,draft,approved,U03,none,5,
R2,2026-03-13T10:00:00Z,summary,corrected,U04,minor,6,10
R3,2026-03-22T10:00:00Z,draft,rejected,U06,major,4,20
R4,2026-03-26T10:00:00Z,draft,corrected,U08,critical,,15
R5,2026-03-30T10:00:00Z,summary,approved,,none,3,0
R6,2026-03-09T22:00:00Z,draft,approved,U02,none,9,9
R7,2026-04-02T10:00:00Z,draft,corrected,U11,minor,5,5
R8,2026-03-29T10:00:00Z,draft,approved,X99,,2,
""",
    "costs": """\
month,category,amount,department,use_case
2026-03,licence,300,,
2026-03,usage,120,legal,draft
2026-04-15,usage,80,sales,summary
2026-02,licence,500,,
""",
    "incidents": """\
incident_id,reported_at,category,severity,use_case,status,resolved_at
I1,2026-03-05T10:00:00Z,poor_output,high,draft,resolved,2026-03-12T10:00:00Z
I2,2026-03-12T10:00:00Z,data_exposure,critical,draft,mitigating,2026-04-05T10:00:00Z
I3,2026-03-18T10:00:00Z,complaint,low,summary,open,
I4,2026-03-31T22:00:00Z,privacy,medium,,open,
I5,2026-02-20T10:00:00Z,unsafe_output,high,draft,resolved,
I6,2026-04-01T10:00:00Z,poor_output,high,draft,open,
I7,2026-03-02T10:00:00Z,poor_output,critical,draft,resolved,2026-03-31T18:00:00Z
""",
    "support": """\
ticket_id,opened_at,category,user_id,closed_at,topic,handling_minutes
T1,2026-03-02T09:00:00Z,how_to,ann@x.org,2026-03-11T09:00:00Z,Export to Word,10
T2,2026-03-10T09:00:00Z,allowed_use,bob@x.org,2026-03-10T15:00:00Z,export  to word,20
T3,2026-03-15T09:00:00Z,bug,cat@x.org,,Export to word ,30
T4,2026-03-20T09:00:00Z,data_rules,eve@x.org,2026-04-02T09:00:00Z,Client names?,
T5,2026-03-25T09:00:00Z,other,,2026-03-26T09:00:00Z,EXPORT   TO WORD,5
T6,2026-03-29T09:00:00Z,output_quality,ann@x.org,2026-03-29T10:30:00Z,,0
""",
    "feedback": """\
response_id,submitted_at,satisfaction,user_id,use_case
F1,2026-03-10T08:00:00Z,4,ann@x.org,draft
F2,2026-03-20T08:00:00Z,2,bob@x.org,summary
F3,2026-03-31T20:00:00Z,5,eve@x.org,draft
F4,2026-04-01T08:00:00Z,1,ann@x.org,draft
""",
}


def load(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """Ingest every fixture export into `con`; every row must be accepted."""
    directory.mkdir(parents=True, exist_ok=True)
    for dataset, text in EXPORTS.items():
        path = directory / f"{dataset}.csv"
        path.write_text(text, encoding="utf-8")
        report = ingest_file(con, path, path.name, IngestOptions(dataset=dataset))
        assert (report.status, report.rejected) == ("stored", 0), report.message
