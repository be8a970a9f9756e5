"""How moments are written for people: local time, and deadlines the statutory way."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def local_time(when: datetime | None, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "—"


def deadline_parts(when: datetime, tz: ZoneInfo) -> tuple[date, int, int]:
    """The local day, hour and minute a limit is written with: a limit ending at midnight is the
    end of its last day, hour 24 of that day, as Chinese deadlines are counted (not 00:00 of the
    day after). The one place of this rule, for pages, messages and documents alike."""
    moment = when.astimezone(tz)
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return (moment - timedelta(days=1)).date(), 24, 0
    return moment.date(), moment.hour, moment.minute


def deadline_text(when: datetime | None, tz: ZoneInfo) -> str:
    """"2026-03-04 24:00" for a limit ending at midnight (``deadline_parts``); empty when there
    is none."""
    if when is None:
        return ""
    day, hour, minute = deadline_parts(when, tz)
    return f"{day.isoformat()} {hour:02d}:{minute:02d}"
