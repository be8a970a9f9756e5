"""The working calendar as the administrator left it in the database."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CalendarDay, CalendarYear
from .workdays import WorkCalendar


def load_calendar(session: Session, tz: str) -> WorkCalendar:
    # Two small tables (a few dozen rows a year): read per step so that every process sees an
    # administrator's change at once, with no cache to invalidate across processes.
    overrides = {row.day: row.is_workday for row in session.scalars(select(CalendarDay))}
    years = list(session.scalars(select(CalendarYear.year)))
    return WorkCalendar(overrides=overrides, entered_years=years, tz=tz)
