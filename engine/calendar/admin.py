"""The administrator's working calendar: holidays, make-up workdays, years entered in full.

Changing a day changes the deadlines of cases whose time limit runs across it. In the same
transaction as the change, every waiting timer due on or after that day is evaluated again
(its diagram expression on its own task data) with the new calendar, and moved when the result
differs; a timer whose stored due moment the old calendar would not have given (set under other
rules) is left alone. Either the day and every recomputed deadline are saved, or nothing is.
"""
from __future__ import annotations

import calendar as _monthcal
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone

import chinese_calendar
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition, TimerEventDefinition
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from engine.calendar.store import load_calendar
from engine.calendar.workdays import WorkCalendar, _base_year
from engine.core.errors import GreenloopError
from engine.core.projection import timer_due, waiting_timers
from engine.core.runtime import Runtime
from engine.models import AuditEvent, Case, ProcessInstance, Task
from engine.models.audit import CalendarDay, CalendarYear

log = logging.getLogger(__name__)

# Years the editor offers; chinese-calendar's data starts in 2004.
FIRST_YEAR, LAST_YEAR = 2004, 2100


class CalendarError(GreenloopError):
    pass


@dataclass
class CalendarChange:
    day: date
    is_workday: bool
    changed: bool  # False when the day already was what was asked (only the note changed)
    recomputed: list[int] = field(default_factory=list)  # case ids whose deadlines moved


class _Unchanged(Exception):
    """Raised inside a step that found nothing to move, so its savepoint is rolled back."""


def default_is_workday(day: date) -> bool:
    """What the shipped data says (weekends only for years it does not know)."""
    return _base_year(day.year)[1][day.toordinal() - date(day.year, 1, 1).toordinal()]


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarError(f"年份须在 {FIRST_YEAR}–{LAST_YEAR} 之间 (year must be {FIRST_YEAR}–{LAST_YEAR})")
    return year


def set_day(session: Session, runtime: Runtime, day: date, is_workday: bool, actor: str, note: str | None = None) -> CalendarChange:
    """Make ``day`` a working day or a rest day, and move the deadlines that run across it."""
    check_year(day.year)
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
    if change.changed:
        change.recomputed = _recompute(session, runtime, before, day, actor)
    session.add(AuditEvent(at=runtime.now(), actor=actor, kind="calendar_day_set", detail={
        "day": day.isoformat(), "is_workday": is_workday, "was_workday": was, "note": note,
        "recomputed_cases": len(change.recomputed)}))
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


# ---------------------------------------------------------------- moving deadlines


def _start_of(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def _candidates(session: Session, since: datetime) -> list[int]:
    """Running instances that may have a timer due on or after ``since``.

    Every stage deadline shows as the case's stage due or a ready task's due, and the earliest
    timer as next_timer_due, so this finds them without opening every workflow.
    """
    task_due = exists().where(Task.instance_id == ProcessInstance.id, Task.state == "ready", Task.due_at >= since)
    query = (select(ProcessInstance.id).outerjoin(Case, Case.id == ProcessInstance.case_id)
             .where(ProcessInstance.status == "running", ProcessInstance.next_timer_due.is_not(None),
                    or_(ProcessInstance.next_timer_due >= since, Case.stage_due >= since, task_due))
             .order_by(ProcessInstance.id))
    return list(session.scalars(query))


def _recompute(session: Session, runtime: Runtime, before: WorkCalendar, day: date, actor: str) -> list[int]:
    since = _start_of(day, before.tz)
    moved: list[int] = []
    for instance_id in _candidates(session, since):
        instance = runtime.lock_instance(session, instance_id)
        case = session.get(Case, instance.case_id) if instance.case_id else None
        try:
            with session.begin_nested():
                runtime.step(session, instance, case, actor, _mover(runtime, session, instance.id, before, since, day))
        except _Unchanged:
            continue
        if case is not None:
            moved.append(case.id)
    return moved


def _mover(runtime: Runtime, session: Session, instance_id: int, before: WorkCalendar, since: datetime, day: date):
    def move(workflow, ctx) -> None:
        old_engine = runtime.script_engine(replace(ctx, calendar=before, audit=[], notices=[]))
        changes: dict[datetime, datetime] = {}
        details = []
        for task in waiting_timers(workflow):
            definition = task.task_spec.event_definition
            due = timer_due(task)
            # Duration and cycle timers count clock time from when they started: no calendar.
            if not isinstance(definition, TimeDateEventDefinition) or due is None or due < since:
                continue
            stored = task._get_internal_data("event_value")
            try:
                if old_engine.evaluate(task, definition.expression) != stored:
                    continue
                value = workflow.script_engine.evaluate(task, definition.expression)
            except Exception:  # noqa: BLE001 - this evaluated when the timer started; keep its due
                log.warning("timer %s of instance %s not re-evaluated", task.task_spec.bpmn_id, instance_id,
                            exc_info=True)
                continue
            if value == stored:
                continue
            task._set_internal_data(event_value=value)
            changes[due] = TimerEventDefinition.get_datetime(value)
            details.append({"element": task.task_spec.bpmn_id, "old": due.isoformat(),
                            "new": changes[due].isoformat()})
        if not changes:
            raise _Unchanged
        # Task rows keep the limit they were created with (projection.sync), so move them here.
        for row in session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")):
            row.due_at = changes.get(row.due_at, row.due_at)
            row.warn_at = changes.get(row.warn_at, row.warn_at)
        ctx.record("deadline_recomputed", day=day.isoformat(), changes=details)

    return move


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
