"""Rejected rows as the file had them, to fix in a spreadsheet and import again.

The store keeps one reject per problem (line, column, reason) with the row as written (`raw`, a JSON object
of the file's header → cell text). A person fixing them wants the other shape: one row per rejected line,
in the file's own columns and order, with the line number and every reason of that line beside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from loaders.ingest import RejectRow

LINE, REASON = "line", "reason"


@dataclass(frozen=True)
class RejectedRows:
    """The rejected lines as a table: `columns` (the file's own, then the line and the reasons) and one row
    per line, in file order."""

    columns: list[str]
    rows: list[dict[str, object]]


def _free(name: str, taken: set[str]) -> str:
    """`name`, or 'rejected <name>' when the file has a column of that name already."""
    return name if name not in taken else f"rejected {name}"


def as_written(rejects: Iterable[RejectRow]) -> RejectedRows:
    """One row per rejected line: its cells as written under the file's headers (every header any rejected
    row has, in the order the file has them), the line number, and its reasons joined ('column: reason; …')."""
    headers: dict[str, None] = {}
    lines: dict[int | None, dict[str, object]] = {}
    reasons: dict[int | None, list[str]] = {}
    for r in rejects:
        cells = json.loads(r.raw) if r.raw else {}
        headers.update(dict.fromkeys(cells))
        lines.setdefault(r.line, {}).update(cells)
        reasons.setdefault(r.line, []).append(f"{r.column}: {r.reason}" if r.column else r.reason)
    line, reason = _free(LINE, set(headers)), _free(REASON, set(headers))
    rows = [{**cells, line: number, reason: "; ".join(reasons[number])} for number, cells in lines.items()]
    return RejectedRows([*headers, line, reason], rows)
