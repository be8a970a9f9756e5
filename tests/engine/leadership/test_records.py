"""A leader records progress checks, meetings and visits on a case they own: rows, timeline
events, follow-up tasks with working-day deadlines, and who may record them."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine.cases.read_model import timeline
from engine.core.errors import NotFound
from engine.leadership import records
from engine.leadership.errors import RecordInvalid
from engine.models import Case, LeaderRecord, Notification, Task
from engine.org.scopes import leader_case_scope
from engine.vocabulary import events
from tests.engine.leadership.conftest import add_second_leader, staff, user_id


def test_a_check_is_recorded_with_its_event(env, owned):
    leader = staff(env, "leader")
    row = env.run(records.record_check, owned.id, actor="leader", scope=leader_case_scope(leader),
                  held_on="2026-03-02", decisions="要求三日内完成监测", next_check="2026-03-09")
    assert (row.kind, row.held_on, row.next_check, row.leader_id) == ("check", date(2026, 3, 2), date(2026, 3, 9),
                                                                       leader.id)
    [event] = env.audit(owned, "leader_check")
    assert event.actor == "leader" and event.detail["decisions"] == "要求三日内完成监测"
    with env.db.read() as s:
        [entry] = [e for e in timeline(s, s.get(Case, owned.id)) if e.kind == "leader_check"]
    text = events.render(entry.kind, detail=entry.detail)
    assert text == "包案领导调度（2026-03-02）：要求三日内完成监测；下次调度日期 2026-03-09"
    # The complainant is not told of internal checks.
    assert events.told("leader_check") is None


@pytest.mark.parametrize(("fields", "field", "code"), [
    ({"decisions": " "}, "decisions", "required"),
    ({"decisions": "x" * 2001}, "decisions", "too_long"),
    ({"held_on": "2026-03-03"}, "held_on", "in_future"),
    ({"held_on": "2026-02-01"}, "held_on", "before_case"),
    ({"held_on": "3/2/2026"}, "held_on", "bad_date"),
    ({"next_check": "2026-03-02"}, "next_check", "not_after_today"),
    ({"next_check": "2027-06-01"}, "next_check", "too_far"),
])
def test_a_check_with_bad_input_is_refused_and_changes_nothing(env, owned, fields, field, code):
    leader = staff(env, "leader")
    values = {"held_on": "2026-03-02", "decisions": "决定", "next_check": None, **fields}
    with pytest.raises(RecordInvalid) as refused:
        env.run(records.record_check, owned.id, actor="leader", scope=leader_case_scope(leader), **values)
    assert refused.value.codes(field) == [code]
    assert env.count(LeaderRecord) == 0 and env.audit(owned, "leader_check") == []


def test_only_the_owning_leader_and_administrators_record(env, owned):
    other = env.register(title="另一件")
    for username in ("leader2", "supervisor", "handler"):
        if username == "leader2":
            add_second_leader(env)
        member = staff(env, username)
        with pytest.raises(NotFound):
            env.run(records.record_visit, owned.id, actor=username, scope=leader_case_scope(member),
                    held_on="2026-03-02", place="张家村", visitors="", heard="仍有异味", outcome="")
    admin = staff(env, "admin")
    env.run(records.record_visit, owned.id, actor="admin", scope=leader_case_scope(admin), held_on="2026-03-02",
            place="张家村", visitors="郑国华、吴刚", heard="仍有异味", outcome="承诺一周内整改")
    # A case nobody owns has no leader's records, even for an administrator.
    with pytest.raises(NotFound):
        env.run(records.record_visit, other.id, actor="admin", scope=leader_case_scope(admin),
                held_on="2026-03-02", place="x", visitors="", heard="y", outcome="")
    [event] = env.audit(owned, "leader_visit")
    assert events.render("leader_visit", detail=event.detail) == (
        "包案领导带案下访（2026-03-02）（张家村）；投诉人反映：仍有异味；结果：承诺一周内整改")
    # The complainant is told a leader visited, never what was said.
    assert events.render("leader_visit", events.PUBLIC, detail=event.detail) == "局领导带案下访，当面听取了您的意见"


def test_a_meeting_starts_follow_up_tasks_with_working_day_deadlines(env, owned):
    leader = staff(env, "leader")
    handler2 = user_id(env, "handler2")
    supervisor = user_id(env, "supervisor")
    row = env.run(records.record_meeting, owned.id, actor="leader", scope=leader_case_scope(leader),
                  held_on="2026-03-02", attendee_ids=[supervisor, handler2], outside="村委会主任 王五",
                  decisions="联合执法，限期整改",
                  follow_ups=[records.FollowUpItem("现场执法检查", "enforcement", handler2, 3),
                              records.FollowUpItem("加密监测", "monitoring", None, 5)])
    assert [a["name"] for a in row.content["attendees"]] == ["督查科 吴刚", "执法大队 赵磊"]
    tasks = [t for t in env.ready(owned) if t.spec == "lf_do"]
    assert len(tasks) == 2
    with env.db.read() as s:
        by_department = {s.get(Task, t.id).department_id: t for t in tasks}
        from engine.models import Department
        codes = dict(s.execute(select(Department.id, Department.code)).all())
    enforcement = next(t for d, t in by_department.items() if codes[d] == "enforcement")
    monitoring = next(t for d, t in by_department.items() if codes[d] == "monitoring")
    # Monday 2 March: 3 working days end Thursday 5 March 24:00, 5 end Monday 9 March 24:00 (Shanghai).
    assert enforcement.due_at == datetime(2026, 3, 5, 16, 0, tzinfo=timezone.utc)
    assert monitoring.due_at == datetime(2026, 3, 9, 16, 0, tzinfo=timezone.utc)
    assert enforcement.assignee_id == handler2 and monitoring.assignee_id is None
    with env.db.read() as s:
        stored = s.get(LeaderRecord, row.id).content["follow_ups"]
    assert [(i["department"], i["days"], i["due"], i["task_id"]) for i in stored] == [
        ("enforcement", 3, "2026-03-05T16:00:00+00:00", enforcement.id),
        ("monitoring", 5, "2026-03-09T16:00:00+00:00", monitoring.id)]
    assert (enforcement.candidate_group, enforcement.stage, enforcement.reserved_for_id) == (
        "handler", "leader_follow_up", None)
    [event] = env.audit(owned, "leader_meeting")
    assert event.detail["attendees"] == "督查科 吴刚、执法大队 赵磊、村委会主任 王五" and event.detail["items"] == 2
    # The case's own stage deadline is untouched by the items' deadlines.
    assert env.case(owned).stage_due == owned.stage_due

    # The department's handler works the item; it is recorded in the timeline.
    env.run(__import__("engine.work.tasks", fromlist=["complete_task"]).complete_task, enforcement.id,
            {"item": "现场执法检查", "result": "已现场检查并立案"}, "handler2")
    assert not [t for t in env.ready(owned) if t.id == enforcement.id]

    # Past its deadline the open item turns red and the leader is told.
    assert env.at("2026-03-09T16:00:01+00:00") >= 1
    [overdue] = env.audit(owned, "leader_follow_up_overdue")
    assert overdue.detail["item"] == "加密监测"
    assert env.task(owned, "lf_do").colour == "red"
    with env.db.read() as s:
        told = s.scalars(select(Notification).where(Notification.user_id == leader.id,
                                                    Notification.title.contains("会商落实事项超期"))).all()
    assert len(told) == 1


@pytest.mark.parametrize(("item", "field", "code"), [
    (records.FollowUpItem("", "enforcement", None, 3), "follow_ups.0.item", "required"),
    (records.FollowUpItem("检查", "police", None, 3), "follow_ups.0.department", "unknown_department"),
    (records.FollowUpItem("检查", "enforcement", None, 0), "follow_ups.0.days", "bad_days"),
    (records.FollowUpItem("检查", "air", "HANDLER2", 3), "follow_ups.0.person", "not_in_department"),
])
def test_a_meeting_with_a_bad_follow_up_is_refused(env, owned, item, field, code):
    leader = staff(env, "leader")
    if item.person_id == "HANDLER2":
        item = records.FollowUpItem(item.item, item.department, user_id(env, "handler2"), item.days)
    with pytest.raises(RecordInvalid) as refused:
        env.run(records.record_meeting, owned.id, actor="leader", scope=leader_case_scope(leader),
                held_on="2026-03-02", attendee_ids=[], outside="王五", decisions="决定", follow_ups=[item])
    assert refused.value.codes(field) == [code]
    assert [t for t in env.ready(owned) if t.spec == "lf_do"] == []


def test_a_meeting_needs_attendees_and_known_accounts(env, owned):
    leader = staff(env, "leader")
    with pytest.raises(RecordInvalid) as refused:
        env.run(records.record_meeting, owned.id, actor="leader", scope=leader_case_scope(leader),
                held_on="2026-03-02", attendee_ids=[], outside="", decisions="决定")
    assert refused.value.codes("attendees") == ["required"]
    with pytest.raises(RecordInvalid) as refused:
        env.run(records.record_meeting, owned.id, actor="leader", scope=leader_case_scope(leader),
                held_on="2026-03-02", attendee_ids=[99999], outside="", decisions="决定")
    assert refused.value.codes("attendees") == ["unknown_person"]
