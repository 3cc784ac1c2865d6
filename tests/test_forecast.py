"""The expansion forecast (gates.forecast): the evidence and the central values worked out by hand on a tiny
story, the stage, month and people it is for, the reasons a measure has none, and the draws' properties.

The story (January and February 2026, the pilot's two whole months; the wide stage starts on 1 March):
  * roster: ann and bob (legal) from December; cat (legal) from 1 February; dan (sales) and fay (finance) from
    1 January; eve (sales) from 1 January, revoked on 1 February. Access person-months: January ann, bob, dan,
    eve, fay; February ann, bob, cat, dan, fay — 10, of 6 people.
  * usage (every row names a person): January ann (drafting 3 accepted, 10 min, cost 0.3; summarise 1 rejected,
    cost 0.1), bob (drafting 4, no action, 5 min, no cost), gus — not in the roster — (drafting 1 accepted,
    10 min, cost 0.1); February ann (drafting 2 edited, no minutes: the default 12, cost 0.2), cat (drafting 6
    accepted, 10 min, cost 0.6). Active person-months: 5 (ann, bob, gus; ann, cat), of 4 people; of them with
    access 4 (gus has none): the active share is 4 / 10 = 0.4.
  * per active person-month: interactions 17 / 5 = 3.4; usage cost 1.3 / 5 = 0.26; hours saved 2.4 (0.5 + 1/3
    + 1/6 + 0.4 + 1) less review and rework 0.2 h (12 minutes) = 2.2 h, / 5 = 0.44 h; tickets 2 / 5 = 0.4;
    incidents 1 / 5 = 0.2.
With expected_users = 50 in the wide stage: active 50 × 0.4 = 20, interactions 68, tickets 8, incidents 4, usage
cost 5.2, net hours saved 8.8.
"""

from __future__ import annotations

import math
import time
from dataclasses import astuple
from datetime import date

import duckdb
import numpy as np
import pytest
from conftest import Ingest
from numpy.typing import NDArray

from core.errors import InputError
from gates.forecast import (
    Ask,
    CountRate,
    Evidence,
    Forecast,
    NoNextStage,
    PersonSums,
    Rate,
    Share,
    draw,
    evidence,
    first_full_month,
    forecast,
    next_stage,
    parse_damping,
    parse_users,
    rate_of,
    share_of,
    target_stage,
)
from gates.plan import Plan
from gates.plan_io import parse_plan
from loaders.ingest import IngestOptions
from metrics.model import Window

PILOT = Window(date(2026, 1, 1), date(2026, 2, 28))
PLAN = """\
name = "Forecast plan"
owner = "Owner"
hourly_rate = 60

[[use_cases]]
id = "drafting"
default_minutes_saved = 12

[[use_cases]]
id = "summarise"

[[stages]]
id = "pilot"
name = "Pilot"
starts_on = 2026-01-01
departments = ["legal"]
approved_use_cases = ["drafting", "summarise"]
mode = "approval_first"

[[stages]]
id = "wide"
name = "Wide"
starts_on = 2026-03-01
departments = ["legal", "sales"]
approved_use_cases = ["drafting", "summarise"]
mode = "standard"
{expected}
[[stages]]
id = "late"
name = "Late"
starts_on = 2026-06-15
departments = ["*"]
approved_use_cases = ["drafting"]
mode = "standard"
"""
EXPORTS = {
    "roster.csv": """\
user_id,department,access_granted_on,access_revoked_on
ann,legal,2025-12-01,
bob,legal,2025-12-01,
cat,legal,2026-02-01,
dan,sales,2026-01-01,
eve,sales,2026-01-01,2026-02-01
fay,finance,2026-01-01,
""",
    "usage.csv": """\
occurred_at,user_id,use_case,interactions,output_action,minutes_saved,cost
2026-01-05T09:00:00Z,ann,drafting,3,accepted,10,0.3
2026-01-06T09:00:00Z,ann,summarise,1,rejected,,0.1
2026-01-07T09:00:00Z,bob,drafting,4,,5,
2026-01-08T09:00:00Z,gus,drafting,1,accepted,10,0.1
2026-02-03T09:00:00Z,ann,drafting,2,edited,,0.2
2026-02-04T09:00:00Z,cat,drafting,6,accepted,10,0.6
""",
    "reviews.csv": """\
review_id,reviewed_at,use_case,outcome,review_minutes,rework_minutes
R1,2026-01-05T10:00:00Z,drafting,approved,6,0
R2,2026-02-04T10:00:00Z,drafting,corrected,3,3
""",
    "support.csv": """\
ticket_id,opened_at,category
T1,2026-01-10T09:00:00Z,how_to
T2,2026-02-10T09:00:00Z,bug
""",
    "incidents.csv": """\
incident_id,reported_at,category,severity
I1,2026-01-20T09:00:00Z,poor_output,low
""",
}
PERIOD = IngestOptions(period="2026-01..2026-02")


