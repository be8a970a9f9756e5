"""The supervision section's review of a submitted self-inspection (the ``sc_review`` task of
workflows/bpmn/selfcheck.bpmn), and a complaint case opened from its problem answers, linked to the
enterprise (engine/enterprises/linking.py, which also asks a listed enterprise's positive-list
review) — one transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.intake import register_case
from engine.core.errors import FormInvalid, NotFound
from engine.core.runtime import Runtime
from engine.enterprises.linking import link_case
from engine.models import AuditEvent, Grid, Task
from engine.models.enterprise import Enterprise
from engine.models.selfcheck import SelfCheckTask
from engine.org.scopes import StaffMember, may_work
from engine.selfcheck.answers import items_of
from engine.selfcheck.checklists import problems
from engine.work.tasks import complete_task

REVIEW_TASK = "sc_review"
CONTACT_TASK = "sc_contact"


def ready_task(session: Session, task: SelfCheckTask, spec: str) -> Task | None:
    if task.instance_id is None:
        return None
    return session.scalars(select(Task).where(Task.instance_id == task.instance_id, Task.spec == spec,
                                              Task.state == "ready")).first()


def problem_case(session: Session, runtime: Runtime, task: SelfCheckTask, category: str, actor: str,
                 user_id: int | None):
    """A complaint case (channel ``grid``: found by the bureau's own supervision) about the
    enterprise, listing the problem answers; linked to the enterprise and to the task."""
    if task.case_id is not None:
        raise FormInvalid({"start_case": ["已立案 (a case was already opened)"]})
    enterprise = session.get(Enterprise, task.enterprise_id)
    found = problems(items_of(session, task), task.answers or {})
    lines = [f"{item['question']}：{'是' if task.answers.get(item['key']) == 'yes' else '否'}" for item in found]
    grid = session.get(Grid, enterprise.grid_id)
    case = register_case(session, runtime, {
        "channel": "grid", "category": category, "title": f"企业自查问题：{enterprise.name}"[:300],
        "description": "企业自查问题项：\n" + ("\n".join(lines) if lines else "（审核人员认定）"),
        "address": enterprise.address or enterprise.name, "grid_code": grid.code,
        "subject_type": "enterprise", "subject_enterprise": enterprise.name,
    }, actor, created_by_id=user_id)
    link_case(session, runtime, case, enterprise.id, actor, how="selfcheck")
    task.case_id = case.id
    session.add(AuditEvent(case_id=case.id, at=runtime.now(), actor=actor, kind="selfcheck_problem_case",
                           instance_id=task.instance_id, detail={"selfcheck_id": task.id, "number": case.number}))
    return case


def review(session: Session, runtime: Runtime, selfcheck_id: int, data: dict, *, staff: StaffMember, actor: str,
           case_category: str | None = None, lang: str = "zh_CN"):
    """Complete the review task with ``data`` (decision, review_comment); with ``case_category``
    also open the problem case. Returns the case or None."""
    task = session.get(SelfCheckTask, selfcheck_id)
    row = ready_task(session, task, REVIEW_TASK) if task else None
    if row is None or not may_work(staff, row):
        raise NotFound("review task")
    complete_task(session, runtime, row.id, data, actor, lang, user_id=staff.id)
    if case_category:
        return problem_case(session, runtime, task, case_category, actor, staff.id)
    return None
