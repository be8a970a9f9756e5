"""Deadlines, four colours and escalation through every tier, by moving the injected clock."""
from datetime import datetime, timezone

from sqlalchemy import select

from engine.models import Notification, User


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_assignment_overdue_across_national_day_escalates_through_every_tier(env):
    # Wednesday 30 September 2026, 10:00 Shanghai: the day before the National Day holiday.
    env.clock.set(utc(2026, 9, 30, 2, 0))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    c = env.case(case)
    # Assignment has 1 working day; 1–7 October are holidays, so day 1 is Thursday 8 October
    # and the limit ends at its 24:00 Shanghai time. With one day, the warning comes at the
    # end of the start day (one working day left).
    assert (c.stage, c.colour, c.tier) == ("assign", "blue", 1)
    assert c.stage_due == utc(2026, 10, 8, 16, 0)
    assert c.stage_warn == utc(2026, 9, 30, 16, 0)
    assert env.instance(case).next_timer_due == utc(2026, 9, 30, 16, 0)

    assert env.at("2026-09-30T15:59:59+00:00") == 0
    assert env.case(case).colour == "blue"
    assert env.at("2026-09-30T16:00:01+00:00") == 1
    c = env.case(case)
    assert c.colour == "yellow" and env.task(case, "assign").colour == "yellow"
    assert env.instance(case).next_timer_due == utc(2026, 10, 8, 16, 0)

    # Through the whole holiday nothing more happens.
    assert env.at("2026-10-08T15:00:00+00:00") == 0
    assert env.at("2026-10-08T16:00:01+00:00") == 1
    c = env.case(case)
    assert (c.colour, c.tier) == ("red", 2)
    supervise = [t for t in env.ready(case) if t.spec == "supervise"]
    assert [(t.tier, t.candidate_group, t.colour) for t in supervise] == [(2, "supervisor", "red")]
    # Next tier after 3 more working days from Friday 9 October: Saturday 10 October is a
    # make-up workday, Sunday 11 is not, so Monday 12 and Tuesday 13 complete the three.
    assert supervise[0].due_at == utc(2026, 10, 13, 16, 0)
    assert env.task(case, "assign").colour == "red"

    assert env.at("2026-10-13T16:00:01+00:00") == 1
    assert env.case(case).tier == 3
    newest = max((t for t in env.ready(case) if t.spec == "supervise"), key=lambda t: t.tier)
    assert (newest.tier, newest.due_at) == (3, utc(2026, 10, 19, 16, 0))  # Wed 14, Thu 15, Fri 16 … Mon 19

    assert env.at("2026-10-19T16:00:01+00:00") == 1
    c = env.case(case)
    assert c.tier == 4
    with env.db.read() as s:
        leader = s.scalars(select(User).where(User.username == "leader")).one()
        notified = list(s.scalars(select(Notification).where(Notification.case_id == case.id,
                                                             Notification.kind == "escalation")
                                  .order_by(Notification.id)))
    assert c.leader_owner_id == leader.id  # 领导包案
    assert [n.tier for n in notified] == [2, 3, 4]
    assert sorted(t.tier for t in env.ready(case) if t.spec == "supervise") == [2, 3, 4]
    # Top tier reached: no further escalation timer.
    assert env.instance(case).next_timer_due is None
    assert env.at("2026-12-01T00:00:00+00:00") == 0

    escalations = [(e.detail["from_tier"], e.detail["to_tier"]) for e in env.audit(case, "escalated")]
    assert escalations == [(1, 2), (2, 3), (3, 4)]
    assert all(e.detail["overdue_since"] == "2026-10-08T16:00:00+00:00" for e in env.audit(case, "escalated"))

    # Finishing the stage clears its supervision tasks; the case is closed late, not on time.
    env.complete(case, "assign", {"action": "assign", "department": "air"})
    assert [t.spec for t in env.ready(case)] == ["handle"]
    assert env.case(case).colour == "blue"
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})
    assert env.case(case).closed_on_time is False


def test_supervisor_records_supervision_opinion(env):
    env.clock.set(utc(2026, 9, 30, 2, 0))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    env.at("2026-10-08T16:00:01+00:00")
    env.complete(case, "supervise", {"opinion": "请于三个工作日内完成交办"}, actor="town")
    done = [e for e in env.audit(case, "task_completed") if e.detail["task"] == "supervise"]
    assert done[0].actor == "town" and done[0].detail["data"] == {"opinion": "请于三个工作日内完成交办"}
    assert [t.spec for t in env.ready(case)] == ["assign"]


def test_handling_deadline_is_counted_in_working_days_over_weekends(env):
    # Friday 6 March 2026, 17:00 Shanghai.
    env.clock.set(utc(2026, 3, 6, 9, 0))
    case = env.register()
    c = env.case(case)
    # Receive: 15 working days; Friday does not count, day 1 is Monday 9 March → Friday 27 March.
    assert c.stage_due == utc(2026, 3, 27, 16, 0)
    # Warning with 3 working days left (20% of 15): end of Tuesday 24 March.
    assert c.stage_warn == utc(2026, 3, 24, 16, 0)
    env.accept_and_assign(case)
    # Handling: 60 working days from acceptance, skipping Qingming (4–6 April) and May Day
    # (1–5 May), with Saturday 9 May worked: Wednesday 3 June.
    assert env.case(case).stage_due == utc(2026, 6, 3, 16, 0)


def test_admin_holiday_override_moves_new_deadlines(env):
    from engine.models import CalendarDay

    with env.db.write() as s:
        s.add(CalendarDay(day=datetime(2026, 3, 3).date(), is_workday=False, note="临时停工"))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    # Without the override day 1 would be Tuesday 3 March.
    assert env.case(case).stage_due == utc(2026, 3, 4, 16, 0)


def test_uncovered_holiday_year_is_reported_until_the_administrator_enters_it(env):
    from engine.calendar.store import calendar_warnings
    from engine.models import CalendarYear

    env.clock.set(utc(2026, 11, 23, 2, 0))
    with env.db.read() as s:
        warnings = calendar_warnings(s, "Asia/Shanghai", env.clock.now())
    assert len(warnings) == 1 and "2027" in warnings[0]
    with env.db.write() as s:
        s.add(CalendarYear(year=2027, note="国务院办公厅2027年放假安排"))
    with env.db.read() as s:
        assert calendar_warnings(s, "Asia/Shanghai", env.clock.now()) == []