def plan(expected: int | None = 50) -> Plan:
    return parse_plan(PLAN.format(expected=f"expected_users = {expected}\n" if expected else ""), "plan.toml")


@pytest.fixture
def story(ingest: Ingest) -> None:
    for name, content in EXPORTS.items():
        ingest(content, name, None if name == "roster.csv" else PERIOD)


def central(fc: Forecast) -> dict[str, float | None]:
    return {m.id: None if m.central is None else round(m.central, 9) for m in fc.measures}


@pytest.mark.usefixtures("story")
def test_the_evidence_is_counted_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    ev = evidence(con, plan(), PILOT)
    assert (ev.people, ev.access_months, ev.active_months) == (6, 10, 4)
    assert (ev.active_people, ev.exposure, ev.ww) == (4, 5, 1 + 1 + 1 + 4)  # ann two months, bob, gus, cat one each
    assert ev.sums["interactions"] == PersonSums(total=17, squares=6**2 + 4**2 + 1**2 + 6**2,
                                                 cross=6 * 2 + 4 + 1 + 6, month_squares=4**2 + 4**2 + 1 + 2**2 + 6**2)
    assert ev.sums["usage_cost"].total == pytest.approx(1.3)
    assert ev.sums["gross_hours"].total == pytest.approx(2.4)
    assert (ev.costed, ev.all_interactions) == (5, 17)  # bob's row has no cost
    # net hours: each person-month's hours saved less 12 / 17 minutes per interaction, summed as the query would
    h = 0.2 / 17
    months = {"ann": [(0.5, 4), (0.4, 2)], "bob": [(1 / 3, 4)], "gus": [(1 / 6, 1)], "cat": [(1.0, 6)]}
    net = {who: [g - h * i for g, i in held] for who, held in months.items()}
    assert astuple(ev.net_hours(h)) == pytest.approx((
        sum(sum(v) for v in net.values()), sum(sum(v) ** 2 for v in net.values()),
        sum(sum(v) * len(v) for v in net.values()), sum(x * x for v in net.values() for x in v)))


@pytest.mark.usefixtures("story")
def test_central_values_are_the_current_rates_applied_to_the_stage_people(con: duckdb.DuckDBPyConnection) -> None:
    fc = forecast(con, plan(), "pilot", PILOT)
    assert (fc.stage.id, fc.from_stage.id, fc.month, fc.people.count, fc.people.source) == (
        "wide", "pilot", "2026-03", 50, "plan")
    assert central(fc) == {"active_users": 20, "interactions": 68, "support_tickets": 8, "incidents": 4,
                           "usage_cost": 5.2, "net_hours_saved": 8.8}
    rates = {m.id: round(m.rate or 0, 9) for m in fc.measures}
    assert rates == {"active_users": 0.4, "interactions": 3.4, "support_tickets": 0.4, "incidents": 0.2,
                     "usage_cost": 0.26, "net_hours_saved": 0.44}
    assert fc.measure("interactions").rate_text == "3.40 per active person a month"
    assert fc.measure("active_users").rate_text == "40% of the people with access used the tool in an average month"
    for m in fc.measures:
        assert m.low is not None and m.high is not None and m.central is not None
        assert m.low <= m.central <= m.high, m
    assert (fc.period.from_, fc.period.to, fc.period.months) == (date(2026, 1, 1), date(2026, 2, 28), 2)


