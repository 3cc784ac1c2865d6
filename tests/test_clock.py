"""ui.clock: times in the viewer's time zone, the stored UTC time for a hover."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ui import clock


def test_a_time_reads_in_the_viewers_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "viewer_zone", lambda: ZoneInfo("Europe/Berlin"))
    assert clock.local_text("2026-12-07T19:11:32Z") == "7 Dec 2026, 20:11"
    assert clock.local_text(datetime(2026, 7, 1, 23, 30)) == "2 Jul 2026, 01:30"  # stored naive times are UTC
    assert clock.zone_note() == "In your time zone (Europe/Berlin); stored in UTC."
    assert clock.utc_text("2026-12-07T19:11:32Z") == "2026-12-07 19:11:32 UTC"


def test_without_a_known_zone_times_say_they_are_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "viewer_zone", lambda: None)
    assert clock.local_text(datetime(2026, 12, 7, 19, 11, tzinfo=UTC)) == "7 Dec 2026, 19:11 UTC"
    assert clock.zone_note() == "In UTC (your time zone is not known)."
