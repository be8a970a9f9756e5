"""How moments are written for people (engine/core/timefmt.py)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.core.timefmt import deadline_text, local_time

SH = ZoneInfo("Asia/Shanghai")


def utc(d, h=0, m=0, s=0):
    return datetime(2026, 3, d, h, m, s, tzinfo=timezone.utc)


def test_local_time():
    assert local_time(utc(2, 2, 5), SH) == "2026-03-02 10:05"
    assert local_time(utc(2, 20), SH) == "2026-03-03 04:00"
    assert local_time(None, SH) == "—"


@pytest.mark.parametrize(("when", "text"), [
    # Midnight in Shanghai ends the day before: "24:00" of the last day, as deadlines are written.
    (utc(4, 16), "2026-03-04 24:00"),
    (datetime(2026, 3, 1, 0, 0, tzinfo=SH), "2026-02-28 24:00"),
    (utc(4, 16, 0, 30), "2026-03-05 00:00"),  # half a minute past midnight is the next day
    (utc(5, 1, 30), "2026-03-05 09:30"),
    (utc(5, 0), "2026-03-05 08:00"),  # UTC midnight is not local midnight
    (None, ""),
])
def test_deadline_text(when, text):
    assert deadline_text(when, SH) == text
