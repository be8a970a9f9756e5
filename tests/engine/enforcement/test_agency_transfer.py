"""A transfer (转办) to an outside agency working in greenloop waits for the agency's result
(workflows/bpmn/complaint.bpmn agency_result): done there, back to the bureau, or late; an agency
without people in greenloop is told on paper as before; cases started on the diagram before this
change keep their version and finish as they began."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from engine.definitions.deploy import deploy, shipped_files
from engine.models import Case, Department
from engine.models.documents import Document
from engine.org.scopes import case_scope, may_work
from tests.engine.enforcement.conftest import add_agency_officer, staff

OLD = Path(__file__).parents[2] / "fixtures" / "bpmn" / "complaint_before_agency_wait.bpmn"


def _transfer(env, agency="公安局"):
    case = env.register(category="air", subject_type="other", title="夜间焚烧垃圾")
    env.complete(case, "receive", {"decision": "accept"})
    env.complete(case, "assign", {"action": "transfer", "transfer_to": agency, "transfer_reason": "涉及治安管理"})
    return case


def _police_id(env):
    with env.db.read() as s:
        return s.scalar(select(Department.id).where(Department.code == "police"))


def test_the_agency_gets_a_task_and_its_result_closes_the_case(env):
    add_agency_officer(env)
    case = _transfer(env)
    c = env.case(case)
    # Not set aside: the case is in the agency's stage, waiting for its result.
    assert (c.status, c.stage, c.transferred_to) == ("handling", "agency", "公安局")
    assert env.audit(case, "stage_entered")[-1].stage == "agency"
    task = env.task(case, "agency_result")
    assert (task.department_id, task.stage) == (_police_id(env), "agency")
    assert task.due_at is not None and c.stage_due == task.due_at
    assert may_work(staff(env, "police1"), task) and not may_work(staff(env, "handler"), task)
    with env.db.read() as s:
        assert s.scalars(select(Case.id).where(case_scope(staff(env, "police1")))).all() == [case.id]
        assert s.scalars(select(Document.kind).where(Document.case_id == case.id).order_by(Document.id)).all()[-1] \
            == "transfer_slip"
    env.complete(case, "agency_result", {"agency_outcome": "done", "agency_result": "已依法处理"}, actor="police1")
    c = env.case(case)
    assert (c.status, c.colour, c.stage) == ("transferred", "green", None)
    assert env.instance(case).status == "completed"
    assert env.audit(case, "agency_result")[0].detail["result"] == "已依法处理"


def test_the_agency_sends_it_back_and_the_bureau_assigns_it_again(env):
    add_agency_officer(env)
    case = _transfer(env)
    env.complete(case, "agency_result", {"agency_outcome": "back", "agency_result": "不属公安管辖"}, actor="police1")
    c = env.case(case)
    assert (c.stage, c.transferred_to) == ("assign", None)
    assert [t.spec for t in env.ready(case)] == ["assign"]
    env.complete(case, "assign", {"action": "assign", "department": "air"})
    handle = env.task(case, "handle")
    with env.db.read() as s:
        air = s.scalar(select(Department.id).where(Department.code == "air"))
    # The handling task is the bureau department's, not the agency's.
    assert handle.department_id == air


def test_an_agency_late_with_its_result_is_escalated_one_tier(env):
    add_agency_officer(env)
    case = _transfer(env)
    task = env.task(case, "agency_result")
    env.at((task.warn_at + timedelta(minutes=1)).isoformat())
    assert env.case(case).colour == "yellow"
    tier_before = env.case(case).tier
    env.at((task.due_at + timedelta(minutes=1)).isoformat())
    c = env.case(case)
    assert (c.colour, c.tier) == ("red", tier_before + 1)
    assert env.audit(case, "agency_overdue")[0].detail["department"] == "公安局"
    with env.db.read() as s:
        assert "supervision_notice" in s.scalars(select(Document.kind).where(Document.case_id == case.id)).all()
    # The agency can still answer; the case closes with its result.
    env.complete(case, "agency_result", {"agency_outcome": "done", "agency_result": "已处理"}, actor="police1")
    assert env.case(case).status == "transferred"


def test_an_agency_without_people_in_greenloop_is_told_on_paper_as_before(env):
    case = _transfer(env, "水利局")
    c = env.case(case)
    assert (c.status, c.transferred_to) == ("transferred", "水利局")
    assert env.instance(case).status == "completed"


def test_a_case_started_before_the_change_keeps_its_version_and_completes(env):
    add_agency_officer(env)
    _bpmn, dmn = shipped_files()
    with env.db.write() as s:
        before, created = deploy(s, env.runtime, {"complaint.bpmn": OLD.read_text(encoding="utf-8")}, dmn,
                                 comment="转办等待结果之前的流程")
        assert created
    old_case = env.register()
    with env.db.write() as s:
        now, created = deploy(s, env.runtime, *shipped_files(), comment="转办等待转办部门结果")
        assert created and now.version == before.version + 1
    new_case = env.register()
    assert env.instance(old_case).definition_id == before.id
    assert env.instance(new_case).definition_id == now.id
    for case in (old_case, new_case):
        env.complete(case, "receive", {"decision": "accept"})
        env.complete(case, "assign", {"action": "transfer", "transfer_to": "公安局", "transfer_reason": "治安"})
    # The old version ends at the transfer; the new one waits for the police.
    assert (env.case(old_case).status, env.instance(old_case).status) == ("transferred", "completed")
    assert env.case(new_case).status != "transferred"
    assert [t.spec for t in env.ready(new_case)] == ["agency_result"]


def test_joint_handling_can_include_an_outside_agency(env):
    add_agency_officer(env)
    case = env.register()
    env.accept_and_assign(case, department="air", joint_departments=["police"])
    joint = env.task(case, "joint_handle")
    assert joint.department_id == _police_id(env)
    assert may_work(staff(env, "police1"), joint) and not may_work(staff(env, "handler"), joint)
    env.complete(case, "joint_handle", {"findings": "联合执法：现场查扣非法运输车辆"}, actor="police1")
    # The bureau's own handling follows; it is not the police's to work.
    assert not may_work(staff(env, "police1"), env.task(case, "handle"))
