"""An administrator's calendar change moves the deadlines of running cases that run across it
(here all in the change's transaction, ``at_once``; tests/engine/calendar/test_calendar_jobs.py
runs the same in batches)."""
from datetime import date, datetime, timedelta, timezone
from functools import partial

import pytest
from sqlalchemy import select

from engine.calendar.admin import CalendarError, set_day, set_year_entered, year_view
from engine.calendar.store import calendar_warnings, load_calendar
from engine.calendar.workdays import WorkCalendar
from engine.models import AuditEvent
from engine.models.audit import CalendarDay, CalendarYear

set_day_now = partial(set_day, at_once=True)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def handling_case(env):
    case = env.register()
    env.accept_and_assign(case)
    env.sign_for(case)  # 签收: these cases wait in the handling stage for weeks
    assert env.case(case).stage == "handle"
    return case


def test_shipped_deadline_is_what_the_default_calendar_gives(env):
    case = handling_case(env)
    start = env.clock.now()
    c = env.case(case)
    assert c.stage_due == WorkCalendar().deadline(start, days=60)
    assert env.task(case, "handle").due_at == c.stage_due


def test_holiday_inside_the_limit_moves_the_deadline_one_working_day_later(env):
    case = handling_case(env)
    before = env.case(case)
    task_before = env.task(case, "handle")
    # A receive-stage case: its 15-day limit ends on 23 March, before the changed day.
    other = env.register(title="另一件")
    other_before = env.case(other)
    other_state = env.instance(other).state
    assert other_before.stage == "receive" and other_before.stage_due < utc(2026, 4, 14, 16)

    change = env.run(set_day_now, date(2026, 4, 15), False, "admin", note="临时放假")
    assert change.changed and change.recomputed == [case.id]

    after = env.case(case)
    # 15 April (a Wednesday) no longer counts: the limit ends one working day later.
    assert after.stage_due == WorkCalendar(overrides={date(2026, 4, 15): False}).deadline(env.clock.now(), days=60)
    assert after.stage_due > before.stage_due
    # Thursday 28 May 24:00 becomes Friday 29 May 24:00 (Shanghai).
    assert (before.stage_due, after.stage_due) == (utc(2026, 5, 28, 16), utc(2026, 5, 29, 16))
    assert after.stage_warn > before.stage_warn
    task = env.task(case, "handle")
    assert (task.due_at, task.warn_at) == (after.stage_due, after.stage_warn)
    assert task_before.due_at == before.stage_due
    # The earliest waiting timer is the sign-for limit (签收, 1 working day after the assignment,
    # workflows/bpmn/complaint.bpmn), before the stage's warning.
    assert env.instance(case).next_timer_due == min(after.stage_warn, utc(2026, 3, 3, 16))

    # The case whose deadline came before the change is untouched, workflow and all.
    assert env.case(other).stage_due == other_before.stage_due
    assert env.instance(other).state == other_state
    assert env.audit(other, "deadline_recomputed") == []

    [event] = env.audit(case, "deadline_recomputed")
    assert event.actor == "admin" and event.detail["day"] == "2026-04-15"
    moved = {c["element"]: (c["old"], c["new"]) for c in event.detail["changes"]}
    assert moved["stage_handle_deadline"] == (before.stage_due.isoformat(), after.stage_due.isoformat())
    assert moved["stage_handle_warning"] == (before.stage_warn.isoformat(), after.stage_warn.isoformat())
    with env.db.read() as s:
        [set_event] = s.scalars(select(AuditEvent).where(AuditEvent.kind == "calendar_day_set")).all()
        row = s.get(CalendarDay, date(2026, 4, 15))
    assert set_event.detail == {"day": "2026-04-15", "is_workday": False, "was_workday": True,
                                "note": "临时放假", "recomputed_cases": 1, "job_id": set_event.detail["job_id"]}
    assert (row.is_workday, row.note, row.updated_by) == (False, "临时放假", "admin")

    # The timer now fires at the new moment, not the old one.
    tier = before.tier
    env.at((before.stage_due + timedelta(minutes=1)).isoformat())  # the other case fires too
    # (the sign-for and return-window limits of the first working days fired on the way)
    assert sorted(e.detail["element"] for e in env.audit(case, "timer_fired")) == [
        "return_window_timer", "sign_for_timer", "stage_handle_warning"]
    assert env.case(case).tier == tier
    env.at((after.stage_due + timedelta(minutes=1)).isoformat())
    assert env.case(case).tier == tier + 1


