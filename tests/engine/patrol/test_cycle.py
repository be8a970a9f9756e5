"""A village point's patrols across a weekend and the Qingming holiday, by the real timer worker
on the injected clock: due every 2 working days, yellow on the last day, red and one tier up
(the town) when the day ends, closed as missed when the next slot ends."""
from datetime import datetime, timezone

from sqlalchemy import select

from engine.models import Notification, User
from engine.org.scopes import may_work, task_scope
from engine.timers.fire import fire_due
from engine.work.inbox import inbox_page
from tests.engine.patrol.conftest import check_in_task, patrols, set_clock, staff, start

UTC = timezone.utc


def _at(env, iso):
    set_clock(env, iso)
    started = start(env)
    return started, fire_due(env.runtime)


def _inbox(env, username):
    member = staff(env, username)
    with env.db.read() as s:
        page = inbox_page(s, task_scope(member), view="group", user_id=member.id, now=env.clock.now(),
                          tz="Asia/Shanghai")
    return [row.task.spec for row in page.rows]


def test_a_missed_patrol_turns_yellow_then_red_and_escalates_one_tier_across_the_holiday(env, point):
    assert start(env) == 1
    [first] = patrols(env)
    # Slot 0 is Thursday and Friday; due by 24:00 Friday 3 April (Shanghai), yellow from 00:00 Friday.
    assert (first.slot, first.status, first.due_at) == (0, "open", datetime(2026, 4, 3, 16, 0, tzinfo=UTC))
    task = check_in_task(env, first)
    officer = staff(env, "gridofficer")
    assert (task.name, task.candidate_group, task.reserved_for_id, task.assignee_id) == (
        "巡查签到", "handler", officer.id, officer.id)
    assert task.due_at == first.due_at and task.colour == "blue"
    assert "pt_check_in" in _inbox(env, "gridofficer")
    # Nobody else's inbox has it, not even a handler of the same department.
    assert "pt_check_in" not in _inbox(env, "handler2")
    assert not may_work(staff(env, "handler2"), task)
    # Exactly once: starting again in the same slot starts nothing.
    assert start(env) == 0

    assert _at(env, "2026-04-02T23:59:00+08:00") == (0, 0)
    assert _at(env, "2026-04-03T00:00:01+08:00") == (0, 1)
    [first] = patrols(env)
    assert first.colour == "yellow" and check_in_task(env, first).colour == "yellow"

    # Friday ends with no check-in: red, and the town (tier 2, 城关镇环保办) is told.
    assert _at(env, "2026-04-04T00:00:01+08:00") == (0, 1)
    [first] = patrols(env)
    assert (first.colour, first.escalated_tier, first.status) == ("red", 2, "open")
    assert check_in_task(env, first).colour == "red"
    with env.db.read() as s:
        told = s.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                         .where(Notification.title.contains("漏巡"))).all()
    assert told == ["town"]

    # Weekend and the Qingming holiday: no new patrol until Tuesday 7 April.
    for moment in ("2026-04-04T10:00:00+08:00", "2026-04-05T10:00:00+08:00", "2026-04-06T10:00:00+08:00"):
        assert _at(env, moment)[0] == 0
    assert _at(env, "2026-04-07T08:00:00+08:00")[0] == 1
    first, second = patrols(env)
    assert second.slot == 1 and second.due_at == datetime(2026, 4, 8, 16, 0, tzinfo=UTC)
    assert second.opens_at == datetime(2026, 4, 6, 16, 0, tzinfo=UTC)
    # The missed one is closed when the next slot ends, its task gone from the inbox.
    assert first.status == "open"
    _at(env, "2026-04-09T00:00:01+08:00")
    first, second = patrols(env)[:2]
    assert (first.status, first.on_time) == ("missed", False)
    assert check_in_task(env, first).state == "cancelled"
    # The second was missed too: escalated when Wednesday ended.
    assert (second.status, second.colour, second.escalated_tier) == ("open", "red", 2)


def test_a_point_s_own_interval_and_the_area_default_twice_a_week(env, point):
    from tests.engine.patrol.conftest import add_point
    add_point(env, name="开发区工地", kind="construction", grid_code="T01-A01", every_days="")
    start(env)
    by_point = {p.point_id: p for p in patrols(env)}
    assert len(by_point) == 2
    area = by_point[max(by_point)]
    # Twice a week = every 2.5 working days: slot 0 ends on working day 3 (Tuesday 7 April).
    assert area.due_at == datetime(2026, 4, 7, 16, 0, tzinfo=UTC)


def test_a_slot_starts_once_even_when_a_second_worker_saw_it_still_due(env, point):
    from engine.core.runtime import in_transaction
    from engine.models import PatrolPoint, ProcessInstance
    from engine.patrol.schedule import start_slot
    assert start(env) == 1
    # A worker that read the point before the first one's commit would try slot 0 again: the
    # unique (point, slot) key refuses it, and no second process starts.
    with env.db.write() as s:
        s.get(PatrolPoint, point.id).next_slot = 0
    assert in_transaction(env.runtime, start_slot, point.id) is None
    assert len(patrols(env)) == 1
    assert env.count(ProcessInstance) == 1


def test_the_worker_s_tick_starts_due_patrols_then_fires_their_timers(env, point):
    from engine.timers.worker import TimerWorker
    worker = TimerWorker(env.runtime)
    worker.tick()
    [first] = patrols(env)
    assert first.slot == 0 and check_in_task(env, first).state == "ready"
    set_clock(env, "2026-04-03T00:00:01+08:00")
    assert worker.tick() == 1  # the warning
    assert patrols(env)[0].colour == "yellow"
