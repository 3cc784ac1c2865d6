"""gates.plan_edit: a mapping entry added from a page keeps the rest of the plan as written."""

from __future__ import annotations

import tomllib

import pytest

from core.errors import InputError
from gates.plan_edit import with_mappings
from gates.plan_io import DEFAULT_PLAN, check_text

PLAN = DEFAULT_PLAN.read_text(encoding="utf-8")


def test_a_new_table_is_added_at_the_end_and_the_plan_stays_valid() -> None:
    edited = with_mappings(PLAN, "copilot_use_case", {"code_completion": "drafting", "chat panel": "summarise"})
    assert edited.startswith(PLAN.rstrip("\n"))  # every line, comment and blank line kept
    assert edited.endswith('\n\n[mappings.copilot_use_case]\ncode_completion = "drafting"\n'
                           '"chat panel" = "summarise"\n')
    checked = check_text(edited)
    assert checked.plan is not None, checked.problems
    assert dict(checked.plan.mapping_overrides()["copilot_use_case"]) == {"code_completion": "drafting",
                                                                            "chat panel": "summarise"}


def test_entries_go_under_an_existing_table_header() -> None:
    text = PLAN + '\n[mappings.copilot_use_case]  # what our features are\nagent_edit = "drafting"\n'
    edited = with_mappings(text, "copilot_use_case", {"chat": "summarise"})
    assert edited == (PLAN + '\n[mappings.copilot_use_case]  # what our features are\nchat = "summarise"\n'
                             'agent_edit = "drafting"\n')
    assert tomllib.loads(edited)["mappings"]["copilot_use_case"] == {"chat": "summarise", "agent_edit": "drafting"}


def test_a_key_the_table_has_already_is_refused() -> None:
    text = PLAN + '\n[mappings.copilot_use_case]\n"Agent Edit" = "drafting"\n'
    with pytest.raises(InputError) as refused:
        with_mappings(text, "copilot_use_case", {"agent_edit": "summarise"})
    assert str(refused.value) == ("The plan already maps 'agent_edit' in [mappings.copilot_use_case]; change that "
                                  "entry on the Plan page.")
