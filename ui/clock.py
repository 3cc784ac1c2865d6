"""Times shown to people: in the viewer's own time zone (the browser's, st.context.timezone), with the UTC time
Rollgate stores a hover away. Where the zone is unknown (a test, an old browser) times read in UTC, saying so."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from metrics.format import day_label


def viewer_zone() -> ZoneInfo | None:
    """The browser's time zone, or None when it is not known."""
    name = st.context.timezone
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # a record's '2026-12-07T19:11:32Z'
        moment = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # stored times are UTC


def local_text(moment: datetime | str) -> str:
    """'7 Dec 2026, 20:11' in the viewer's zone; '7 Dec 2026, 19:11 UTC' when the zone is unknown."""
    zone = viewer_zone()
    at = _aware(moment).astimezone(zone or UTC)
    return f"{day_label(at.date())}, {at:%H:%M}" + ("" if zone else " UTC")


def utc_text(moment: datetime | str) -> str:
    """'2026-12-07 19:11:32 UTC': the stored time, for a hover."""
    return f"{_aware(moment).astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def zone_note() -> str:
    """For a table's column help: which zone its times are shown in."""
    zone = viewer_zone()
    return f"In your time zone ({zone.key}); stored in UTC." if zone else "In UTC (your time zone is not known)."
