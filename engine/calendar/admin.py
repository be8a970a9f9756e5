"""The administrator's working calendar: holidays, make-up workdays, years entered in full.

Changing a day changes the deadlines of cases whose time limit runs across it: every waiting
timer due on or after that day is evaluated again (its diagram expression on its own task data)
with the new calendar, and moved when the result differs; a timer whose stored due moment the old
calendar would not have given (set under other rules) is left alone. The day is saved with a
``calendar_job`` row; engine/calendar/jobs.py then moves the deadlines in batches, one
transaction each (``at_once``: all of them in the caller's transaction, as before batches).
"""
from __future__ import annotations

import calendar as _monthcal
from dataclasses import dataclass, field
from datetime import date

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.jobs import run_in, start_job, unfinished_job
from engine.calendar.store import load_calendar
from engine.calendar.workdays import _base_year
from engine.core.errors import GreenloopError
from engine.core.runtime import Runtime
from engine.models import AuditEvent
from engine.models.audit import CalendarDay, CalendarYear

# Years the editor offers; chinese-calendar's data starts in 2004.
FIRST_YEAR, LAST_YEAR = 2004, 2100


class CalendarError(GreenloopError):
    pass


@dataclass
class CalendarChange:
    day: date
    is_workday: bool
    changed: bool  # False when the day already was what was asked (only the note changed)
    recomputed: list[int] = field(default_factory=list)  # case ids whose deadlines moved (at_once)
    job_id: int | None = None  # the job moving the deadlines (engine/calendar/jobs.py)


def default_is_workday(day: date) -> bool:
    """What the shipped data says (weekends only for years it does not know)."""
    return _base_year(day.year)[1][day.toordinal() - date(day.year, 1, 1).toordinal()]


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarError(f"年份须在 {FIRST_YEAR}–{LAST_YEAR} 之间 (year must be {FIRST_YEAR}–{LAST_YEAR})")
    return year


def set_day(session: Session, runtime: Runtime, day: date, is_workday: bool, actor: str, note: str | None = None,
            *, at_once: bool = False) -> CalendarChange:
    """Make ``day`` a working day or a rest day, and start moving the deadlines that run across
    it: a calendar job (engine/calendar/jobs.py) the caller runs after committing, or, with
    ``at_once``, runs to its end in this transaction. Refused while another change's job runs
    (its old calendar would no longer be today's with its day put back)."""
    check_year(day.year)
    if unfinished_job(session) is not None:
        raise CalendarError("上一次日历调整的期限重新计算尚未完成，请稍候再改 "
                            "(the deadlines of the last change are still being recomputed)")
    note = (note or "").strip()[:200] or None
    before = load_calendar(session, runtime.timezone)
    was = before.is_workday(day)
    row = session.get(CalendarDay, day)
    if is_workday == default_is_workday(day) and note is None:
        # Back to what the shipped data says: no override left to explain.
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = CalendarDay(day=day, is_workday=is_workday)
            session.add(row)
        row.is_workday, row.note, row.updated_by = is_workday, note, actor
    session.flush()
    change = CalendarChange(day, is_workday, changed=was != is_workday)
    detail = {"day": day.isoformat(), "is_workday": is_workday, "was_workday": was, "note": note}
    if change.changed:
        job = start_job(session, runtime, day, is_workday, was, actor)
        change.job_id = job.id
        if at_once:
            change.recomputed = run_in(session, runtime, job, limit=None)
            detail["recomputed_cases"] = len(change.recomputed)
        detail["job_id"] = job.id
    else:
        detail["recomputed_cases"] = 0
    session.add(AuditEvent(at=runtime.now(), actor=actor, kind="calendar_day_set", detail=detail))
    return change


def set_year_entered(session: Session, runtime: Runtime, year: int, entered: bool, actor: str, note: str | None = None) -> None:
    """Declare that a year's holidays are (or are no longer) entered in full.

    Only the warning about guessed years depends on this; no day changes, so no deadline moves.
    """
    check_year(year)
    row = session.get(CalendarYear, year)
    if entered and row is None:
        session.add(CalendarYear(year=year, note=(note or "").strip() or None))
    elif not entered and row is not None:
        session.delete(row)
    session.add(AuditEvent(at=runtime.now(), actor=actor, kind="calendar_year_set",
                           detail={"year": year, "entered": entered}))


# ---------------------------------------------------------------- the year as a month grid


@dataclass
class DayCell:
    day: date
    is_workday: bool
    weekend: bool
    overridden: bool
    note: str | None
    holiday_name: str | None

    @property
    def kind(self) -> str:
        """holiday (rest on a weekday), makeup (work on a weekend), workday or weekend."""
        if self.weekend:
            return "makeup" if self.is_workday else "weekend"
        return "workday" if self.is_workday else "holiday"


@dataclass
class YearView:
    year: int
    months: list[list[list[DayCell | None]]]  # month → weeks (Mon first) → cell or padding
    covered_by_data: bool
    entered: bool
    overrides: list[CalendarDay]


def _holiday_name(day: date) -> str | None:
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if holiday and name else None


def year_view(session: Session, tz: str, year: int) -> YearView:
    check_year(year)
    cal = load_calendar(session, tz)
    overrides = {row.day: row for row in session.scalars(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day))}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in _monthcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([DayCell(d, cal.is_workday(d), d.weekday() >= 5, d in overrides,
                                  overrides[d].note if d in overrides else None, _holiday_name(d))
                          if d.month == month else None for d in week])
        months.append(weeks)
    return YearView(year=year, months=months, covered_by_data=_base_year(year)[0],
                    entered=session.get(CalendarYear, year) is not None, overrides=list(overrides.values()))
