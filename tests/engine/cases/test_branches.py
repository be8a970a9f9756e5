"""Every branch of the shipped complaint process, driven through the engine."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine.core.errors import FormInvalid
from engine.models import Department
from engine.work.tasks import task_data


def _dept_id(env, code):
    with env.db.read() as s:
        return s.scalar(select(Department.id).where(Department.code == code))


def test_not_accepted_needs_a_reason_and_ends_the_case(env):
    case = env.register()
    audit_before = len(env.audit(case))
    with pytest.raises(FormInvalid) as err:
        env.complete(case, "receive", {"decision": "reject"})
    assert "reason" in err.value.errors
    assert len(env.audit(case)) == audit_before and [t.spec for t in env.ready(case)] == ["receive"]

    env.complete(case, "receive", {"decision": "reject", "reason": "不属于生态环境部门职责"})
    c = env.case(case)
    assert (c.status, c.colour, c.stage) == ("rejected", "green", None)
    assert env.instance(case).status == "completed"
    assert env.audit(case, "status")[-1].detail == {"status": "rejected", "reason": "不属于生态环境部门职责"}


def test_duplicate_is_merged_into_its_parent_and_unknown_parent_is_a_field_error(env):
    parent = env.register()
    dup = env.register(description="同一工厂，再次反映")
    with pytest.raises(FormInvalid) as err:
        env.complete(dup, "receive", {"decision": "duplicate", "duplicate_of": "环字〔2026〕第999999号"})
    assert "duplicate_of" in err.value.errors
    assert env.case(dup).status == "received" and env.ready(dup)[0].spec == "receive"

    env.complete(dup, "receive", {"decision": "duplicate", "duplicate_of": parent.number})
    c = env.case(dup)
    assert (c.status, c.parent_id) == ("merged", parent.id)
    assert env.instance(dup).status == "completed"


def test_routing_table_suggests_department_tier_and_transfer(env):
    air = env.register(category="air", subject_type="enterprise")
    env.complete(air, "receive", {"decision": "accept"})
    data = env.run(task_data, env.task(air, "assign").id)
    assert (data["route_department"], data["route_tier"], data["route_transfer"]) == ("air", 2, "")  # town T01

    fumes = env.register(category="air", subject_type="catering", grid_code="T02-A01-V01")
    env.complete(fumes, "receive", {"decision": "accept"})
    data = env.run(task_data, env.task(fumes, "assign").id)
    assert data["route_transfer"] == "urban_management"

    alarm = env.register(channel="monitoring", category="water", complainant_name=None, complainant_phone=None)
    env.complete(alarm, "receive", {"decision": "accept"})
    data = env.run(task_data, env.task(alarm, "assign").id)
    assert (data["route_department"], data["route_tier"]) == ("enforcement", 3)


def test_transfer_outside_the_bureau_ends_with_the_agency_recorded(env):
    case = env.register(category="air", subject_type="catering")
    env.complete(case, "receive", {"decision": "accept"})
    env.complete(case, "assign", {"action": "transfer", "transfer_to": "城市管理局",
                                  "transfer_reason": "餐饮油烟属城市管理部门职责"})
    c = env.case(case)
    assert (c.status, c.transferred_to) == ("transferred", "城市管理局")
    assert env.audit(case, "transferred")[0].detail["reason"] == "餐饮油烟属城市管理部门职责"
    assert env.instance(case).status == "completed"


def test_assignment_sets_department_and_tier_from_routing(env):
    case = env.register()
    env.accept_and_assign(case, department="air")
    c = env.case(case)
    assert (c.department_id, c.tier, c.stage, c.status) == (_dept_id(env, "air"), 2, "handle", "handling")
    handle = env.task(case, "handle")
    assert (handle.candidate_group, handle.department_id) == ("handler", _dept_id(env, "air"))


def test_returned_case_goes_back_to_assignment(env):
    case = env.register()
    env.accept_and_assign(case, department="air")
    env.complete(case, "handle", {"outcome": "return", "return_reason": "不在本科室职责范围"})
    # Intake reviews the return (engine/cases/norms.py); accepted, the case is assigned afresh.
    assert [t.spec for t in env.ready(case)] == ["review_return"]
    env.complete(case, "review_return", {"return_decision": "accept"})
    assert [t.spec for t in env.ready(case)] == ["assign"]
    assert env.case(case).department_id is None
    assert env.audit(case, "returned")[0].detail == {"department": "air", "reason": "不在本科室职责范围"}
    env.complete(case, "assign", {"action": "assign", "department": "enforcement"})
    assert env.task(case, "handle").department_id == _dept_id(env, "enforcement")


def test_extension_approved_moves_the_handling_deadline(env):
    case = env.register()
    env.accept_and_assign(case)
    # Accepted Monday 2 March 2026 10:00: 60 working days end 24:00 on 28 May (May Day and
    # Qingming holidays skipped, the Saturday 9 May make-up workday counted).
    assert env.case(case).stage_due == datetime(2026, 5, 28, 16, 0, tzinfo=timezone.utc)
    env.complete(case, "handle", {"outcome": "extension", "extension_days": 20, "extension_reason": "等待检测报告"})
    approval = env.task(case, "approve_extension")
    assert (approval.candidate_group, approval.department_id) == ("lead", _dept_id(env, "air"))
    env.complete(case, "approve_extension", {"approved": True}, actor="lead")
    c = env.case(case)
    assert (c.stage, c.extension_days) == ("handle", 20)
    assert c.stage_due == datetime(2026, 6, 26, 16, 0, tzinfo=timezone.utc)  # +20 working days (Dragon Boat 19 Jun off)
    assert env.task(case, "handle").due_at == c.stage_due

    # Only one extension: a second request is refused without asking the lead again.
    env.complete(case, "handle", {"outcome": "extension", "extension_days": 5, "extension_reason": "再等等"})
    assert [t.spec for t in env.ready(case)] == ["handle"]
    assert env.audit(case, "extension_refused")[-1].detail["comment"].startswith("已延期一次")
    assert env.case(case).stage_due == datetime(2026, 6, 26, 16, 0, tzinfo=timezone.utc)


def test_extension_refused_keeps_the_deadline(env):
    case = env.register()
    env.accept_and_assign(case)
    due = env.case(case).stage_due
    env.complete(case, "handle", {"outcome": "extension", "extension_days": 10, "extension_reason": "需要更多时间"})
    with pytest.raises(FormInvalid) as err:
        env.complete(case, "approve_extension", {"approved": False})
    assert "comment" in err.value.errors
    env.complete(case, "approve_extension", {"approved": False, "comment": "理由不充分"})
    c = env.case(case)
    assert (c.stage, c.extension_days, c.stage_due) == ("handle", 0, due)
    assert env.audit(case, "extension_refused")[0].detail == {"comment": "理由不充分"}


def test_joint_handling_runs_one_task_per_department_and_waits_for_all(env):
    case = env.register()
    env.accept_and_assign(case, department="enforcement", joint_departments=["air", "water"])
    joint = [t for t in env.ready(case) if t.spec == "joint_handle"]
    assert sorted(t.department_id for t in joint) == sorted([_dept_id(env, "air"), _dept_id(env, "water")])
    assert all(t.stage == "handle" for t in joint)
    assert "handle" not in [t.spec for t in env.ready(case)]

    from engine.work.tasks import complete_task

    env.run(complete_task, joint[0].id, {"findings": "大气科：废气超标", "measures": "责令整改"}, "a")
    assert [t.spec for t in env.ready(case)] == ["joint_handle"]
    env.run(complete_task, joint[1].id, {"findings": "水科：雨污混排"}, "b")
    handle = env.task(case, "handle")
    assert handle.department_id == _dept_id(env, "enforcement")
    results = env.run(task_data, handle.id)["joint_results"]
    assert sorted(r["findings"] for r in results) == ["大气科：废气超标", "水科：雨污混排"]


def test_review_rejected_goes_back_to_handling_then_approved_closes(env):
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "初查"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    with pytest.raises(FormInvalid):
        env.complete(case, "review", {"approved": False})
    env.complete(case, "review", {"approved": False, "comment": "整改证据不足"}, actor="lead")
    assert [t.spec for t in env.ready(case)] == ["handle"]
    assert env.audit(case, "review_rejected")[0].detail == {"comment": "整改证据不足"}
    env.complete(case, "handle", {"outcome": "done", "findings": "补充现场照片与监测报告"})
    env.complete(case, "feedback", {"reply": "已整改", "contact_method": "sms"})
    env.complete(case, "review", {"approved": True}, actor="lead")
    c = env.case(case)
    assert (c.status, c.stage) == ("closed", "follow_up")
    assert c.closed_at == env.clock.now()


def _to_follow_up(env, case):
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})


def test_unsatisfied_reopens_once_then_goes_to_the_supervisor(env):
    case = env.register()
    env.accept_and_assign(case)
    _to_follow_up(env, case)
    env.complete(case, "follow_up", {"satisfaction": "unsatisfied", "comment": "气味仍在"})
    c = env.case(case)
    assert (c.status, c.stage, c.reopened, c.closed_at) == ("handling", "handle", True, None)
    assert env.audit(case, "reopened")[0].detail == {"comment": "气味仍在"}

    _to_follow_up(env, case)
    env.complete(case, "follow_up", {"satisfaction": "unsatisfied", "comment": "还是不满意"})
    review = env.task(case, "follow_up_review")
    assert (review.candidate_group, review.tier) == ("supervisor", 3)
    env.complete(case, "follow_up_review", {"conclusion": "处理符合规定，已向投诉人解释"}, actor="supervisor")
    c = env.case(case)
    assert (c.status, c.stage, c.satisfaction) == ("closed", None, "unsatisfied")
    assert env.instance(case).status == "completed"


def test_urgent_case_runs_on_hours(env):
    case = env.register(urgent=True, title="河道突发大面积死鱼")
    # Receive within 2 calendar hours, whatever the working calendar says.
    assert env.case(case).stage_due == datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc)
    env.accept_and_assign(case)
    assert env.case(case).stage_due == datetime(2026, 3, 4, 2, 0, tzinfo=timezone.utc)  # handle: 48 hours
