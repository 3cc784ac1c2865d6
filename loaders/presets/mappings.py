"""The value mappings of the import presets: declared here, defaults in defaults.toml, overrides in the plan.

A mapping table turns a value as an export writes it (a Copilot feature, a Jira issue type, a
ServiceNow priority) into a canonical value. Keys are matched without regard to case, spaces or
punctuation. The effective table of an import is, from weakest to strongest: the target column's
own values (for an enumeration: "how_to" is kept as how_to), the shipped defaults, the plan's
`[mappings.<table>]` entries. What an unmapped value becomes is declared per table.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from core.errors import InputError
from loaders.schema import DATASETS, Column, normalise_header

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")

# What a value no entry matches becomes: itself (lower-cased, like any identifier), a fixed
# canonical value, or itself as written, so that validation rejects the row and names the value.
Unmapped = Literal["same", "other", "reject"]

UNMAPPED_WORDS: dict[str, str] = {
    "same": "keeps its own name",
    "other": "becomes `other`",
    "reject": "is kept as written, so the row is rejected naming it (add an entry to accept it)",
}
# The same, said of the values an import found (for its report).
UNMAPPED_FOUND: dict[str, str] = {
    "same": "kept as their own names",
    "other": "read as other",
    "reject": "rows rejected; add entries to the plan's mapping to accept them",
}


@dataclass(frozen=True)
class MappingTable:
    """One editable mapping: from what the export writes to a canonical column's value."""

    name: str
    preset: str
    source: str       # what the keys are, in the export's words
    dataset: str
    column: str       # the canonical column the values go to
    unmapped: Unmapped

    @property
    def target(self) -> Column:
        return DATASETS[self.dataset].column(self.column)

    def describe_unmapped(self) -> str:
        return UNMAPPED_WORDS[self.unmapped]


TABLES: dict[str, MappingTable] = {
    t.name: t
    for t in (
        MappingTable("copilot_use_case", "github-copilot-users, github-copilot-org", "Copilot feature",
                     "usage", "use_case", "same"),
        MappingTable("m365_use_case", "m365-copilot-usage", "Microsoft 365 app", "usage", "use_case", "same"),
        MappingTable("chatgpt_use_case", "chatgpt-enterprise-users", "ChatGPT (its one use case)", "usage",
                     "use_case", "same"),
        MappingTable("jira_category", "jira-issues", "Jira Label or Issue Type", "support", "category", "other"),
        MappingTable("servicenow_severity", "servicenow-incidents", "ServiceNow priority", "incidents",
                     "severity", "reject"),
        MappingTable("servicenow_status", "servicenow-incidents", "ServiceNow state", "incidents", "status",
                     "reject"),
        MappingTable("servicenow_category", "servicenow-incidents", "ServiceNow category", "incidents",
                     "category", "other"),
        MappingTable("moodle_module", "moodle-completion", "Moodle activity name", "training", "module", "same"),
    )
}


def table_for(preset: str | None, column: str) -> MappingTable | None:
    """The mapping table through which `preset` fills canonical `column` (e.g. a Copilot export's use cases),
    or None when it has none."""
    if preset is None:
        return None
    return next((t for t in TABLES.values()
                 if t.column == column and preset in (p.strip() for p in t.preset.split(","))), None)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """' — did you mean 'x'?' when a choice is close to `value` (the plan check's wording), else ''."""
    found = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" — did you mean {found[0]!r}?" if found else ""


def key_of(value: str) -> str:
    """How a mapping key is matched: trimmed, lower-case, runs of anything but letters and digits as one `_`."""
    return normalise_header(value)


def target_value(table: MappingTable, value: str) -> str:
    """A mapping's value as stored: trimmed and lower-cased (every target is an identifier or enumeration)."""
    return value.strip().lower()


def problems(data: Any) -> list[tuple[tuple[str, ...], str]]:
    """Every problem of a `[mappings]` section as read from TOML: (path parts, message). Unknown tables,
    non-text entries, empty keys, two keys that match the same values, values the target column refuses."""
    if not isinstance(data, Mapping):
        return [((), "should be a table of mapping tables, e.g. [mappings.jira_category]")]
    found: list[tuple[tuple[str, ...], str]] = []
    for name, entries in data.items():
        table = TABLES.get(name)
        if table is None:
            hint = did_you_mean(str(name), list(TABLES)) or f"; the mapping tables are {', '.join(TABLES)}"
            found.append(((name,), f"unknown mapping table{hint}"))
            continue
        if not isinstance(entries, Mapping):
            found.append(((name,), "should be a table of \"export value\" = \"canonical value\" entries"))
            continue
        seen: dict[str, str] = {}
        column = table.target
        for key, value in entries.items():
            where = (name, str(key))
            if not key_of(str(key)):
                found.append((where, "the key has no letters or digits, so it can match no value"))
                continue
            if key_of(str(key)) in seen:
                found.append((where, f"matches the same values as {seen[key_of(str(key))]!r} (case, spaces and "
                                     "punctuation are ignored); keep one of them"))
                continue
            seen[key_of(str(key))] = str(key)
            if not isinstance(value, str) or not value.strip():
                found.append((where, f"should be a non-empty text value in quotes, not {value!r}"))
                continue
            if column.type == "enum" and target_value(table, value) not in column.values:
                hint = did_you_mean(target_value(table, value), column.values) or \
                    f"; use one of {', '.join(column.values)}"
                found.append((where, f"{value!r} is not a valid {table.dataset} {table.column}{hint}"))
    return found


@cache
def defaults() -> dict[str, dict[str, str]]:
    """The shipped default entries of every table, as written in defaults.toml."""
    with DEFAULTS_FILE.open("rb") as f:
        data = tomllib.load(f)
    found = problems(data)
    if found:  # a broken shipped file is a bug, said plainly
        raise RuntimeError("; ".join(f"{'.'.join(p)}: {m}" for p, m in found))
    return {name: dict(data.get(name, {})) for name in TABLES}


def check_overrides(overrides: Mapping[str, Mapping[str, str]] | None, where: str = "") -> None:
    """InputError listing every problem of mappings given to an import (normally the plan's, already checked)."""
    bad = problems(dict(overrides or {}))
    if bad:
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}the plan's mappings: " + "; ".join(f"{'.'.join(p)}: {m}" for p, m in bad))


def effective(name: str, overrides: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, str]:
    """The table `name` as an import uses it: matched key -> canonical value. Canonical values of an
    enumeration map to themselves, then the defaults, then the plan's entries (strongest)."""
    table = TABLES[name]
    user = (overrides or {}).get(name, {})
    check_overrides({name: user})
    column = table.target
    out: dict[str, str] = {key_of(v): v for v in column.values} if column.type == "enum" else {}
    for source in (defaults()[name], user):
        out.update({key_of(k): target_value(table, v) for k, v in source.items()})
    return out


def changed_by_plan(name: str, overrides: Mapping[str, Mapping[str, str]] | None) -> int:
    """How many entries of table `name` the plan sets (new or overriding a default)."""
    return len((overrides or {}).get(name, {}))
