"""How moments are written for people: local time, and deadlines the statutory way."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def local_time(when: datetime | None, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "—"


def deadline_text(when: datetime | None, tz: ZoneInfo) -> str:
    """A limit ending at midnight reads "24:00" of its last day, as Chinese deadlines are
    written (not 00:00 of the day after); empty when there is none."""
    if when is None:
        return ""
    moment = when.astimezone(tz)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return (moment - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    return moment.strftime("%Y-%m-%d %H:%M")