def test_make_up_workday_pulls_the_deadline_earlier_and_undoing_it_restores_it(env):
    case = handling_case(env)
    before = env.case(case)
    saturday = date(2026, 4, 18)
    assert saturday.weekday() == 5

    change = env.run(set_day_now, saturday, True, "admin", note="调休上班")
    assert change.recomputed == [case.id]
    earlier = env.case(case)
    assert earlier.stage_due == WorkCalendar(overrides={saturday: True}).deadline(env.clock.now(), days=60)
    assert earlier.stage_due < before.stage_due
    assert env.task(case, "handle").due_at == earlier.stage_due

    # Back to a plain weekend: the override row goes and the deadline returns.
    change = env.run(set_day_now, saturday, False, "admin")
    assert change.recomputed == [case.id]
    assert env.case(case).stage_due == before.stage_due
    with env.db.read() as s:
        assert s.get(CalendarDay, saturday) is None
    assert len(env.audit(case, "deadline_recomputed")) == 2


def test_change_after_every_deadline_or_a_note_only_change_moves_nothing(env):
    case = handling_case(env)
    state = env.instance(case).state
    due = env.case(case).stage_due
    later = due.astimezone(WorkCalendar().tz).date() + timedelta(days=7)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    assert env.run(set_day_now, later, False, "admin").recomputed == []
    assert env.instance(case).state == state and env.case(case).stage_due == due

    # Saying again what the day already is (with a note) is no change to any deadline.
    change = env.run(set_day_now, later, False, "admin", note="补记说明")
    assert change.changed is False and change.recomputed == []
    assert env.audit(case, "deadline_recomputed") == []


def test_urgent_case_counting_hours_is_not_moved(env):
    case = env.register(urgent=True)
    env.accept_and_assign(case)
    due = env.case(case).stage_due
    assert due == env.clock.now() + timedelta(hours=48)
    assert env.run(set_day_now, date(2026, 3, 3), False, "admin").recomputed == []
    assert env.case(case).stage_due == due


def test_year_entered_in_full_and_refusals(env):
    with env.db.read() as s:
        assert any("2027" in w for w in calendar_warnings(s, "Asia/Shanghai", utc(2026, 11, 20)))
    env.run(set_year_entered, 2027, True, "admin")
    with env.db.read() as s:
        assert s.get(CalendarYear, 2027) is not None
        assert not any("2027" in w for w in calendar_warnings(s, "Asia/Shanghai", utc(2026, 11, 20)))
        assert load_calendar(s, "Asia/Shanghai").is_covered(2027)
    env.run(set_year_entered, 2027, False, "admin")
    with env.db.read() as s:
        assert s.get(CalendarYear, 2027) is None
    with pytest.raises(CalendarError):
        env.run(set_day_now, date(1999, 1, 1), False, "admin")
    with pytest.raises(CalendarError):
        env.run(set_year_entered, 3000, True, "admin")


def test_year_view_marks_holidays_and_make_up_days(env):
    env.run(set_day_now, date(2027, 1, 1), False, "admin", note="元旦")
    with env.db.read() as s:
        view = year_view(s, "Asia/Shanghai", 2026)
        view27 = year_view(s, "Asia/Shanghai", 2027)
    cells = {c.day: c for month in view.months for week in month for c in week if c}
    assert len(cells) == 365
    assert cells[date(2026, 10, 1)].kind == "holiday" and cells[date(2026, 10, 1)].holiday_name
    assert cells[date(2026, 10, 10)].kind == "makeup"  # Saturday worked for National Day
    assert cells[date(2026, 3, 2)].kind == "workday" and cells[date(2026, 3, 7)].kind == "weekend"
    assert view.covered_by_data and not view27.covered_by_data
    jan1 = next(c for week in view27.months[0] for c in week if c and c.day == date(2027, 1, 1))
    assert (jan1.kind, jan1.overridden, jan1.note) == ("holiday", True, "元旦")
    assert [week[0] for week in view27.months[0]][0] is None  # 1 Jan 2027 is a Friday: padded week
