"""Oracle tests: every metric of DESIGN.md §3 on hand-written exports (tests/metrics_fixture.py),
against values worked out by hand. Each expected value is a literal with its arithmetic.

Windows: W1 = Mar 10–31 (cuts March; the stage changes on Mar 16; bob's access ends Mar 20),
the same with a department filter and with a use-case filter, and W0 = Jan 10 – Feb 10
(usage before the first stage; no reviews at all, so the review rates are null).

Wilson intervals (z = 1.959963984540054, z² = 3.8414588) were worked out with
low, high = (2k + z² ∓ z·√(z² + 4k(n−k)/n)) / (2(n + z²)) for k successes of n.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest
from metrics_fixture import CONTEXT, load

from loaders.ingest import IngestOptions, ingest_file
from loaders.schema import DATASETS
from metrics import compute
from metrics.model import MetricValue, Window
from metrics.registry import METRICS


class E(NamedTuple):
    """An expected result: value, n, the Wilson interval where the metric has one, and why it is missing."""

    value: float | None
    n: int | None = None
    low: float | None = None
    high: float | None = None
    missing: str | None = None


W1 = Window(date(2026, 3, 10), date(2026, 3, 31))


@pytest.fixture
def oracle(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    load(con, tmp_path / "exports")
    return con


def assert_metrics(got: dict[str, MetricValue], expected: dict[str, E]) -> None:
    """Every registry id is present, in registry order, and equals its hand-worked value."""
    assert list(got) == [m.id for m in METRICS]
    assert list(expected) == [m.id for m in METRICS], "the oracle must cover every metric"
    wrong = []
    for metric_id, e in expected.items():
        g = got[metric_id]
        same = (g.n == e.n and g.missing == e.missing
                and (g.value is None) == (e.value is None)
                and (e.value is None or g.value == pytest.approx(e.value, rel=1e-9, abs=1e-12))
                and (g.low is None) == (e.low is None) and (g.high is None) == (e.high is None)
                and (e.low is None or g.low == pytest.approx(e.low, abs=1e-9))
                and (e.high is None or g.high == pytest.approx(e.high, abs=1e-9)))
        if not same:
            wrong.append(f"{metric_id}: got {g}, expected {e}")
    assert not wrong, "\n".join(wrong)


# W1, Mar 10–31. Usage rows in it: U03 U04 U05 U06 U07 U08 U09 U10 U12 (U02 is Mar 9 in UTC,
# U11 is Apr 1). Interactions 3+2+1+2+4+1+2+1+1 = 17 (U05's empty interactions is 1).
# Active users ann (U03 U10: 4), bob (U04 U05 U06: 5), cat (U07 U09 U12: 7), eve (U08: 1) = 4.
# Reviews in it: R1 R2 R3 R4 R5 R8 = 6 (R6 is Mar 9, R7 Apr 2).
# Tickets opened in it: T2 T3 T4 T5 T6 = 5; handling 20+30+0+5+0 = 55 minutes.
W1_EXPECTED: dict[str, E] = {
    "quality.reviewed_outputs": E(6),
    # corrected or rejected: R2 R3 R4 = 3 of 6
    "quality.error_rate": E(0.5, 6, 0.1876163065, 0.8123836935),
    # major or critical: R3 R4 = 2 of 6
    "quality.severe_error_rate": E(2 / 6, 6, 0.0967714111, 0.7000066849),
    # rejected: R3 = 1 of 6
    "quality.rejection_rate": E(1 / 6, 6, 0.0300533697, 0.5635028222),
    # rework 0 (R1 empty) + 10 + 20 + 15 + 0 + 0 (R8 empty) = 45; 45 / 6 = 7.5
    "quality.rework_minutes_per_review": E(7.5, 6),
    # with an action: U03 3 + U04 2 + U06 2 + U07 4 + U08 1 + U10 1 + U12 1 = 14;
    # accepted or edited: U03 3 + U04 2 + U08 1 + U10 1 + U12 1 = 8
    "quality.acceptance_rate": E(8 / 14, 14, 0.3259064458, 0.7861920110),
    # accepted/edited/empty: U03 3×10 (draft default) + U04 2×4 + U05 1×6 (summary default) + U08 1×8
    # + U09 2×0 (translate: no default) + U10 1×6 + U12 1×10 = 68 minutes = 68/60 h
    "value.gross_hours_saved": E(68 / 60),
    # review minutes 5+6+4+0 (R4 empty)+3+2 = 20
    "value.review_hours": E(20 / 60),
    "value.rework_hours": E(45 / 60),
    # 68/60 − 20/60 − 45/60 = 3/60 = 0.05 h
    "value.net_hours_saved": E(0.05),
    # 0.05 / 4 active users
    "value.net_hours_per_active_user": E(0.0125, 4),
    # 0.05 × 50
    "value.net_value": E(2.5),
    # March lines 300 + 120 (April's 80 and February's 500 are other months)
    "cost.cash_cost": E(420.0),
    # (20 review + 45 rework + 55 handling) / 60 × 50 = 100
    "cost.labour_cost": E(100.0),
    "cost.total_cost": E(520.0),
    # 520 / 4
    "cost.cost_per_active_user": E(130.0, 4),
    # 68/60 × 50 / 520 = 56.6667 / 520
    "cost.value_to_cost_ratio": E(68 / 60 * 50 / 520),
    # stage on Mar 31 is wide, 2000 × 1 month; 420 / 2000
    "cost.budget_utilisation": E(0.21),
    # the oracle plan sets no seat price: no figure (tests/test_seats.py prices seats)
    "cost.idle_seat_cost": E(None),
    # reported in it: I2 (Mar 12), I3 (Mar 18), I4 (Mar 31 22:00) = 3
    "risk.incidents": E(3),
    # I2 critical (I3 low, I4 medium)
    "risk.high_severity_incidents": E(1),
    # I2 data_exposure, I4 privacy
    "risk.data_exposure_incidents": E(2),
    # I3
    "risk.complaints": E(1),
    # 3 / 17 × 1000
    "risk.incident_rate_per_1k": E(3000 / 17, 17),
    # high/critical reported by Mar 31: I1 resolved Mar 12 (closed), I2 resolved Apr 5 (open),
    # I5 resolved_at empty (open, though its status says resolved), I7 resolved Mar 31 18:00 (closed)
    "risk.open_high_severity": E(2),
    # no access that day: U06 (bob, Mar 21, revoked Mar 20) 2 + U08 (eve, not in roster) 1 = 3 of 17
    "risk.unauthorised_use_share": E(3 / 17, 17, 0.0619112664, 0.4102945857),
    # ann, bob (revoked Mar 20, after Mar 10), cat; not dan (granted Apr 1)
    "adoption.users_with_access": E(3),
    "adoption.active_users": E(4),
    # ann, bob and cat all used it: 3 of 3
    "adoption.activation_rate": E(1.0, 3, 0.4385029682, 1.0),
    "adoption.interactions": E(17),
    # 17 / 4
    "adoption.interactions_per_active_user": E(4.25, 4),
    # top ceil(4 × 10%) = 1 user: cat with 7 of 17
    "adoption.heavy_user_share": E(7 / 17, 17),
    # out of scope: U04 2 (Mar 12 pilot: summary not approved) + U06 2 (no access) + U08 1 (no roster row)
    # + U09 2 (translate never approved) + U12 1 (Mar 14 pilot: sales not in it) = 8 of 17;
    # in scope: U03 3, U05 1 (wide, before bob's revocation), U07 4, U10 1
    "adoption.scope_drift_share": E(8 / 17, 17, 0.2616510644, 0.6903676494),
    # stage on Mar 31 = wide (intro, rules): ann ✓ (rules Mar 25), bob ✗ (no rules), cat ✓ (intro Mar 15)
    # = 2 of 3
    "adoption.training_completion_rate": E(2 / 3, 3, 0.2076596008, 0.9385080553),
    # first use: ann Mar 10 (pilot: intro ✓), bob Mar 12 (pilot: intro ✓ Mar 5), cat Mar 14 (pilot:
    # intro ✗, completed only on Mar 15), eve Mar 25 (wide: intro ✓, rules ✗) = 2
    "adoption.untrained_active_users": E(2),
    # seats on Mar 31 (DESIGN.md §12): ann and cat (bob's access ended Mar 20, dan's starts Apr 1); both used it
    # in the 30 days Mar 2–31 (ann Mar 31, cat Mar 28)
    "adoption.idle_seats": E(0),
    # distinct days in the 28 days Mar 4–31: ann Mar 9 (U02 in UTC), 10, 31 = 3; cat Mar 14, 18, 28 = 3
    "adoption.daily_users": E(0),
    "adoption.weekly_users": E(0),
    "adoption.occasional_users": E(2),
    # M = March (ann, bob, cat, eve), the month before = February (ann): bob, cat, eve are new
    "adoption.new_users": E(3),
    "adoption.retained_users": E(1),
    "adoption.returning_users": E(0),
    "adoption.lapsed_users": E(0),
    "support.tickets": E(5),
    # 5 / 4 × 100
    "support.tickets_per_100_users": E(125.0, 4),
    # T2 allowed_use, T4 data_rules = 2 of 5 (T1's how_to was opened Mar 2)
    "support.confusion_share": E(0.4, 5, 0.1176207742, 0.7692757187),
    # closed in it: T1 216 h (opened Mar 2), T2 6 h, T5 24 h, T6 1.5 h → sorted 1.5 6 24 216 → (6+24)/2
    "support.median_resolution_hours": E(15.0, 4),
    # opened by Mar 31 and not closed by then: T3 (never), T4 (closed Apr 2)
    "support.open_tickets": E(2),
    # "export to word" ×3 (T2, T3, T5; T1 was opened before the window; T6 has no topic)
    "support.repeated_topics": E(1),
    # F1 4 + F2 2 + F3 5 (Mar 31 20:00) = 11 / 3
    "support.satisfaction": E(11 / 3, 3),
}


# Department legal: usage of ann (U03 3, U10 1) and bob (U04 2, U05 1, U06 2) = 9 interactions,
# 2 active users. Reviews reach a department through event_id: R1 (U03 ann), R2 (U04 bob),
# R3 (U06 bob); R4's event is eve's (not in the roster), R5 has none, R8's X99 is unknown.
# Tickets of ann and bob: T1, T2, T6 (T5 has no user); opened in the window T2, T6.
W1_LEGAL_EXPECTED: dict[str, E] = {
    "quality.reviewed_outputs": E(3),
    # R2 corrected, R3 rejected
    "quality.error_rate": E(2 / 3, 3, 0.2076596008, 0.9385080553),
    # R3 major
    "quality.severe_error_rate": E(1 / 3, 3, 0.0614919447, 0.7923403992),
    "quality.rejection_rate": E(1 / 3, 3, 0.0614919447, 0.7923403992),
    # (0 + 10 + 20) / 3
    "quality.rework_minutes_per_review": E(10.0, 3),
    # with an action U03 3 + U04 2 + U06 2 + U10 1 = 8; kept U03 3 + U04 2 + U10 1 = 6
    "quality.acceptance_rate": E(0.75, 8, 0.4092754303, 0.9285207872),
    # U03 30 + U04 8 + U05 6 + U10 6 = 50 minutes
    "value.gross_hours_saved": E(50 / 60),
    # 5 + 6 + 4 = 15 minutes
    "value.review_hours": E(0.25),
    # 0 + 10 + 20 = 30 minutes
    "value.rework_hours": E(0.5),
    # (50 − 15 − 30) / 60 = 5/60
    "value.net_hours_saved": E(5 / 60),
    "value.net_hours_per_active_user": E(5 / 120, 2),
    "value.net_value": E(5 / 60 * 50),
    # only the line with department legal: 120
    "cost.cash_cost": E(120.0),
    # (15 + 30 + 20 handling of T2) / 60 × 50 = 65/60 × 50
    "cost.labour_cost": E(65 / 60 * 50),
    # 120 + 54.1667
    "cost.total_cost": E(120 + 65 / 60 * 50),
    "cost.cost_per_active_user": E((120 + 65 / 60 * 50) / 2, 2),
    # 50/60 × 50 / 174.1667 = 50/209
    "cost.value_to_cost_ratio": E(50 / 209),
    # 120 / 2000
    "cost.budget_utilisation": E(0.06),
    # the oracle plan sets no seat price: no figure (tests/test_seats.py prices seats)
    "cost.idle_seat_cost": E(None),
    # incidents have no department: as for the whole window, but the rate is per legal's 9 interactions
    "risk.incidents": E(3),
    "risk.high_severity_incidents": E(1),
    "risk.data_exposure_incidents": E(2),
    "risk.complaints": E(1),
    "risk.incident_rate_per_1k": E(3000 / 9, 9),
    "risk.open_high_severity": E(2),
    # U06 2 of 9
    "risk.unauthorised_use_share": E(2 / 9, 9, 0.0632251071, 0.5474110309),
    # ann, bob
    "adoption.users_with_access": E(2),
    "adoption.active_users": E(2),
    "adoption.activation_rate": E(1.0, 2, 0.3423802275, 1.0),
    "adoption.interactions": E(9),
    "adoption.interactions_per_active_user": E(4.5, 2),
    # top 1 of 2: bob 5 of 9
    "adoption.heavy_user_share": E(5 / 9, 9),
    # out: U04 2 + U06 2 = 4 of 9
    "adoption.scope_drift_share": E(4 / 9, 9, 0.1887785211, 0.7333487065),
    # ann ✓, bob ✗
    "adoption.training_completion_rate": E(0.5, 2, 0.0945312057, 0.9054687943),
    "adoption.untrained_active_users": E(0),
    # legal's seat on Mar 31: ann, who used it on 3 days of the 28 (Mar 9, 10, 31)
    "adoption.idle_seats": E(0),
    "adoption.daily_users": E(0),
    "adoption.weekly_users": E(0),
    "adoption.occasional_users": E(1),
    # legal's users in March: ann, bob; in February: ann
    "adoption.new_users": E(1),
    "adoption.retained_users": E(1),
    "adoption.returning_users": E(0),
    "adoption.lapsed_users": E(0),
    "support.tickets": E(2),
    # 2 / 2 × 100
    "support.tickets_per_100_users": E(100.0, 2),
    # T2 allowed_use of T2, T6
    "support.confusion_share": E(0.5, 2, 0.0945312057, 0.9054687943),
    # closed in it: T1 216, T2 6, T6 1.5 → 6
    "support.median_resolution_hours": E(6.0, 3),
    "support.open_tickets": E(0),
    # only T2 says "export to word" among legal's tickets in the window
    "support.repeated_topics": E(0),
    # F1 4, F2 2 (F3 is eve's: not in the roster)
    "support.satisfaction": E(3.0, 2),
}


# Use case summary: U04 (bob 2 edited, 4 min), U05 (bob 1, no action, default 6), U07 (cat 4
# discarded), U10 (ann 1 edited, default 6) = 8 interactions, 3 active users. Reviews R2, R5.
# Tickets and the roster are not filtered by use case.
W1_SUMMARY_EXPECTED: dict[str, E] = {
    "quality.reviewed_outputs": E(2),
    # R2 corrected
    "quality.error_rate": E(0.5, 2, 0.0945312057, 0.9054687943),
    "quality.severe_error_rate": E(0.0, 2, 0.0, 0.6576197725),
    "quality.rejection_rate": E(0.0, 2, 0.0, 0.6576197725),
    # (10 + 0) / 2
    "quality.rework_minutes_per_review": E(5.0, 2),
    # with an action U04 2 + U07 4 + U10 1 = 7; kept U04 2 + U10 1 = 3
    "quality.acceptance_rate": E(3 / 7, 7, 0.1582198553, 0.7495416355),
    # U04 8 + U05 6 + U10 6 = 20 minutes
    "value.gross_hours_saved": E(20 / 60),
    # R2 6 + R5 3 = 9 minutes
    "value.review_hours": E(0.15),
    # 10 minutes
    "value.rework_hours": E(10 / 60),
    # (20 − 9 − 10) / 60 = 1/60
    "value.net_hours_saved": E(1 / 60),
    "value.net_hours_per_active_user": E(1 / 180, 3),
    "value.net_value": E(50 / 60),
    # the only summary line is April's
    "cost.cash_cost": E(0.0),
    # (9 + 10 + 55 handling, tickets unfiltered) / 60 × 50 = 74/60 × 50
    "cost.labour_cost": E(74 / 60 * 50),
    "cost.total_cost": E(74 / 60 * 50),
    "cost.cost_per_active_user": E(74 / 60 * 50 / 3, 3),
    # 20/60 × 50 / (74/60 × 50) = 20/74
    "cost.value_to_cost_ratio": E(20 / 74),
    # 0 / 2000
    "cost.budget_utilisation": E(0.0),
    # the oracle plan sets no seat price: no figure (tests/test_seats.py prices seats)
    "cost.idle_seat_cost": E(None),
    # I3 only
    "risk.incidents": E(1),
    "risk.high_severity_incidents": E(0),
    "risk.data_exposure_incidents": E(0),
    "risk.complaints": E(1),
    # 1 / 8 × 1000
    "risk.incident_rate_per_1k": E(125.0, 8),
    "risk.open_high_severity": E(0),
    # everyone had access on those days
    "risk.unauthorised_use_share": E(0.0, 8, 0.0, 0.3244075649),
    "adoption.users_with_access": E(3),
    "adoption.active_users": E(3),
    # ann, bob and cat all used summary
    "adoption.activation_rate": E(1.0, 3, 0.4385029682, 1.0),
    "adoption.interactions": E(8),
    "adoption.interactions_per_active_user": E(8 / 3, 3),
    # top 1 of 3: cat 4 of 8
    "adoption.heavy_user_share": E(0.5, 8),
    # U04 (pilot: summary not yet approved) 2 of 8
    "adoption.scope_drift_share": E(0.25, 8, 0.0714792128, 0.5907245697),
    "adoption.training_completion_rate": E(2 / 3, 3, 0.2076596008, 0.9385080553),
    # first summary use: bob Mar 12 (pilot: intro ✓), cat Mar 18 (wide: intro ✓ Mar 15, rules ✓ Mar 10),
    # ann Mar 31 (wide: intro ✓, rules ✓ Mar 25)
    "adoption.untrained_active_users": E(0),
    # seats are not filtered by use case (ann and cat), their uses are: ann's summary on Mar 31, cat's on Mar 18
    # (1 day each)
    "adoption.idle_seats": E(0),
    "adoption.daily_users": E(0),
    "adoption.weekly_users": E(0),
    "adoption.occasional_users": E(2),
    # summary in March: ann, bob, cat; nobody used it before March
    "adoption.new_users": E(3),
    "adoption.retained_users": E(0),
    "adoption.returning_users": E(0),
    "adoption.lapsed_users": E(0),
    "support.tickets": E(5),
    # 5 / 3 × 100
    "support.tickets_per_100_users": E(500 / 3, 3),
    "support.confusion_share": E(0.4, 5, 0.1176207742, 0.7692757187),
    "support.median_resolution_hours": E(15.0, 4),
    "support.open_tickets": E(2),
    "support.repeated_topics": E(1),
    # F2
    "support.satisfaction": E(2.0, 1),
}


# W0, Jan 10 – Feb 10: U01 (Jan 15, before the first stage: ann, 2 accepted, default 10) and U13
# (Feb 3, pilot: ann, 1 accepted, minutes_saved 0 given: the default does not apply). No reviews,
# tickets or feedback; February's cost line; the stage on Feb 10 is the pilot. The exports of reviews,
# costs, incidents, support and feedback cover March–April, February–April, February–April, March and
# March–April (the months of their rows): these figures hold once empty exports say that nothing
# happened in January and February (`nothing_happened`); without them, see W0_MISSING.
W0 = Window(date(2026, 1, 10), date(2026, 2, 10))
W0_EXPECTED: dict[str, E] = {
    "quality.reviewed_outputs": E(0),
    "quality.error_rate": E(None, 0),
    "quality.severe_error_rate": E(None, 0),
    "quality.rejection_rate": E(None, 0),
    "quality.rework_minutes_per_review": E(None, 0),
    "quality.acceptance_rate": E(1.0, 3, 0.4385029682, 1.0),
    # 2×10 + 1×0 = 20 minutes
    "value.gross_hours_saved": E(1 / 3),
    "value.review_hours": E(0.0),
    "value.rework_hours": E(0.0),
    "value.net_hours_saved": E(1 / 3),
    "value.net_hours_per_active_user": E(1 / 3, 1),
    "value.net_value": E(50 / 3),
    # January and February: 500
    "cost.cash_cost": E(500.0),
    "cost.labour_cost": E(0.0),
    "cost.total_cost": E(500.0),
    "cost.cost_per_active_user": E(500.0, 1),
    # 1/3 × 50 / 500
    "cost.value_to_cost_ratio": E(1 / 30),
    # pilot 1000 × 2 months touched = 2000; 500 / 2000
    "cost.budget_utilisation": E(0.25),
    # the oracle plan sets no seat price: no figure (tests/test_seats.py prices seats)
    "cost.idle_seat_cost": E(None),
    "risk.incidents": E(0),
    "risk.high_severity_incidents": E(0),
    "risk.data_exposure_incidents": E(0),
    "risk.complaints": E(0),
    # 0 / 3 × 1000
    "risk.incident_rate_per_1k": E(0.0, 3),
    # the first high-severity incident (I5) is reported Feb 20, after the end
    "risk.open_high_severity": E(0),
    # ann had access both days
    "risk.unauthorised_use_share": E(0.0, 3, 0.0, 0.5614970318),
    # ann, and bob (granted Feb 1); cat and dan come later
    "adoption.users_with_access": E(2),
    "adoption.active_users": E(1),
    # ann of ann, bob
    "adoption.activation_rate": E(0.5, 2, 0.0945312057, 0.9054687943),
    "adoption.interactions": E(3),
    "adoption.interactions_per_active_user": E(3.0, 1),
    # top ceil(0.1) = 1 user carries everything
    "adoption.heavy_user_share": E(1.0, 3),
    # U01 has no stage in force: 2 of 3 out of scope
    "adoption.scope_drift_share": E(2 / 3, 3, 0.2076596008, 0.9385080553),
    # pilot requires intro: ann ✓ (Jan 20), bob ✗ (Mar 5 is after the end)
    "adoption.training_completion_rate": E(0.5, 2, 0.0945312057, 0.9054687943),
    # ann's first use (Jan 15) is before the first stage: nothing is required yet
    "adoption.untrained_active_users": E(0),
    # seats on Feb 10: ann and bob (granted Feb 1); in the 30 days Jan 12 – Feb 10 ann used it (Jan 15, Feb 3),
    # bob never
    "adoption.idle_seats": E(1),
    # the 28 days Jan 14 – Feb 10: ann on 2 days, bob on none
    "adoption.daily_users": E(0),
    "adoption.weekly_users": E(0),
    "adoption.occasional_users": E(1),
    # M = February, the whole month (ann, Feb 3), the month before January (ann, Jan 15)
    "adoption.new_users": E(0),
    "adoption.retained_users": E(1),
    "adoption.returning_users": E(0),
    "adoption.lapsed_users": E(0),
    "support.tickets": E(0),
    # 0 / 1 × 100
    "support.tickets_per_100_users": E(0.0, 1),
    "support.confusion_share": E(None, 0),
    "support.median_resolution_hours": E(None, 0),
    "support.open_tickets": E(0),
    "support.repeated_topics": E(0),
    "support.satisfaction": E(None, 0),
}


def nothing_happened(con: duckdb.DuckDBPyConnection, folder: Path, period: str) -> None:
    """Store, for `period`, an empty export of every dataset with dates: evidence that nothing happened."""
    folder.mkdir(exist_ok=True)
    for dataset in ("reviews", "costs", "incidents", "support", "feedback"):
        path = folder / f"{dataset}-empty.csv"
        path.write_text(",".join(c.name for c in DATASETS[dataset].required) + "\n", encoding="utf-8")
        report = ingest_file(con, path, path.name, IngestOptions(dataset=dataset, period=period))
        assert report.status == "stored", report.message


# W0 on the exports alone: what needs a dataset that does not cover every day of the window is null, with
# the reason, never 0; what needs only usage, the roster and training keeps its value.
REVIEWS_0 = "no reviews export covers 10 Jan 2026–10 Feb 2026"
COSTS_0 = "no costs export covers 10 Jan 2026–31 Jan 2026"
INCIDENTS_0 = "no incidents export covers 10 Jan 2026–31 Jan 2026"
SUPPORT_0 = "no support export covers 10 Jan 2026–10 Feb 2026"
W0_MISSING: dict[str, E] = {
    **{k: E(None, missing=REVIEWS_0) for k in W0_EXPECTED if k.startswith("quality.")},
    "quality.acceptance_rate": W0_EXPECTED["quality.acceptance_rate"],
    "value.gross_hours_saved": W0_EXPECTED["value.gross_hours_saved"],
    **{k: E(None, missing=REVIEWS_0) for k in ("value.review_hours", "value.rework_hours", "value.net_hours_saved",
                                               "value.net_hours_per_active_user", "value.net_value",
                                               "cost.labour_cost")},
    "cost.cash_cost": E(None, missing=COSTS_0),
    **{k: E(None, missing=f"{COSTS_0}; {REVIEWS_0}") for k in ("cost.total_cost", "cost.cost_per_active_user",
                                                              "cost.value_to_cost_ratio")},
    "cost.budget_utilisation": E(None, missing=COSTS_0),
    # usage and the roster cover the 30 days Jan 12 – Feb 10: no seat price, no figure
    "cost.idle_seat_cost": W0_EXPECTED["cost.idle_seat_cost"],
    **{k: E(None, missing=INCIDENTS_0) for k in W0_EXPECTED if k.startswith("risk.")},
    **{k: v for k, v in W0_EXPECTED.items() if k.startswith("adoption.")},
    "risk.unauthorised_use_share": W0_EXPECTED["risk.unauthorised_use_share"],
    **{k: E(None, missing=SUPPORT_0) for k in W0_EXPECTED if k.startswith("support.")},
    "support.satisfaction": E(None, missing="no feedback export covers 10 Jan 2026–10 Feb 2026"),
}
W0_MISSING = {m.id: W0_MISSING[m.id] for m in METRICS}


def test_what_needs_an_export_that_does_not_cover_the_window_is_missing(oracle: duckdb.DuckDBPyConnection) -> None:
    assert_metrics(compute(oracle, CONTEXT, W0), W0_MISSING)


def test_without_a_roster_what_needs_one_is_missing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load(con, tmp_path / "exports")
    con.execute("update ingestions set undone_at = now() where dataset = 'roster'")
    values = compute(con, CONTEXT, W1)
    assert sorted(k for k, v in values.items() if v.missing == "no roster loaded") == [
        "adoption.activation_rate", "adoption.daily_users", "adoption.idle_seats", "adoption.occasional_users",
        "adoption.scope_drift_share", "adoption.training_completion_rate", "adoption.users_with_access",
        "adoption.weekly_users", "cost.idle_seat_cost", "risk.unauthorised_use_share"]
    assert values["adoption.active_users"].value == 4  # counted whether or not they are in the roster


@pytest.mark.parametrize(("window", "expected"), [
    pytest.param(W1, W1_EXPECTED, id="mar10-31"),
    pytest.param(Window(W1.start, W1.end, department=" Legal "), W1_LEGAL_EXPECTED, id="mar10-31-legal"),
    pytest.param(Window(W1.start, W1.end, use_case="summary"), W1_SUMMARY_EXPECTED, id="mar10-31-summary"),
    pytest.param(W0, W0_EXPECTED, id="jan10-feb10"),
])
def test_every_metric_matches_the_hand_worked_value(oracle: duckdb.DuckDBPyConnection, window: Window,
                                                    expected: dict[str, E], tmp_path: Path) -> None:
    nothing_happened(oracle, tmp_path / "empty", "2026-01..2026-02")
    assert_metrics(compute(oracle, CONTEXT, window), expected)


def test_an_empty_database_has_every_metric_missing_naming_the_export(con: duckdb.DuckDBPyConnection) -> None:
    values = compute(con, CONTEXT, W1)
    assert {k: v.value for k, v in values.items() if v.value is not None} == {}
    assert values["risk.incidents"].missing == "no incidents export covers 10 Mar 2026–31 Mar 2026"
    assert values["adoption.users_with_access"].missing == "no roster loaded"
    assert values["adoption.training_completion_rate"].missing == "no roster loaded; no training loaded"
    assert values["cost.total_cost"].missing == ("no costs export covers 10 Mar 2026–31 Mar 2026; "
                                                 "no reviews export covers 10 Mar 2026–31 Mar 2026")
    assert all(v.missing for v in values.values())


def test_exports_saying_nothing_happened_give_zero_counts_and_null_rates(con: duckdb.DuckDBPyConnection,
                                                                         tmp_path: Path) -> None:
    nothing_happened(con, tmp_path, "2026-03")
    usage = tmp_path / "usage-empty.csv"
    usage.write_text("occurred_at,user_id,use_case\n", encoding="utf-8")
    assert ingest_file(con, usage, usage.name, IngestOptions(dataset="usage", period="2026-03")).status == "stored"
    values = compute(con, CONTEXT, W1)
    # neither a roster nor training records can be empty: what needs them stays missing; retention also needs
    # February's usage
    assert sorted(k for k, v in values.items() if v.missing) == [
        "adoption.activation_rate", "adoption.daily_users", "adoption.idle_seats", "adoption.lapsed_users",
        "adoption.new_users", "adoption.occasional_users", "adoption.retained_users", "adoption.returning_users",
        "adoption.scope_drift_share", "adoption.training_completion_rate", "adoption.untrained_active_users",
        "adoption.users_with_access", "adoption.weekly_users", "cost.idle_seat_cost", "risk.unauthorised_use_share"]
    assert values["adoption.new_users"].missing == "no usage export covers February 2026"
    nulls = sorted(k for k, v in values.items() if v.value is None and not v.missing)
    assert nulls == sorted([
        "quality.error_rate", "quality.severe_error_rate", "quality.rejection_rate",
        "quality.rework_minutes_per_review", "quality.acceptance_rate", "value.net_hours_per_active_user",
        "cost.cost_per_active_user", "cost.value_to_cost_ratio", "risk.incident_rate_per_1k",
        "adoption.interactions_per_active_user", "adoption.heavy_user_share",
        "support.tickets_per_100_users", "support.confusion_share", "support.median_resolution_hours",
        "support.satisfaction"])
    # budget: 0 spent of the wide stage's 2000
    assert values["cost.budget_utilisation"].value == 0.0
    counted = {k: v.value for k, v in values.items() if v.value is not None and k != "cost.budget_utilisation"}
    assert counted == dict.fromkeys(counted, 0) and len(counted) == 19


def test_before_the_first_stage_there_is_no_budget_or_training_stage(oracle: duckdb.DuckDBPyConnection,
                                                                    tmp_path: Path) -> None:
    # Jan 10–20: ann's U01 (2 interactions, Jan 15) only; no stage is in force on Jan 20
    nothing_happened(oracle, tmp_path / "empty", "2026-01")
    values = compute(oracle, CONTEXT, Window(date(2026, 1, 10), date(2026, 1, 20)))
    assert values["cost.budget_utilisation"] == MetricValue("cost.budget_utilisation", None)
    # ann is the one user with access (bob's starts Feb 1): n = 1, but no stage, no figure
    assert values["adoption.training_completion_rate"] == MetricValue("adoption.training_completion_rate", None, 1)
    # U01 is out of scope: no stage in force
    assert values["adoption.scope_drift_share"].value == 1.0


def test_a_stage_that_requires_no_training_gives_full_completion(oracle: duckdb.DuckDBPyConnection) -> None:
    from dataclasses import replace
    ctx = replace(CONTEXT, stages=tuple(replace(s, required_training=()) for s in CONTEXT.stages))
    values = compute(oracle, ctx, W1)
    # ann, bob, cat have access: 3 of 3 trained in nothing
    assert values["adoption.training_completion_rate"].value == 1.0
    assert values["adoption.training_completion_rate"].n == 3
    assert values["adoption.untrained_active_users"].value == 0


def test_a_stage_for_every_department_puts_sales_drafts_in_scope(oracle: duckdb.DuckDBPyConnection) -> None:
    from dataclasses import replace
    pilot, wide = CONTEXT.stages
    ctx = replace(CONTEXT, stages=(replace(pilot, departments=("*",)), wide))
    # U12 (cat, sales, draft, Mar 14 under the pilot) is now in scope: out of scope 8 − 1 = 7 of 17
    assert compute(oracle, ctx, W1)["adoption.scope_drift_share"].value == pytest.approx(7 / 17)
