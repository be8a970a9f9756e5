"""The progress-check reminder (workflows/bpmn/leader_check.bpmn) fires on the next check date's
morning, by the real timer worker on the injected clock, and only the owning leader sees it."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine.core.errors import FormInvalid
from engine.leadership import records
from engine.leadership.reminders import next_check_reminder
from engine.models import LeaderRecord, Notification, ProcessInstance, Task
from engine.org.scopes import leader_case_scope, may_work, task_scope
from engine.work.inbox import inbox_page
from engine.work.tasks import complete_task
from tests.engine.leadership.conftest import add_second_leader, staff


def _check(env, case, next_check, decisions="调度决定"):
    leader = staff(env, "leader")
    return env.run(records.record_check, case.id, actor="leader", scope=leader_case_scope(leader),
                   held_on="2026-03-02", decisions=decisions, next_check=next_check)


def _settle(env):
    """Let the case's own early timers (the 12345 sign-for and return windows, engine/cases/norms.py)
    fire first, so the counts below are the reminder's alone."""
    env.at("2026-03-06T00:00:00+00:00")


def _reminders(env, case):
    return [t for t in env.ready(case) if t.spec == "lc_remind"]


def _inbox(env, username):
    member = staff(env, username)
    with env.db.read() as s:
        page = inbox_page(s, task_scope(member), view="group", user_id=member.id, now=env.clock.now(),
                          tz="Asia/Shanghai")
    return [row.task.spec for row in page.rows]


def test_the_reminder_fires_on_the_morning_of_the_next_check_for_the_owner_alone(env, owned):
    _settle(env)
    add_second_leader(env)
    _check(env, owned, "2026-03-09")
    with env.db.read() as s:
        instance = next_check_reminder(s, owned.id)
        # 09:00 Shanghai on Monday 9 March.
        assert instance.next_timer_due == datetime(2026, 3, 9, 1, 0, tzinfo=timezone.utc)
    assert env.at("2026-03-09T00:59:00+00:00") == 0
    assert _reminders(env, owned) == []
    assert env.at("2026-03-09T01:00:01+00:00") == 1
    [task] = _reminders(env, owned)
    leader = staff(env, "leader")
    assert (task.name, task.candidate_group, task.tier, task.assignee_id, task.reserved_for_id) == (
        "调度提醒", "supervisor", 4, leader.id, leader.id)
    assert "lc_remind" in _inbox(env, "leader")
    # Another leader of the same tier, the supervision section and a handler never see it.
    for username in ("leader2", "supervisor", "handler"):
        assert "lc_remind" not in _inbox(env, username)
        assert not may_work(staff(env, username), task)
    assert may_work(staff(env, "admin"), task)
    with env.db.read() as s:
        told = s.scalars(select(Notification.user_id).where(Notification.title.contains("调度提醒"))).all()
    assert told == [leader.id]
    # The timer's firing is in the case timeline.
    assert [e.detail["element"] for e in env.audit(owned, "timer_fired")][-1:] == ["lc_wait"]


def test_completing_the_reminder_records_the_check_and_schedules_the_next(env, owned):
    _check(env, owned, "2026-03-04")
    env.at("2026-03-04T01:00:01+00:00")
    [task] = _reminders(env, owned)
    # A next date that is not after today is a field error; nothing is recorded.
    with pytest.raises(FormInvalid) as refused:
        env.run(complete_task, task.id, {"decisions": "x", "next_check": "2026-03-04"}, "leader")
    assert list(refused.value.errors) == ["next_check"]
    env.run(complete_task, task.id, {"decisions": "监测数据已达标，继续跟踪", "next_check": "2026-03-11"}, "leader")
    with env.db.read() as s:
        rows = s.scalars(select(LeaderRecord).order_by(LeaderRecord.id)).all()
        assert [(r.held_on.isoformat(), r.next_check.isoformat()) for r in rows] == [
            ("2026-03-02", "2026-03-04"), ("2026-03-04", "2026-03-11")]
        assert rows[1].content["decisions"] == "监测数据已达标，继续跟踪"
        assert next_check_reminder(s, owned.id).next_timer_due == datetime(2026, 3, 11, 1, 0, tzinfo=timezone.utc)
    assert len(env.audit(owned, "leader_check")) == 2
    assert _reminders(env, owned) == []
    env.at("2026-03-11T01:00:01+00:00")
    [again] = _reminders(env, owned)
    # No next date: the reminder ends.
    env.run(complete_task, again.id, {"decisions": "已办结，不再调度"}, "leader")
    with env.db.read() as s:
        assert next_check_reminder(s, owned.id) is None


def test_recording_a_check_replaces_the_waiting_reminder(env, owned):
    _settle(env)
    _check(env, owned, "2026-03-09")
    _check(env, owned, "2026-03-16")
    with env.db.read() as s:
        statuses = s.scalars(select(ProcessInstance.status).where(ProcessInstance.case_id == owned.id,
                                                                  ProcessInstance.id != env_main(s, owned))
                             .order_by(ProcessInstance.id)).all()
        assert statuses == ["completed", "running"]
    assert env.at("2026-03-09T02:00:00+00:00") == 0
    assert _reminders(env, owned) == []
    # Without a next date, no reminder waits at all; a reminder task already due is withdrawn.
    env.at("2026-03-16T02:00:00+00:00")
    assert len(_reminders(env, owned)) == 1
    _check(env, owned, None)
    assert _reminders(env, owned) == []
    with env.db.read() as s:
        assert s.scalar(select(Task.state).where(Task.spec == "lc_remind")) == "cancelled"


def env_main(s, case):
    from engine.models import ProcessDefinition

    return s.scalar(select(ProcessInstance.id).join(ProcessDefinition)
                    .where(ProcessInstance.case_id == case.id, ProcessDefinition.process_id == "complaint"))


def test_no_reminder_once_the_leader_let_the_case_go(env, owned):
    _settle(env)
    from engine.org.scopes import case_scope
    from engine.work.board_actions import release_ownership

    _check(env, owned, "2026-03-09")
    leader = staff(env, "leader")
    env.run(release_ownership, owned.id, user_id=leader.id, actor="leader", scope=case_scope(leader))
    assert env.at("2026-03-09T02:00:00+00:00") == 1
    assert _reminders(env, owned) == []
    with env.db.read() as s:
        assert next_check_reminder(s, owned.id) is None
