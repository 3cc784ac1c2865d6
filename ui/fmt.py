"""Text for people: months, windows, changes, gate rules, and escaping for Streamlit markdown.

Metric values and limits themselves are spelled by metrics.format (the words the gate explanations and
the command line use too), so a number reads the same on every page, in every table and in every explanation.
"""

from __future__ import annotations

import re
from datetime import date

from metrics.format import display_unit, limit_text, value_text, window_label
from metrics.model import Window

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
OP_SYMBOLS = {"<=": "≤", ">=": "≥"}
# Everything CommonMark lets a backslash escape, plus what Streamlit's markdown adds
# (':' for icons, colours and emoji shortcodes; '$' for LaTeX; '~' for strikethrough).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|:$~&=\"'])")


def escape_md(text: object) -> str:
    """`text` as literal characters inside st.markdown / captions / labels (no formatting, no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def month_key(day: date) -> str:
    """'2026-09' for any day of September 2026."""
    return f"{day:%Y-%m}"


def month_label(key: str) -> str:
    """'Sep 2026' for '2026-09'."""
    return f"{MONTH_NAMES[int(key[5:7]) - 1]} {key[:4]}"


def day_label(day: date) -> str:
    """'5 Jan 2026'."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def months_label(first: str, last: str) -> str:
    """'Sep 2026' for one month, 'Jun – Sep 2026' or 'Nov 2025 – Feb 2026' for a range."""
    if first == last:
        return month_label(first)
    if first[:4] == last[:4]:
        return f"{MONTH_NAMES[int(first[5:7]) - 1]} – {month_label(last)}"
    return f"{month_label(first)} – {month_label(last)}"


def window_text(window: Window) -> str:
    """'1 Sep 2026 – 30 Sep 2026, department legal, use case drafting'."""
    return window_label(window, day_label)


def rule_text(metric_id: str, op: str, limit: float | None, currency: str) -> str:
    """'≤ 10%' — a gate's limit with its direction; '' when there is no limit."""
    if limit is None:
        return ""
    return f"{OP_SYMBOLS.get(op, op)} {limit_text(metric_id, limit, currency)}"


def delta_text(metric_id: str, current: float | None, previous: float | None, currency: str) -> str | None:
    """The change from `previous` to `current` with its sign first ('+1.2 pp', '-3.0 h', '+EUR 120.00'),
    as st.metric reads a delta; None when either side has no data. Shares change in percentage points."""
    if current is None or previous is None:
        return None
    diff = current - previous
    sign = "-" if diff < 0 else "+"
    if display_unit(metric_id) == "share":
        return f"{sign}{abs(diff) * 100:.1f} pp"
    return f"{sign}{value_text(metric_id, abs(diff), currency)}"
