"""The rollout plan the app works with: read from the plan file on every run (it is small), parsed once
per content, and saved back only when it is valid.

The plan file is gates.plan_io.plan_path(): $ROLLGATE_PLAN, else data/plan.toml. Saving writes the
text the user gave (comments kept) to a temporary file beside it and moves it into place, so a
reader never sees half a plan.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core.access import Action
from gates import plan_history
from gates.plan import Plan
from gates.plan_check import PlanCheck, Problem
from gates.plan_io import MAX_PLAN_BYTES, check_text, plan_path
from loaders import store
from ui import access


@dataclass(frozen=True)
class PlanState:
    """The plan file as found: its path, bytes, and either the plan or every problem with it."""

    path: Path
    content: bytes
    plan: Plan | None
    problems: tuple[Problem, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def text(self) -> str:
        return self.content.decode("utf-8-sig", errors="replace")


@st.cache_resource(show_spinner=False, max_entries=16)
def _parse(content: bytes) -> PlanCheck:
    checked = check_text(content)
    if checked.plan is not None:
        checked.plan.with_source(content)
    return checked


def current() -> PlanState:
    """The plan file now. A missing or unreadable file is a problem to show, not an exception."""
    path = plan_path()
    try:
        with path.open("rb") as f:
            content = f.read(MAX_PLAN_BYTES + 1)  # a longer plan is refused by the check: never read it whole
    except OSError as e:
        reason = "there is no such file" if isinstance(e, FileNotFoundError) else (e.strerror or str(e))
        return PlanState(path, b"", None, (Problem("", f"cannot read the plan file {path.name}: {reason}"),))
    checked = _parse(content)
    return PlanState(path, content, checked.plan, checked.problems)


def check(text: str) -> PlanCheck:
    """Check plan text without saving it: the plan when valid, and every problem by its path."""
    return check_text(text)


def save(text: str, action: Action = Action.PLAN) -> PlanCheck:
    """Check `text` and, only when it is a valid plan, keep it as a new version of the plan's history (with the
    plan as found, the first time), saved by this session's person, and write it as the plan file (atomically).
    `action` is what the save is (the plan, or its feature-name mappings from Upload): NotAllowed, nothing saved,
    when the person's role does not allow it."""
    checked = check_text(text)
    if checked.plan is None:
        return checked
    path = plan_path()
    try:
        previous = path.read_text(encoding="utf-8-sig")
    except OSError:
        previous = ""
    with store.connect(store.db_path()) as con:
        plan_history.record(con, previous, text, access.actor(), action)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return checked
