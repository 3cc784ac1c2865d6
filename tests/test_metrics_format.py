"""Metric values as text: one spelling per unit, and "no data" for null; the same on pages and in the CLI."""

from __future__ import annotations

from datetime import date

import pytest

from metrics.format import format_interval, format_value, limit_text, value_text, window_label
from metrics.model import MetricValue, Window
from metrics.registry import REGISTRY


@pytest.mark.parametrize(("metric_id", "value", "text"), [
    ("quality.error_rate", 0.1234, "12.3%"),
    ("cost.budget_utilisation", 1.25, "125.0%"),
    ("cost.value_to_cost_ratio", 2.926, "2.93×"),
    ("value.net_hours_saved", 1234.56, "1,234.6 h"),
    ("quality.rework_minutes_per_review", 7.5, "7.5 min"),
    ("cost.cash_cost", 2684.2, "EUR 2,684.20"),
    ("support.satisfaction", 11 / 3, "3.67"),
    ("adoption.interactions", 12345, "12,345"),
    ("adoption.interactions_per_active_user", 4.25, "4.2"),
    ("support.median_resolution_hours", None, "no data"),
])
def test_values_read_the_same_everywhere(metric_id: str, value: float | None, text: str) -> None:
    assert format_value(REGISTRY[metric_id], value) == value_text(metric_id, value) == text


@pytest.mark.parametrize(("metric_id", "limit", "text"), [
    ("quality.error_rate", 0.1, "10%"),
    ("cost.value_to_cost_ratio", 1.5, "1.5×"),
    ("value.net_hours_saved", 2.0, "2 h"),
    ("cost.cash_cost", 4000.0, "EUR 4,000"),
    ("support.satisfaction", 3.5, "3.5"),
])
def test_limits_read_as_a_person_writes_them(metric_id: str, limit: float, text: str) -> None:
    assert limit_text(metric_id, limit) == text


def test_a_window_names_its_days_and_filters() -> None:
    window = Window(date(2026, 3, 1), date(2026, 3, 31), department="legal", use_case="drafting")
    assert window_label(window) == "2026-03-01 – 2026-03-31, department legal, use case drafting"
    assert window_label(Window(date(2026, 3, 1), date(2026, 3, 31)), lambda d: f"{d:%d.%m.}") == "01.03. – 31.03."


def test_intervals_only_for_proportions() -> None:
    mv = MetricValue("quality.error_rate", 0.5, 6, 0.1876163065, 0.8123836935)
    assert format_interval(REGISTRY["quality.error_rate"], mv) == "18.8%–81.2%"
    assert format_interval(REGISTRY["quality.error_rate"], MetricValue("quality.error_rate", None, 0)) == ""
    assert format_interval(REGISTRY["adoption.heavy_user_share"],
                           MetricValue("adoption.heavy_user_share", 0.4, 17)) == ""
