"""The working calendar as the administrator left it in the database."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.workdays import WorkCalendar
from engine.core import reference_cache
from engine.models import CalendarDay, CalendarYear


def load_calendar(session: Session, tz: str) -> WorkCalendar:
    # Two small tables (a few dozen rows a year), read whole. A step and the inbox read them
    # through ``kept_calendar``.
    overrides = {row.day: row.is_workday for row in session.scalars(select(CalendarDay))}
    years = list(session.scalars(select(CalendarYear.year)))
    return WorkCalendar(overrides=overrides, entered_years=years, tz=tz)


def kept_calendar(session: Session, tz: str) -> WorkCalendar:
    """The working calendar, kept per process until an administrator changes it (every process
    sees the change from its next read: engine/core/reference_cache.py)."""
    return reference_cache.cached(session, "calendar", tz, lambda: load_calendar(session, tz))


# The longest limit (60 working days plus a 30-day extension) reaches about this far ahead.
LOOKAHEAD_DAYS = 150


def calendar_warnings(session: Session, tz: str, now: datetime) -> list[str]:
    """Years that deadlines may reach but whose holidays nobody has entered (weekends only)."""
    calendar = load_calendar(session, tz)
    today = now.astimezone(calendar.tz).date()
    return [
        f"{year} 年的法定节假日尚未录入，期限暂按周末计算，请管理员录入当年放假安排 "
        f"(holidays for {year} are not entered; deadlines count weekends only)"
        for year in calendar.uncovered_years(today, today + timedelta(days=LOOKAHEAD_DAYS))
    ]
