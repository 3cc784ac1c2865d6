"""Metric values as text: one spelling per unit, and "no data" for null."""

from __future__ import annotations

import pytest

from metrics.format import format_interval, format_value
from metrics.model import MetricValue
from metrics.registry import REGISTRY


@pytest.mark.parametrize(("metric_id", "value", "text"), [
    ("quality.error_rate", 0.1234, "12.3%"),
    ("cost.budget_utilisation", 1.25, "125.0%"),
    ("cost.value_to_cost_ratio", 2.926, "2.93×"),
    ("value.net_hours_saved", 1234.56, "1,234.6 h"),
    ("quality.rework_minutes_per_review", 7.5, "7.5 min"),
    ("cost.cash_cost", 2684.2, "2,684.20 EUR"),
    ("support.satisfaction", 11 / 3, "3.67 of 5"),
    ("adoption.interactions", 12345, "12,345"),
    ("adoption.interactions_per_active_user", 4.25, "4.25"),
    ("support.median_resolution_hours", None, "no data"),
])
def test_values_read_the_same_everywhere(metric_id: str, value: float | None, text: str) -> None:
    assert format_value(REGISTRY[metric_id], value) == text


def test_intervals_only_for_proportions() -> None:
    mv = MetricValue("quality.error_rate", 0.5, 6, 0.1876163065, 0.8123836935)
    assert format_interval(REGISTRY["quality.error_rate"], mv) == "18.8%–81.2%"
    assert format_interval(REGISTRY["quality.error_rate"], MetricValue("quality.error_rate", None, 0)) == ""
    assert format_interval(REGISTRY["adoption.heavy_user_share"],
                           MetricValue("adoption.heavy_user_share", 0.4, 17)) == ""