@pytest.mark.usefixtures("story")
def test_damping_and_a_given_number_of_people_scale_every_central_value(con: duckdb.DuckDBPyConnection) -> None:
    fc = forecast(con, plan(), "pilot", PILOT, Ask(users=200, damping=0.5))
    assert (fc.people.count, fc.people.source, fc.damping) == (200, "given", 0.5)
    assert central(fc) == {"active_users": 40, "interactions": 136, "support_tickets": 16, "incidents": 8,
                           "usage_cost": 10.4, "net_hours_saved": 17.6}
    assert ("Damping 0.5: the new stage's people are assumed 50% as likely to use the tool as the current ones (20% "
            "of them in a month instead of 40%); every measure scales with the active people.") in fc.assumptions


@pytest.mark.usefixtures("story")
def test_without_expected_users_the_roster_of_the_stage_departments_is_used(con: duckdb.DuckDBPyConnection) -> None:
    fc = forecast(con, plan(expected=None), "pilot", PILOT)
    # ann, bob, cat (legal) and dan (sales); eve's access was revoked before March, fay is in finance
    assert (fc.people.count, fc.people.source) == (4, "roster")
    assert central(fc)["active_users"] == 1.6
    assert ("People: the plan gives no expected_users for stage wide, so the forecast uses the 4 people the roster "
            "lists in its departments (legal, sales) whose access is not revoked before 1 Mar 2026. The roster may "
            "not list people who have not been given access yet: set expected_users in the plan when the number is "
            "known.") in fc.assumptions


@pytest.mark.usefixtures("story")
def test_a_later_stage_of_every_department_counts_the_whole_roster(con: duckdb.DuckDBPyConnection) -> None:
    fc = forecast(con, plan(), "pilot", PILOT, Ask(stage="late"))
    assert (fc.stage.id, fc.month, fc.people.count, fc.people.source) == ("late", "2026-07", 5, "roster")
    assert central(fc)["active_users"] == 2  # 5 × 0.4: everyone but eve, whose access was revoked
    assert [a for a in fc.assumptions if a.startswith(("People", "Month"))] == [
        "People: the plan gives no expected_users for stage late, so the forecast uses the 5 people the roster lists "
        "in its departments (every department) whose access is not revoked before 1 Jul 2026. The roster may not "
        "list people who have not been given access yet: set expected_users in the plan when the number is known.",
        "Month: Jul 2026, the first full calendar month of stage late (it starts on 15 Jun 2026, partway through a "
        "month)."]


@pytest.mark.usefixtures("story")
def test_the_assumptions_say_where_every_number_comes_from(con: duckdb.DuckDBPyConnection) -> None:
    fc = forecast(con, plan(), "pilot", PILOT)
    assert fc.assumptions == (
        "Rates: those of stage pilot (Pilot) over Jan – Feb 2026 (2 whole months): 6 people had access and 4 of "
        "them used the tool.",
        "People: 50 will have access in stage wide, its expected_users in the plan.",
        "Damping 1: the new stage's people are assumed to use the tool as the current ones do (40% of them in a "
        "month). Pilot users often volunteer; a damping below 1 (e.g. 0.7) scales the share of active people, and "
        "with it every measure, down.",
        "Each active person is assumed to do in the month what an active person did in an average month of the "
        "period: as many interactions, tickets and incidents, the same usage cost and hours saved.",
        "Net hours saved: the hours saved by kept outputs, less review and rework time at the period's 0.7 minutes "
        "per interaction.",
        "Month: Mar 2026, the first full calendar month of stage wide (it starts on 1 Mar 2026).",
        "Ranges: 80% of 10,000 simulated months fall inside them (10th to 90th percentile). They allow for the "
        "uncertainty of the current rates, counting people rather than months as independent, and for chance "
        "from month to month; not for changes in the tool, its rules, the people or their work.",
    )


