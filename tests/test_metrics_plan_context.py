"""Reading what metrics need from a plan TOML: normalised names, sorted stages, exact refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from metrics_fixture import CONTEXT, PLAN_TOML

from loaders.errors import InputError
from loaders.store import ROOT
from metrics.plan_context import context_from_toml, plan_path


def test_the_fixture_plan_reads_as_the_fixture_context(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(PLAN_TOML, encoding="utf-8")
    # names trimmed and lower-cased, stages sorted by starts_on, a use case without a default left out
    assert context_from_toml(path) == CONTEXT


def test_the_default_plan_loads() -> None:
    ctx = context_from_toml(ROOT / "data" / "plan.toml")
    assert (ctx.hourly_rate, ctx.currency) == (60.0, "EUR")
    assert [s.id for s in ctx.stages] == ["pilot", "department", "extra-review"]
    assert dict(ctx.default_minutes) == {"drafting": 12.0, "summarise": 8.0, "clause_review": 10.0,
                                         "translation": 6.0}


def test_plan_path_prefers_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLLGATE_PLAN", raising=False)
    assert plan_path() == ROOT / "data" / "plan.toml"
    monkeypatch.setenv("ROLLGATE_PLAN", "other.toml")
    assert plan_path() == Path("other.toml")
    assert plan_path("chosen.toml") == Path("chosen.toml")


@pytest.mark.parametrize(("text", "message"), [
    ("hourly_rate = 50\n[[stages]]\nid = 'a'\n",
     "plan.toml: stages[0].starts_on: missing; fix the plan (DESIGN.md §4)."),
    ("hourly_rate = 50\n[[stages]]\nid = 'a'\nstarts_on = '2026-01-05'\n",
     "plan.toml: stages[0].starts_on: expected a date such as 2026-01-05, found '2026-01-05'; "
     "fix the plan (DESIGN.md §4)."),
    ("currency = 'EUR'\n", "plan.toml: hourly_rate: missing; fix the plan (DESIGN.md §4)."),
    ("hourly_rate = 'sixty'\n",
     "plan.toml: hourly_rate: expected a number, found 'sixty'; fix the plan (DESIGN.md §4)."),
    ("hourly_rate = 50\n[[stages]]\nid = 'a'\nstarts_on = 2026-01-05\ndepartments = 'legal'\n",
     "plan.toml: stages[0].departments: expected a list of names; fix the plan (DESIGN.md §4)."),
])
def test_a_bad_plan_is_refused_naming_the_plan_path(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as refused:
        context_from_toml(path)
    assert str(refused.value) == message


def test_a_missing_or_broken_plan_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no plan file here; pass --plan PATH or set ROLLGATE_PLAN\.$"):
        context_from_toml(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("hourly_rate = \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^broken\.toml: not valid TOML \("):
        context_from_toml(broken)
