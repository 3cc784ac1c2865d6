"""Edits of a plan's text that keep the rest of it as the person wrote it (comments, order, layout).

Writing the plan model back (gates.plan_toml) drops comments; a small edit from a page — a mapping entry
added on Upload — should not. Each edit returns the new text, which the caller checks (gates.plan_io.check_text)
before saving it; an edit that cannot be made in place raises InputError saying where to make it instead.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping

from core.errors import InputError
from gates.plan_toml import key_text, string_text
from loaders.presets.mappings import key_of


def _header(table: str) -> re.Pattern[str]:
    """A line `[mappings.<table>]` (the table's name bare or quoted), with spaces and a comment allowed."""
    name = re.escape(table)
    return re.compile(rf'^\s*\[\s*mappings\s*\.\s*(?:{name}|"{name}")\s*\]\s*(?:#.*)?$', re.MULTILINE)


def with_mappings(text: str, table: str, entries: Mapping[str, str]) -> str:
    """`text` with `entries` (export value → canonical value) in its [mappings.<table>] section: after that
    section's header when the plan has one, else in a new section at the end. An entry whose key the section
    already has is refused (InputError): changing an entry is an edit of the plan, on the Plan page."""
    if not entries:
        return text
    current = tomllib.loads(text).get("mappings", {}).get(table, {})
    written = {key_of(k) for k in current}  # keys match without regard to case, spaces or punctuation
    taken = sorted(k for k in entries if key_of(k) in written)
    if taken:
        raise InputError(f"The plan already maps {', '.join(repr(k) for k in taken)} in [mappings.{table}]; change "
                         "that entry on the Plan page.")
    lines = "".join(f"{key_text(k)} = {string_text(v)}\n" for k, v in entries.items())
    found = _header(table).search(text)
    if found is not None:
        end = found.end() + 1 if found.end() < len(text) else found.end()
        head = text[:end] if text[:end].endswith("\n") else text[:end] + "\n"
        return head + lines + text[end:]
    if isinstance(tomllib.loads(text).get("mappings", {}).get(table), dict) and current:
        raise InputError(f"The plan writes [mappings.{table}] in a form Rollgate cannot add to; add the entries on "
                         "the Plan page.")
    return text.rstrip("\n") + f"\n\n[mappings.{table}]\n" + lines