@pytest.mark.usefixtures("story")
def test_the_same_evidence_and_choices_give_the_same_forecast(con: duckdb.DuckDBPyConnection) -> None:
    assert forecast(con, plan(), "pilot", PILOT) == forecast(con, plan(), "pilot", PILOT)
    assert forecast(con, plan(), "pilot", PILOT).as_json()["method"] == {"draws": 10_000, "seed": 20_261_201,
                                                                        "coverage": 0.8}


@pytest.mark.usefixtures("story")
def test_the_window_filters_do_not_narrow_a_forecast_of_the_whole_stage(con: duckdb.DuckDBPyConnection) -> None:
    filtered = Window(PILOT.start, PILOT.end, department="sales", use_case="summarise")
    assert forecast(con, plan(), "pilot", filtered) == forecast(con, plan(), "pilot", PILOT)


def test_a_measure_whose_export_does_not_cover_the_period_says_why(ingest: Ingest,
                                                                   con: duckdb.DuckDBPyConnection) -> None:
    for name in ("roster.csv", "usage.csv", "support.csv", "incidents.csv"):  # no reviews
        ingest(EXPORTS[name], name, None if name == "roster.csv" else PERIOD)
    fc = forecast(con, plan(), "pilot", PILOT)
    net = fc.measure("net_hours_saved")
    assert (net.central, net.low, net.high) == (None, None, None)
    assert net.missing == "no reviews export covers January–February 2026"
    assert central(fc)["interactions"] == 68
    assert not any(a.startswith("Net hours saved") for a in fc.assumptions)


def test_usage_without_costs_has_no_usage_cost(ingest: Ingest, con: duckdb.DuckDBPyConnection) -> None:
    for name, content in EXPORTS.items():
        text = content if name != "usage.csv" else "\n".join(line.rsplit(",", 1)[0] for line in content.splitlines())
        ingest(text, name, None if name == "roster.csv" else PERIOD)
    cost = forecast(con, plan(), "pilot", PILOT).measure("usage_cost")
    assert (cost.central, cost.missing) == (None, "no usage row of the period carries a cost (the export has no cost "
                                                  "column)")


def test_without_a_roster_nothing_can_be_forecast(ingest: Ingest, con: duckdb.DuckDBPyConnection) -> None:
    for name, content in EXPORTS.items():
        if name != "roster.csv":
            ingest(content, name, PERIOD)
    fc = forecast(con, plan(), "pilot", PILOT)
    assert {m.id: m.missing for m in fc.measures} == {m.id: "no roster loaded" for m in fc.measures}


@pytest.mark.usefixtures("story")
def test_rows_of_an_export_without_people_are_left_out_of_per_person_rates(ingest: Ingest,
                                                                           con: duckdb.DuckDBPyConnection) -> None:
    report = ingest("occurred_at,user_id,use_case,interactions\n2026-01-09,organisation,drafting,30\n",
                    "org.csv", PERIOD)
    con.execute("update ingestions set user_level = false where id = ?", [report.ingestion_id])
    fc = forecast(con, plan(), "pilot", PILOT)
    assert central(fc)["interactions"] == 68  # 3.4 per active person, as without the organisation's 30
    assert ("Per-person rates count only usage rows that name a person; 30 interactions of the period come from "
            "exports without people and are left out of them.") in fc.assumptions


