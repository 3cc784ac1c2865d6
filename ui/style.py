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
# The retention chart's series: people who came, stayed, came back (above the axis) and left (below it).
RETENTION_COLOURS = {"adoption.new_users": STATUS["pass"].colour, "adoption.retained_users": SERIES,
                     "adoption.returning_users": OUTCOME["redesign"].colour,
                     "adoption.lapsed_users": STATUS["fail"].colour}


def badge_markdown(style: Style) -> str:
    """A coloured badge with icon and word, as Streamlit markdown (':green-badge[:material/x: Pass]')."""
    return f":{style.badge}-badge[{style.icon} {style.label}]"


# The favicon: Material's "fact_check" symbol (Rounded, as Streamlit draws icons), drawn here. Given as
# ":material/fact_check:", Streamlit's page fetches it from fonts.gstatic.com on every run: a request to
# Google that tells it who uses Rollgate, and that a closed network refuses (tests/test_browser.py).
ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 -960 960 960"><path d="'
        "M160 -120Q127 -120 103.5 -143.5Q80 -167 80 -200V-760Q80 -793 103.5 -816.5Q127 -840 160 -840H800"
        "Q833 -840 856.5 -816.5Q880 -793 880 -760V-200Q880 -167 856.5 -143.5Q833 -120 800 -120ZM160 -200H800"
        "V-760H160V-200ZM360 -280Q377 -280 388.5 -291.5Q400 -303 400 -320Q400 -337 388.5 -348.5"
        "Q377 -360 360 -360H240Q223 -360 211.5 -348.5Q200 -337 200 -320Q200 -303 211.5 -291.5"
        "Q223 -280 240 -280ZM582 -473 553 -502Q541 -514 525 -513.5Q509 -513 497 -501Q486 -489 485.5 -473"
        "Q485 -457 497 -445L554 -388Q566 -376 582 -376Q598 -376 610 -388L752 -530Q764 -542 764 -558"
        "Q764 -574 752 -586Q740 -598 723.5 -598Q707 -598 695 -586ZM360 -440Q377 -440 388.5 -451.5"
        "Q400 -463 400 -480Q400 -497 388.5 -508.5Q377 -520 360 -520H240Q223 -520 211.5 -508.5"
        "Q200 -497 200 -480Q200 -463 211.5 -451.5Q223 -440 240 -440ZM360 -600Q377 -600 388.5 -611.5"
        "Q400 -623 400 -640Q400 -657 388.5 -668.5Q377 -680 360 -680H240Q223 -680 211.5 -668.5"
        "Q200 -657 200 -640Q200 -623 211.5 -611.5Q223 -600 240 -600Z"
        '"/></svg>')
