"""The 95% Wilson score interval against values worked out by hand.

With k successes of n, z = 1.959963984540054 (z² = 3.841458820694124):
    low, high = (2k + z² ∓ z·√(z² + 4k(n−k)/n)) / (2(n + z²))
"""

from __future__ import annotations

import pytest

from metrics.measure import proportion, quotient
from metrics.model import wilson


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # 0 of 10: (0 + 3.8414588 ∓ 1.9599640·√3.8414588) / 27.6829176 = (3.8414588 ∓ 3.8414588) / 27.6829176
    #        → 0 and 7.6829176 / 27.6829176 = 0.2775328
    (0, 10, 0.0, 0.2775327999),
    # 5 of 10: √(3.8414588 + 4·5·5/10) = √13.8414588 = 3.7204111; × z = 7.2918715;
    #        (10 + 3.8414588 ∓ 7.2918715) / 27.6829176 → 6.5495873 / 27.6829176 and 21.1333303 / 27.6829176
    (5, 10, 0.2365930905, 0.7634069095),
    # 81 of 263: 4·81·182/263 = 224.2129278; + z² = 228.0543866; √ = 15.1014697; × z = 29.5983365;
    #        (162 + 3.8414588 ∓ 29.5983365) / (2·266.8414588 = 533.6829176)
    #        → 136.2431223 / 533.6829176 and 195.4397953 / 533.6829176
    (81, 263, 0.2552885199, 0.3662095770),
])
def test_wilson_interval_matches_the_hand_worked_values(k: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson(k, n)
    assert got_low == pytest.approx(low, abs=1e-9)
    assert got_high == pytest.approx(high, abs=1e-9)
    # printed to four places as a page shows it
    assert f"{got_low:.4f}–{got_high:.4f}" == f"{low:.4f}–{high:.4f}"


def test_the_zero_of_ten_interval_prints_as_in_the_issue() -> None:
    assert "{:.4f}–{:.4f}".format(*wilson(0, 10)) == "0.0000–0.2775"


def test_no_observations_give_no_interval() -> None:
    assert wilson(0, 0) == (None, None)
    assert proportion("quality.error_rate", 0, 0).as_json("ratio") == {
        "value": None, "n": 0, "low": None, "high": None, "unit": "ratio", "missing": None}


def test_a_quotient_with_an_empty_denominator_is_null_not_zero() -> None:
    assert quotient("value.net_hours_per_active_user", 3.0, 0, n=0).value is None
    assert quotient("value.net_hours_per_active_user", 0.0, 4, n=4).value == 0.0
