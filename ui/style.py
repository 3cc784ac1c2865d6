"""How statuses and outcomes look, in one place, so a page, a chart and a table always agree.

A status is never shown by colour alone: every style has a word and a symbol (a Unicode
symbol for tables and chart hovers, the matching Material icon for Streamlit elements, and a
marker shape for charts). Colours are mid-tones chosen to read on light and dark backgrounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.words import NO_GATE, STATUS_WORDS, STATUSES

BadgeColour = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]


@dataclass(frozen=True)
class Style:
    """One status or outcome: its word, symbol, Material icon, badge colour, chart colour and marker."""

    label: str
    symbol: str
    icon: str
    badge: BadgeColour
    colour: str
    marker: str = "circle"

    def text(self) -> str:
        """'✔ Pass': the symbol and the word, for tables and plain text."""
        return f"{self.symbol} {self.label}"


STATUS: dict[str, Style] = {
    "pass": Style(STATUS_WORDS["pass"], "✔", ":material/check_circle:", "green", "#2f9e5e", "circle"),
    "warn": Style(STATUS_WORDS["warn"], "▲", ":material/warning:", "orange", "#e08a00", "triangle-up"),
    "fail": Style(STATUS_WORDS["fail"], "✖", ":material/cancel:", "red", "#d9453d", "x"),
    "insufficient": Style(STATUS_WORDS["insufficient"], "?", ":material/help:", "gray", "#8b93a1", "circle-open"),
    NO_GATE: Style(STATUS_WORDS[NO_GATE], "–", ":material/remove:", "gray", "#8b93a1", "circle"),
}
assert set(STATUSES) <= set(STATUS)

OUTCOME: dict[str, Style] = {
    "proceed": Style("Proceed", "✔", ":material/check_circle:", "green", "#2f9e5e"),
    "continue": Style("Continue", "→", ":material/pending:", "blue", "#3b82c4"),
    "limit": Style("Limit", "▼", ":material/front_hand:", "orange", "#e08a00"),
    "redesign": Style("Redesign", "✎", ":material/build:", "violet", "#8e6cc4"),
    "pause": Style("Pause", "⏸", ":material/pause_circle:", "red", "#d9453d"),
}
# Each outcome has its own symbol (and each status its own), so a word is never needed to tell them apart.
assert len({s.symbol for s in OUTCOME.values()}) == len(OUTCOME)
assert len({s.symbol for s in STATUS.values()}) == len(STATUS)

# Chart colours besides statuses: the measured series, the gate's limit and warn lines, stage bands.
SERIES = "#3b82c4"
LIMIT_LINE = STATUS["fail"].colour
WARN_LINE = STATUS["warn"].colour
BAND_FILLS = ("rgba(128, 128, 128, 0.10)", "rgba(59, 130, 196, 0.10)")
WINDOW_FILL = "rgba(224, 138, 0, 0.08)"


def badge_markdown(style: Style) -> str:
    """A coloured badge with icon and word, as Streamlit markdown (':green-badge[:material/x: Pass]')."""
    return f":{style.badge}-badge[{style.icon} {style.label}]"
