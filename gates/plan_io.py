"""Reading and writing rollout plans as TOML.

`plan_path` says which file is the plan (--plan, else $ROLLGATE_PLAN, else data/plan.toml);
`load_plan` reads and checks it; `dumps_plan` writes a plan back as TOML that loads to the same
plan (gates/plan_toml.py; comments are not kept).

A plan is a short text: more than 1 MiB, or lists and inline tables nested more than 10 deep, is
refused before the TOML is parsed (the parser would otherwise recurse once per level).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from core.errors import InputError
from core.paths import DEFAULT_PLAN
from gates.plan import Plan
from gates.plan_check import MAX_DEPTH, PlanCheck, PlanInvalid, Problem, check_plan

MAX_PLAN_BYTES = 1024 * 1024
# What can hold a bracket without nesting anything: comments and the four kinds of TOML string (a
# multi-line string may end with up to two quotes of its own); and the brackets themselves.
_TOKENS = re.compile(
    r"#[^\n]*"
    r'|"""(?:\\.|[^\\])*?""""{0,2}'
    r"|'''.*?''''{0,2}"
    r'|"(?:\\.|[^"\\\n])*"?'
    r"|'[^'\n]*'?"
    r"|[\[\]{}]", re.DOTALL)


def plan_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The plan file: an explicit path, else $ROLLGATE_PLAN, else data/plan.toml of the project."""
    return Path(explicit or os.environ.get("ROLLGATE_PLAN") or DEFAULT_PLAN)


def check_text(content: bytes | str) -> PlanCheck:
    """Check a plan given as TOML text (bytes are read as UTF-8, with or without a BOM)."""
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "surrogatepass"))
    if size > MAX_PLAN_BYTES:
        return PlanCheck(None, (Problem("", f"the plan is larger than 1 MiB ({MAX_PLAN_BYTES:,} bytes); a rollout "
                                            "plan is a short text file: check that this is the right file"),))
    try:
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        return PlanCheck(None, (Problem("", f"the file is not UTF-8 text ({e.reason} at byte {e.start})"),))
    deep = _deep_line(text)
    if deep is not None:
        return PlanCheck(None, (Problem("", f"line {deep}: lists and tables are nested more than {MAX_DEPTH} levels "
                                            "deep; a rollout plan needs at most 4 (stages, their gates): check "
                                            "that this is a plan"),))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return PlanCheck(None, (Problem("", f"not valid TOML: {e}"),))
    return check_plan(data)


def parse_plan(content: bytes | str, source: str = "plan") -> Plan:
    """The plan in `content` (TOML); PlanInvalid (an InputError) listing every problem otherwise."""
    checked = check_text(content)
    if checked.plan is None:
        raise PlanInvalid(source, checked.problems)
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    return checked.plan.with_source(raw)


def _deep_line(text: str) -> int | None:
    """The line where lists or inline tables, outside strings and comments, first nest more than
    MAX_DEPTH deep; None when they never do."""
    depth = 0
    for token in _TOKENS.finditer(text):
        mark = token.group()
        if mark in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, token.start()) + 1
        elif mark in ("]", "}"):
            depth = max(0, depth - 1)
    return None


def read_plan_file(path: Path) -> bytes:
    """The bytes of a plan file, at most one byte more than MAX_PLAN_BYTES (check_text refuses a longer
    plan, so a huge file is never read whole); InputError when it cannot be read."""
    try:
        with path.open("rb") as f:
            return f.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError as e:
        raise InputError(f"{path}: no such plan file; give --plan PATH or set ROLLGATE_PLAN.") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read the plan ({e.strerror}).") from e


def load_plan(path: str | os.PathLike[str] | None = None) -> Plan:
    """Read and check the plan at `path` (default: plan_path()). Plan.sha256 is that file's sha256."""
    target = plan_path(path)
    return parse_plan(read_plan_file(target), target.name)


def dumps_plan(plan: Plan) -> str:
    """The plan as TOML text; parse_plan(dumps_plan(p)) gives a plan equal to p."""
    return plan.toml()


def save_plan(plan: Plan, path: str | os.PathLike[str]) -> Path:
    """Write the plan as TOML to `path` (a str or a Path) and return the path written."""
    target = Path(path)
    target.write_text(dumps_plan(plan), encoding="utf-8")
    return target