@pytest.mark.usefixtures("story")
def test_a_period_shorter_than_a_month_is_scaled_up_and_said(con: duckdb.DuckDBPyConnection) -> None:
    fc = forecast(con, plan(), "pilot", Window(date(2026, 2, 1), date(2026, 2, 14)))
    assert fc.period.months == 0.5
    # ann (2) and cat (6) in 14 of February's 28 days: 4 person-months' worth of 8 interactions each
    assert fc.measure("interactions").rate == 8
    assert ("The period is shorter than a whole month (14 days): monthly rates are scaled up from it, and the share "
            "of people who used the tool in 14 days probably understates a whole month.") in fc.assumptions


# -- which stage, which month, how many people -------------------------------------------------------

def test_the_next_stage_is_forecast_unless_another_is_chosen() -> None:
    p = plan()
    pilot, wide, late = p.stages
    assert next_stage(p, pilot) == wide and next_stage(p, late) is None
    assert target_stage(p, pilot, None) == wide
    assert target_stage(p, pilot, "late") == late
    assert target_stage(p, wide, "wide") == wide  # the same stage, at another number of people
    with pytest.raises(NoNextStage) as last:
        target_stage(p, late, None)
    assert str(last.value) == ("stage 'late' is the last stage of the plan, so there is no next stage to forecast; "
                               "choose the stage to forecast (the same stage forecasts it at another number of "
                               "people).")
    with pytest.raises(InputError) as earlier:
        target_stage(p, wide, "pilot")
    assert str(earlier.value) == ("stage 'pilot' comes before stage 'wide', whose months the forecast learns from; "
                                  "choose wide or late.")
    with pytest.raises(InputError, match=r"^unknown stage 'nope'; this plan's stages are: pilot, wide, late\.$"):
        target_stage(p, pilot, "nope")


@pytest.mark.parametrize(("stage", "period_end", "month"), [
    ("wide", date(2026, 2, 28), date(2026, 3, 1)),   # starts on the 1st: that month
    ("late", date(2026, 2, 28), date(2026, 7, 1)),   # starts mid-June: July
    ("wide", date(2026, 4, 30), date(2026, 5, 1)),   # already in force: the month after the evidence
    ("late", date(2026, 6, 20), date(2026, 7, 1)),
])
def test_the_first_full_month(stage: str, period_end: date, month: date) -> None:
    assert first_full_month(plan().stage(stage), Window(date(2026, 1, 1), period_end)) == month


@pytest.mark.usefixtures("story")
def test_no_people_to_scale_to_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    p = parse_plan(PLAN.format(expected="").replace('departments = ["legal", "sales"]', 'departments = ["hr"]'),
                   "plan.toml")
    with pytest.raises(InputError) as refused:
        forecast(con, p, "pilot", PILOT)
    assert str(refused.value) == ("stage 'wide' has no expected_users in the plan and the roster lists nobody in its "
                                  "departments (hr); set expected_users for the stage in the plan, or give the "
                                  "number of people.")


@pytest.mark.parametrize(("ask", "message"), [
    (Ask(users=0), "the number of people must be a whole number from 1 to 10,000,000, not 0."),
    (Ask(damping=0.0), "the damping must be more than 0 and at most 1, not 0."),
    (Ask(damping=1.5), "the damping must be more than 0 and at most 1, not 1.5."),
    (Ask(damping=math.nan), "the damping must be more than 0 and at most 1, not nan."),
])
def test_an_ask_out_of_range_is_refused(ask: Ask, message: str) -> None:
    with pytest.raises(InputError) as refused:
        ask.checked()
    assert str(refused.value) == message


@pytest.mark.parametrize(("text", "value"), [("250", 250), (" 1,200 ", 1200), ("10_000_000", 10_000_000)])
def test_parse_users(text: str, value: int) -> None:
    assert parse_users(text) == value


