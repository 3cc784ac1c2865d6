"""What a file's rows say against the rest, before they are stored (DESIGN.md §2; the Upload page and the
command line show it): people who are not in the roster, dates before the plan's first stage or after
today, use cases the plan does not declare — each a warning that says what to do; the rows are imported."""

from __future__ import annotations

import datetime as dt

from conftest import Ingest

from loaders.ingest import IngestOptions

PLAN = IngestOptions(known_use_cases=frozenset({"drafting", "search"}), first_stage_on=dt.date(2026, 1, 5))
ROSTER = "user_id,department,access_granted_on\nann,legal,2026-01-01\n"


def test_people_not_in_the_roster_are_named_with_what_to_do(ingest: Ingest) -> None:
    ingest(ROSTER, "roster.csv")
    usage = ("occurred_at,user_id,use_case\n" + "".join(f"2026-03-0{i}T10:00:00Z,{u},drafting\n"
                                                        for i, u in enumerate(["ann", "zed", "bob", "cy", "dee"], 1)))
    report = ingest(usage, "usage.csv", PLAN)
    assert report.status == "stored" and report.inserted == 5
    assert report.warnings == [
        "4 people in this file are not in the roster ('bob', 'cy', 'dee', …): their uses count as use without "
        "access. Load the roster that lists them, or check how the export names people."]


def test_without_a_roster_nobody_is_said_to_be_missing_from_it(ingest: Ingest) -> None:
    report = ingest("occurred_at,user_id,use_case\n2026-03-01T10:00:00Z,zed,drafting\n", "usage.csv", PLAN)
    assert report.warnings == []


def test_dates_outside_the_plans_stages_and_after_today_are_flagged(ingest: Ingest) -> None:
    reviews = ("review_id,reviewed_at,use_case,outcome\nR1,2026-01-02,drafting,approved\n"
               "R2,2026-01-03,drafting,approved\nR3,2026-03-01,drafting,approved\n"
               f"R4,{dt.date.today() + dt.timedelta(days=2):%Y-%m-%d},drafting,approved\n")
    report = ingest(reviews, "reviews.csv", PLAN)
    assert report.warnings == [
        "2 rows are dated before the plan's first stage (2026-01-05): they count in no stage. Check the export's "
        "dates, or the plan's first starts_on.",
        "1 row is dated after today: check the export's dates and time zone."]


def test_use_cases_the_plan_does_not_declare_say_what_to_do(ingest: Ingest) -> None:
    usage = ("occurred_at,user_id,use_case\n2026-03-01T10:00:00Z,ann,drafting\n2026-03-01T11:00:00Z,ann,code_review\n"
             "2026-03-02T10:00:00Z,ann,Chat\n")
    report = ingest(usage, "usage.csv", PLAN)
    assert report.warnings == [
        "2 use cases the plan does not declare ('chat', 'code_review'): declare them under [[use_cases]] on the Plan "
        "page, or correct the export's use case names; until then their uses are out of scope."]
    assert report.unknown_use_cases == ["chat", "code_review"]  # for Upload's mapping form
    # use cases are stored lower-cased; without the plan's declarations there is nothing to compare them with
    assert ingest(usage.replace("Chat", "chat"), "usage2.csv").warnings == []
