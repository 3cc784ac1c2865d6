"""The plan model gives metrics the context the oracle tests were worked out with."""

from __future__ import annotations

from metrics_fixture import CONTEXT, PLAN_TOML

from gates.plan_io import parse_plan


def test_the_fixture_plan_gives_the_oracle_context() -> None:
    # Names are normalised like the data ("Draft" -> "draft", " sales " -> "sales"), a use case
    # without a default saves 0 minutes, and stages keep their date order.
    assert parse_plan(PLAN_TOML).metric_context() == CONTEXT