@pytest.mark.parametrize("text", ["0", "-3", "2.5", "many", "", "10000001"])
def test_parse_users_refuses(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_users(text)
    assert str(refused.value) == (f"--users {text!r} is not a number of people; write a whole number from 1 to "
                                  "10,000,000, e.g. 250.")


@pytest.mark.parametrize(("text", "value"), [("1", 1.0), ("0.7", 0.7), (" .25 ", 0.25)])
def test_parse_damping(text: str, value: float) -> None:
    assert parse_damping(text) == value


@pytest.mark.parametrize("text", ["0", "1.01", "-0.5", "nan", "inf", "half"])
def test_parse_damping_refuses(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_damping(text)
    assert str(refused.value) == (f"--damping {text!r} is not a damping factor; write a number above 0 and at most "
                                  "1, e.g. 0.7 (1: the new people use the tool as the current ones do).")


# -- the models ---------------------------------------------------------------------------------------

def test_the_rate_of_a_sum_counts_people_as_the_independent_units() -> None:
    # two people, one active two months with 10 and 30, one active one month with 20: mean 60 / 3 = 20
    sums = PersonSums(total=60, squares=40**2 + 20**2, cross=40 * 2 + 20 * 1, month_squares=10**2 + 30**2 + 20**2)
    rate = rate_of(sums, exposure=3, ww=2**2 + 1**2, people=2)
    assert rate.mean == 20
    assert rate.spread == pytest.approx((10**2 + 10**2 + 0) / 3)  # each person-month around the mean
    # across people: (40 − 20·2)² + (20 − 20·1)² = 0, so the binomial-like one, spread / 3, is the larger
    assert rate.mean_variance == pytest.approx(rate.spread / 3)
    assert rate.people == 2


def test_draws_are_reproducible_and_their_ranges_hold_the_central_value() -> None:
    rates: dict[str, Rate | CountRate] = {"interactions": Rate(30.0, 4.0, 400.0, 25),
                                          "support_tickets": CountRate(12, 60.0)}
    first = draw(Share(0.6, 40), 100, 1.0, rates)
    assert first == draw(Share(0.6, 40), 100, 1.0, rates)
    assert first != draw(Share(0.6, 40), 100, 1.0, rates, seed=1)
    assert set(first) == {"active_users", "interactions", "support_tickets"}
    assert (first["active_users"].central, first["interactions"].central, first["support_tickets"].central) == (
        60, 1800, 12)
    for outcome in first.values():
        assert outcome.low < outcome.central < outcome.high
    # the active people's range: Binomial(100, p) with p ~ Beta(0.6·40 + ½, 0.4·40 + ½), about 60 ± 10
    assert 45 <= first["active_users"].low <= 55 and 65 <= first["active_users"].high <= 75
    # a measure's draws do not depend on which others are asked
    alone = draw(Share(0.6, 40), 100, 1.0, {"support_tickets": CountRate(12, 60.0)})
    assert alone["support_tickets"] == first["support_tickets"]


def test_the_draws_take_well_under_a_second() -> None:
    rates: dict[str, Rate | CountRate] = {"interactions": Rate(30.0, 4.0, 400.0, 25),
                                          "usage_cost": Rate(3.0, 0.1, 4.0, 25),
                                          "net_hours_saved": Rate(3.0, 0.1, 4.0, 25),
                                          "support_tickets": CountRate(12, 60.0), "incidents": CountRate(1, 60.0)}
    start = time.perf_counter()
    draw(Share(0.6, 40), 10_000_000, 0.7, rates)
    assert time.perf_counter() - start < 0.5


# -- calibration: about 80% of outcomes fall inside the 80% ranges ---------------------------------------

WORLDS = 400


def _world(rng: np.random.Generator) -> dict[str, bool]:
    """One simulated world whose true rates are known: 40 people over a stage's 3 months, then 200 new people in
    the next stage's month. People differ and stay alike from month to month (a person who uses the tool in one
    month is likely to in the next, and a heavy user stays heavy), as real people do. The forecast machinery
    (share_of, rate_of, CountRate, draw) learns from the first and ranges the second; returns, per measure,
    whether the simulated outcome fell inside its 80% range."""
    share, persistence = rng.uniform(0.3, 0.9), rng.choice([2.0, 5.0, 50.0])
    mean_uses, shape = rng.uniform(10, 60), rng.uniform(1, 4)
    price, minutes, tickets, incidents = (rng.uniform(0.02, 0.1), rng.uniform(3, 12), rng.uniform(0.05, 0.4),
                                          rng.uniform(0.02, 0.1))
    overhead = 0.5 / 60  # review and rework hours per interaction

    def months(people: int, count: int) -> tuple[NDArray[np.bool_], dict[str, NDArray[np.float64]], int, int]:
        likely = rng.beta(persistence * share, persistence * (1 - share), people)
        rate = rng.gamma(shape, mean_uses / shape, people)
        active = rng.random((people, count)) < likely[:, None]
        uses = np.where(active, 1 + rng.poisson(rate[:, None], (people, count)), 0).astype(float)
        sums = {"interactions": uses, "usage_cost": uses * price * rng.lognormal(0, 0.3, uses.shape),
                "gross_hours": uses * minutes * rng.lognormal(0, 0.3, uses.shape) / 60}
        return active, sums, int(rng.poisson(tickets * active.sum())), int(rng.poisson(incidents * active.sum()))

    active, sums, ticket_count, incident_count = months(40, 3)
    m, y = np.full(40, 3.0), active.sum(axis=1).astype(float)
    uses, gross = sums["interactions"], sums["gross_hours"]
    # the sums EVIDENCE_SQL makes (every month whole, so each weight is 1)
    ev = Evidence(people=40, access_months=m.sum(), active_months=y.sum(), yy=(y * y).sum(), ym=(y * m).sum(),
                  mm=(m * m).sum(), active_people=int((y > 0).sum()), exposure=y.sum(), ww=(y * y).sum(), costed=1,
                  sums={k: PersonSums(total=v.sum(), squares=(v.sum(axis=1) ** 2).sum(),
                                      cross=(v.sum(axis=1) * y).sum(), month_squares=(v**2).sum())
                        for k, v in sums.items()},
                  gross_uses=((gross.sum(axis=1) * uses.sum(axis=1)).sum(), (gross * uses).sum()),
                  all_interactions=uses.sum())
    rates: dict[str, Rate | CountRate] = {
        k: rate_of(ev.net_hours(overhead) if k == "net_hours_saved" else ev.sums[k], ev.exposure, ev.ww,
                   ev.active_people) for k in ("interactions", "usage_cost", "net_hours_saved")}
    rates |= {"support_tickets": CountRate(ticket_count, ev.exposure),
              "incidents": CountRate(incident_count, ev.exposure)}
    found = share_of(ev)
    assert found is not None
    ranges = draw(found, 200, 1.0, rates, draws=2000, seed=int(rng.integers(2**31)))
    active, sums, ticket_count, incident_count = months(200, 1)
    truth = {"active_users": float(active.sum()), "support_tickets": ticket_count, "incidents": incident_count,
             "interactions": float(sums["interactions"].sum()), "usage_cost": float(sums["usage_cost"].sum()),
             "net_hours_saved": float((sums["gross_hours"] - overhead * sums["interactions"]).sum())}
    return {k: ranges[k].low <= truth[k] <= ranges[k].high for k in truth}


def test_about_80_percent_of_simulated_outcomes_fall_inside_the_80_percent_ranges() -> None:
    rng = np.random.default_rng(2026)
    worlds = [_world(rng) for _ in range(WORLDS)]
    inside = {k: sum(w[k] for w in worlds) / WORLDS for k in worlds[0]}
    assert all(0.72 <= share <= 0.88 for share in inside.values()), inside
    assert 0.76 <= sum(inside.values()) / len(inside) <= 0.86, inside
