"""The words and symbols of Rollgate's judgements, one vocabulary for the pages, the command line and the
reports: a status reads the same everywhere, and a rule's operator is shown as one sign."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Status = Literal["pass", "warn", "fail", "insufficient"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "insufficient")
# A family without any gate in the evaluated stage has no status of its own.
NO_GATE = "none"
# Worst first: a family shows the worst status of its criteria (DESIGN.md §7).
STATUS_ORDER: tuple[str, ...] = ("fail", "warn", "insufficient", "pass", NO_GATE)
STATUS_WORDS: dict[str, str] = {"pass": "Pass", "warn": "Warn", "fail": "Fail",
                                "insufficient": "Not enough evidence", NO_GATE: "No gate"}
OP_SIGNS: dict[str, str] = {"<=": "≤", ">=": "≥"}
# A gate's two levels, named the same in every table, chart, card and report.
LIMIT_LABEL = "Limit"
WARN_LABEL = "Warn level"


def sign(op: str) -> str:
    """The sign of a rule's operator ('<=' reads '≤'); an unknown one as it is written."""
    return OP_SIGNS.get(op, op)


def worst(statuses: Iterable[str]) -> str:
    """The worst of some criterion statuses (fail, warn, insufficient, pass); NO_GATE when there are none."""
    found = set(statuses)
    return next((s for s in STATUS_ORDER if s in found), NO_GATE)
