"""gates.summary: which number a family card headlines, when a change matters to its gate, and the reasons as
one plain line per issue."""

from __future__ import annotations

import pytest

from gates.criteria import judge
from gates.plan import Gate
from gates.summary import _allowed, change_matters, zone
from metrics.model import MetricValue

ERR = "quality.error_rate"
ERRORS = Gate(metric=ERR, op="<=", threshold=0.10, warn=0.07, on_fail="limit")
SATISFACTION = Gate(metric="support.satisfaction", op=">=", threshold=3.5, on_fail="redesign")


@pytest.mark.parametrize(("gate", "value", "expected"), [
    (ERRORS, 0.05, 0), (ERRORS, 0.07, 0), (ERRORS, 0.08, 1), (ERRORS, 0.10, 1), (ERRORS, 0.11, 2),
    (SATISFACTION, 3.6, 0), (SATISFACTION, 3.5, 0), (SATISFACTION, 3.49, 2),
])
def test_zone_by_value_alone(gate: Gate, value: float, expected: int) -> None:
    c = judge(gate, MetricValue(gate.metric, value, 500))
    assert zone(c, value) == expected


@pytest.mark.parametrize(("before", "now", "matters"), [
    (0.05, 0.06, False),   # within the warn level both times
    (0.06, 0.08, True),    # crossed the warn level
    (0.08, 0.09, False),   # between warn level and limit both times
    (0.09, 0.12, True),    # crossed the limit
    (0.12, 0.05, True),    # back within both
    (None, 0.05, False),   # nothing to compare with
])
def test_a_change_matters_when_it_crosses_the_warn_level_or_the_limit(before: float | None, now: float,
                                                                       matters: bool) -> None:
    c = judge(ERRORS, MetricValue(ERR, now, 500))
    assert change_matters(c, before, now) is matters
    assert change_matters(None, before, now) is False  # an ungated number's change never matters


@pytest.mark.parametrize(("metric", "op", "threshold", "expected"), [
    ("risk.data_exposure_incidents", ">=", 1, "none"),
    ("risk.high_severity_incidents", ">=", 3, "at most 2"),
    ("adoption.active_users", "<=", 10, "at least 11"),
    ("quality.severe_error_rate", ">=", 0.08, "below 8%"),
    ("support.satisfaction", "<=", 3.0, "above 3"),
])
def test_what_a_trigger_allows_is_the_opposite_of_what_fires_it(metric: str, op: str, threshold: float,
                                                                 expected: str) -> None:
    assert _allowed(metric, op, threshold, "EUR") == expected
