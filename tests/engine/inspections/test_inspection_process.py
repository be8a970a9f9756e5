"""inspection.bpmn, every path: notice → inspection → result; with a rectification ordered and
checked; a violation found (the enforcement hook); the warning and the one-tier escalation when
the inspection runs late (the real worker on a ManualClock)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, true

from engine.core.errors import FormInvalid
from engine.enterprises.history import history
from engine.inspections import recording, results
from engine.models import AuditEvent, Case, Notification, User
from engine.models.enforcement import EnforcementCase
from engine.models.enterprise import Enterprise
from engine.models.inspection import Inspection
from tests.engine.inspections.conftest import complete, list_enterprise, make_plan, ready


def one_inspection(env, people):
    plan = make_plan(env, people, rate_key="12.5", rate_general="", name="重点类抽查")
    env.run(recording.fix_seed, plan.id, "3312.45", None, "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    with env.db.read() as s:
        [row] = s.scalars(select(Inspection).where(Inspection.plan_id == plan.id))
    return row


def inspection(env, row_id):
    with env.db.read() as s:
        return s.get(Inspection, row_id)


def kinds(env, row):
    with env.db.read() as s:
        return [e.kind for e in s.scalars(select(AuditEvent).where(AuditEvent.instance_id == row.instance_id)
                                          .order_by(AuditEvent.id))]


def notify(env, row):
    [task] = ready(env, "ins_notify")
    assert task.reserved_for_id == row.inspector_ids[0] or task.reserved_for_id in row.inspector_ids
    assert task.due_at is not None and task.warn_at is not None and task.stage == "inspection"
    complete(env, task, {"planned_date": "2026-03-10", "planned_mode": "on_site", "notice_note": "备查排污许可台账"})
    return inspection(env, row.id)


def test_inspection_without_problems(env, county):
    _ids, people = county
    row = notify(env, one_inspection(env, people))
    assert row.step == "inspect" and row.notice_number.startswith("环检通〔2026〕第1号")
    assert row.notice["enterprise"] and len(row.notice["inspectors"]) == 2 and row.notice["mode"] == "on_site"
    [task] = ready(env, "ins_inspect")
    complete(env, task, {"mode": "on_site", "inspected_on": "2026-03-10", "findings": "治污设施正常运行",
                         "summary": "未发现环境违法行为"})
    row = inspection(env, row.id)
    assert (row.step, row.result, row.colour, row.violation) == ("done", "compliant", "green", False)
    assert row.publish_by is not None and not ready(env, "ins_rectify")
    with env.db.read() as s:  # published within the plan's 20 working days, or listed as overdue
        assert results.overdue_publication(s, row.plan_id, row.publish_by - timedelta(minutes=1)) == []
        assert [i.id for i in results.overdue_publication(s, row.plan_id, row.publish_by + timedelta(minutes=1))] \
            == [row.id]
    env.run(results.publish, row.plan_id, "supervisor")
    with env.db.read() as s:
        assert results.overdue_publication(s, row.plan_id, row.publish_by + timedelta(minutes=1)) == []
    assert {"inspection_notified", "inspection_inspected", "inspection_finished"} <= set(kinds(env, row))


def test_rectification_ordered_then_checked(env, county):
    _ids, people = county
    row = notify(env, one_inspection(env, people))
    [task] = ready(env, "ins_inspect")
    with pytest.raises(FormInvalid):  # findings are required
        complete(env, task, {"mode": "off_site", "inspected_on": "2026-03-10", "summary": "x"})
    complete(env, task, {"mode": "off_site", "inspected_on": "2026-03-10", "findings": "在线监测数据缺失",
                         "summary": "责令整改", "rectification": "恢复在线监测数据传输", "rectify_days": 5})
    row = inspection(env, row.id)
    assert row.step == "rectify" and row.rectify_due.isoformat() == "2026-03-09"
    [task] = ready(env, "ins_rectify")
    assert task.due_at is not None
    complete(env, task, {"rectified": True, "rectify_note": "已恢复传输"})
    row = inspection(env, row.id)
    assert (row.step, row.result, row.mode) == ("done", "rectified", "off_site")
    assert "inspection_rectification_checked" in kinds(env, row)


def test_violation_found_opens_enforcement_at_filing_and_asks_for_the_listing_review(env, county):
    """inspection → violation → a complaint case about the enterprise, its enforcement case at 立案
    naming the inspection, the enterprise's page history, and a listed enterprise's review."""
    _ids, people = county
    row = notify(env, one_inspection(env, people))
    list_enterprise(env, row.enterprise_id)  # listed after the draw: the violation asks for a review
    [task] = ready(env, "ins_inspect")
    complete(env, task, {"mode": "on_site", "inspected_on": "2026-03-10", "findings": "私设暗管排放",
                         "violation": True, "summary": "发现环境违法行为"})
    row = inspection(env, row.id)
    assert (row.result, row.violation, row.enforcement_pending) == ("violation", True, False)
    assert "inspection_violation" in kinds(env, row)
    with env.db.read() as s:
        [enforcement] = s.scalars(select(EnforcementCase).where(EnforcementCase.inspection_id == row.id))
        case = s.get(Case, enforcement.case_id)
        enterprise = s.get(Enterprise, row.enterprise_id)
        found = history(s, enterprise.id, true())
        assert (enforcement.source, enforcement.step, enforcement.enterprise_id) == ("inspection", "file", enterprise.id)
        assert enforcement.party == enterprise.name and enforcement.violation == "私设暗管排放"
        assert (case.enterprise_id, case.channel, case.subject_enterprise) == (enterprise.id, "grid", enterprise.name)
        assert [e.id for e in found.enforcement] == [enforcement.id]
        assert [i.id for i, _plan in found.inspections] == [row.id]
        assert case.id in [c.id for c in found.complaints]
        triggers = [e.detail.get("trigger") for e in s.scalars(select(AuditEvent).where(
            AuditEvent.kind.in_(("positive_list_review_requested", "positive_list_review_pending"))).order_by(AuditEvent.id))]
    [filing] = ready(env, "en_file")
    assert filing.instance_id == enforcement.instance_id and filing.case_id == case.id
    assert len(ready(env, "pl_review")) == 1 and triggers[0] == "violation"
    # One enforcement case: the case registered for the inspection is not enforced twice.
    with env.db.read() as s:
        assert s.scalar(select(func.count(EnforcementCase.id))) == 1


def test_late_inspection_turns_yellow_then_red_and_goes_one_tier_up(env, county):
    _ids, people = county
    row = one_inspection(env, people)
    [task] = ready(env, "ins_notify")
    env.at((task.warn_at + timedelta(minutes=1)).isoformat())
    assert inspection(env, row.id).colour == "yellow"
    env.at((task.due_at + timedelta(minutes=1)).isoformat())
    row = inspection(env, row.id)
    assert (row.colour, row.escalated_tier) == ("red", 3)
    assert "inspection_escalated" in kinds(env, row)
    with env.db.read() as s:
        supervisor = s.scalar(select(User.id).where(User.username == "supervisor"))
        assert s.scalar(select(Notification.id).where(Notification.user_id == supervisor,
                                                      Notification.kind == "escalation")) is not None
    # Still worked afterwards: the task stays with the inspector, the result is recorded.
    row = notify(env, row)
    [task] = ready(env, "ins_inspect")
    complete(env, task, {"mode": "on_site", "inspected_on": "2026-03-25", "findings": "正常", "summary": "未发现问题"})
    assert (inspection(env, row.id).result, inspection(env, row.id).colour) == ("compliant", "red")
