"""'Did you mean …?' for names a user mistyped: metric ids, keys, use cases, departments."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from metrics.registry import REGISTRY


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The choice most like `value` (difflib ratio at least 0.6), or None."""
    found = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """' — did you mean 'x'?' when a choice is close to `value`, else ''."""
    best = closest(value, choices)
    return f" — did you mean {best!r}?" if best else ""


def unknown_metric_message(metric_id: str) -> str:
    """The message for a metric id the registry does not know, with the nearest id when there is one."""
    hint = did_you_mean(metric_id, REGISTRY) or "; a metric id is family.name, such as 'quality.error_rate'"
    return f"unknown metric {metric_id!r}{hint}"
