"""The enforcement path (workflows/bpmn/enforcement.bpmn): 立案 with its number → 调查取证 →
处罚决定 → 整改复查 → 结案, opened by handling's "violation found"; the documents it issues."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.core.errors import FormInvalid
from engine.models import Department, ProcessDefinition, ProcessInstance, Task
from engine.models.documents import Document
from engine.models.enforcement import EnforcementCase
from tests.engine.enforcement.conftest import VIOLATION, enforcement_of

DECISION = {"fine_yuan": 150000, "production_limit": "limit", "limit_start": "2026-03-20",
            "limit_end": "2026-04-20", "correction_order": "立即恢复废气处理设施运行", "correction_days": 10}


def _documents(env, case):
    with env.db.read() as s:
        return [d.kind for d in s.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id))]


def test_handling_with_a_violation_opens_an_enforcement_case_at_filing(env, violating):
    row = enforcement_of(env, violating)
    assert (row.source, row.step, row.number, row.party) == ("handle", "file", None, "示范化工有限公司")
    assert row.violation == VIOLATION["findings"]
    task = env.task(violating, "en_file")
    with env.db.read() as s:
        brigade = s.scalar(select(Department.id).where(Department.code == "enforcement"))
        definition = s.get(ProcessDefinition, s.get(ProcessInstance, row.instance_id).definition_id)
    assert (task.candidate_group, task.department_id, task.stage) == ("lead", brigade, "enforcement")
    assert definition.process_id == "enforcement"
    # 7 working days to file: Monday 2 March → Wednesday 11 March; the warning before it.
    assert task.due_at is not None and task.warn_at is not None and task.warn_at < task.due_at
    # The complaint's own stage is not the enforcement's: its limits are untouched.
    assert env.case(violating).stage != "enforcement"


def test_handling_without_a_violation_opens_nothing(env):
    case = env.register()
    env.accept_and_assign(case, department="enforcement")
    env.complete(case, "handle", {**VIOLATION, "violation_found": False})
    assert env.count(EnforcementCase) == 0


def test_the_full_path_numbers_decides_and_closes_with_its_documents(env, violating):
    env.complete(violating, "en_file", {"party": "示范化工有限公司", "violation": "废气直排"}, actor="lead2")
    row = enforcement_of(env, violating)
    assert row.number == "示范县环罚立〔2026〕第1号"
    assert row.step == "investigate" and row.filed_by == "lead2"
    env.complete(violating, "en_investigate", {"findings": "在线监测数据超标 3 倍"}, actor="handler2")
    # A production limit needs its dates (the form says so before anything changes).
    with pytest.raises(FormInvalid):
        env.complete(violating, "en_decide", {**DECISION, "limit_end": None} | {"limit_end": ""}, actor="lead2")
    env.complete(violating, "en_decide", DECISION, actor="lead2")
    row = enforcement_of(env, violating)
    assert (row.fine_yuan, row.production_limit, str(row.limit_start), str(row.limit_end)) == (
        Decimal("150000.00"), "limit", "2026-03-20", "2026-04-20")
    assert _documents(env, violating)[-2:] == ["correction_order", "penalty_decision"]
    # Not corrected: back to a further decision; then corrected, and closed.
    env.complete(violating, "en_rectify_check", {"rectified": False, "check_note": "仍未运行"}, actor="handler2")
    env.complete(violating, "en_decide", {**DECISION, "fine_yuan": 200000}, actor="lead2")
    env.complete(violating, "en_rectify_check", {"rectified": True, "check_note": "已恢复运行"}, actor="handler2")
    env.complete(violating, "en_close", {"summary": "罚款已缴纳，整改完毕"}, actor="lead2")
    row = enforcement_of(env, violating)
    assert (row.step, row.colour, row.rectified, row.fine_yuan) == ("closed", "green", True, Decimal("200000.00"))
    with env.db.read() as s:
        assert s.get(ProcessInstance, row.instance_id).status == "completed"
        assert s.scalar(select(Task.id).where(Task.instance_id == row.instance_id, Task.state == "ready")) is None
    kinds = [e.kind for e in env.audit(violating) if e.kind.startswith("enforcement_")]
    assert kinds == ["enforcement_opened", "enforcement_filed", "enforcement_investigated", "enforcement_decided",
                     "enforcement_rectify_checked", "enforcement_decided", "enforcement_rectify_checked",
                     "enforcement_closed"]


def test_a_second_violation_on_the_same_case_adds_no_second_enforcement_case(env, violating):
    from engine.enforcement.start import open_enforcement
    from engine.models import Case

    def again(session, runtime):
        return open_enforcement(session, runtime, session.get(Case, violating.id), source="handle", actor="x").id

    assert env.run(again) == enforcement_of(env, violating).id
    assert env.count(EnforcementCase) == 1



def test_a_violation_by_a_listed_enterprise_links_it_and_asks_for_a_positive_list_review(env):
    from engine.enterprises import linking, register
    from engine.models import AuditEvent
    from tests.engine.enterprises.test_positive_list import complete, listed, ready

    enterprise = env.run(lambda s, _rt: register.save(s, {
        "credit_code": "91350100M000100Y43", "name": "示范化工有限公司", "address": "城关镇工业园一路 1 号",
        "grid": "T01-A01", "industry": "化学原料和化学制品制造业", "supervision_class": "重点",
        "permit_number": "", "permit_expires": "", "contacts": "", "stations": ""}, "admin", env.clock.now()))
    listing = listed(env, enterprise)
    case = env.register(subject_enterprise="示范化工有限公司")
    env.run(lambda s, rt: linking.link_case(s, rt, s.get(type(case), case.id), enterprise.id, "intake"))
    # The complaint asked for a review first; the supervision section keeps the listing.
    complete(env, "pl_review", {"decision": "keep", "review_reason": "所涉问题非企业责任"}, "supervisor")
    assert ready(env, "pl_review") == []

    env.accept_and_assign(case, department="enforcement")
    env.complete(case, "handle", VIOLATION, actor="handler2")
    assert enforcement_of(env, case).enterprise_id == enterprise.id
    assert len(ready(env, "pl_review")) == 1
    with env.db.read() as s:
        triggers = [e.detail.get("trigger") for e in s.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == listing.instance_id, AuditEvent.kind == "positive_list_review_requested")
            .order_by(AuditEvent.id))]
    assert len(triggers) == 2 and triggers[-1] != triggers[0]
