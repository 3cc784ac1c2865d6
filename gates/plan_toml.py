"""Writing plan data as TOML, laid out like data/plan.toml.

The writer is small and knows only a plan's shapes (tables, arrays of tables, strings, numbers,
booleans, dates and lists of them); comments are not kept. It takes plain data, not the model, so
the model (gates/plan.py) can write itself without importing the plan files' reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_INLINE_LIST_WIDTH = 100


def dumps(data: Mapping[str, Any]) -> str:
    """`data` as TOML text: plain keys first, then each table and array of tables under its header."""
    lines: list[str] = []
    _table(data, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _table(data: Mapping[str, Any], prefix: str, lines: list[str]) -> None:
    indent = "  " * prefix.count(".")
    subtables = {k: v for k, v in data.items() if isinstance(v, Mapping) or _is_table_array(v)}
    for key, value in data.items():
        if key not in subtables:
            lines.append(f"{indent}{key_text(key)} = {_value(value, indent)}")
    for key, value in subtables.items():
        name = f"{prefix}.{key_text(key)}" if prefix else key_text(key)
        child_indent = "  " * name.count(".")
        if isinstance(value, Mapping):
            if not value or not all(isinstance(v, Mapping) for v in value.values()):
                lines += ["", f"{child_indent}[{name}]"]  # a table of tables only needs its children's headers
            _table(value, name, lines)
        else:
            for item in value:
                lines += ["", f"{child_indent}[[{name}]]"]
                _table(item, name, lines)


def key_text(key: str) -> str:
    return key if _BARE_KEY.match(key) else string_text(key)


def string_text(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any, indent: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # reads back as the same float; "0" reads better than "0.0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return string_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        items = [_value(v, indent) for v in value]
        inline = "[" + ", ".join(items) + "]"
        if len(indent) + len(inline) <= _INLINE_LIST_WIDTH:
            return inline
        return "[\n" + "".join(f"{indent}  {item},\n" for item in items) + f"{indent}]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
