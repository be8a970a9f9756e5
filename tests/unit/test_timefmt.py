"""How moments are written for people (engine/core/timefmt.py)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.core.timefmt import deadline_parts, deadline_text, local_time

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


@pytest.mark.parametrize(("when", "parts"), [
    (utc(4, 16), (date(2026, 3, 4), 24, 0)),  # local midnight: the end of the 4th
    (datetime(2026, 3, 1, 0, 0, tzinfo=SH), (date(2026, 2, 28), 24, 0)),  # over a month's end
    (datetime(2026, 1, 1, 0, 0, tzinfo=SH), (date(2025, 12, 31), 24, 0)),  # and a year's
    (datetime(2026, 3, 5, 0, 0, 0, 1, tzinfo=SH), (date(2026, 3, 5), 0, 0)),  # a microsecond after: the 5th
    (utc(5, 1, 30), (date(2026, 3, 5), 9, 30)),
])
def test_deadline_parts(when, parts):
    assert deadline_parts(when, SH) == parts


def test_pages_and_documents_write_the_same_midnight_the_same_way():
    from documents.context import fmt_deadline

    assert fmt_deadline(utc(4, 16), SH) == "2026年3月4日24时"
    assert fmt_deadline(utc(5, 1, 30), SH) == "2026年3月5日9时30分"
    assert deadline_text(utc(4, 16), SH) == "2026-03-04 24:00"
