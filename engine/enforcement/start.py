"""Opening an enforcement case: a row (engine/models/enforcement.py) and its process
(workflows/bpmn/enforcement.bpmn), attached to the complaint case so that its documents and
evidence join the case file and its tasks the case's timeline.

A case gets one open enforcement case at a time: a second "violation found" on the same case
(handling again after a reopening) adds nothing while the first is open.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.runtime import Runtime, StepOutcome
from engine.core.specs import require_latest
from engine.enterprises.positive_list import request_review
from engine.models import Case, Department, Patrol
from engine.models.enforcement import ENFORCEMENT_SOURCES, EnforcementCase

PROCESS = "enforcement"
STARTED = "enforcement_opened"
# The department whose staff work enforcement cases (engine/org/seed.py: 综合行政执法大队); a
# county without one has them worked by the department that handled the complaint.
ENFORCEMENT_DEPARTMENT = "enforcement"


def open_case(session: Session, case_id: int) -> EnforcementCase | None:
    return session.scalars(select(EnforcementCase).where(
        EnforcementCase.case_id == case_id, EnforcementCase.step != "closed")).first()


def open_enforcement(session: Session, runtime: Runtime, case: Case, *, source: str, actor: str,
                     violation: str = "", party: str | None = None, patrol_id: int | None = None,
                     enterprise_id: int | None = None) -> EnforcementCase:
    """Open (or return the already open) enforcement case of ``case``, in the caller's transaction."""
    if source not in ENFORCEMENT_SOURCES:
        raise ValueError(f"source must be one of {ENFORCEMENT_SOURCES}")
    found = open_case(session, case.id)
    if found is not None:
        return found
    department = session.scalars(select(Department).where(Department.code == ENFORCEMENT_DEPARTMENT)).first() \
        or (session.get(Department, case.department_id) if case.department_id else None)
    if enterprise_id is None:
        enterprise_id = case.enterprise_id  # the register's enterprise the complaint is about, if linked
    row = EnforcementCase(
        case_id=case.id, patrol_id=patrol_id, enterprise_id=enterprise_id,
        department_id=department.id if department else None, grid_path=case.grid_path, source=source,
        step="file", colour="blue", party=(party or case.subject_enterprise or case.address or "")[:300],
        violation=(violation or case.title)[:5000], opened_at=runtime.now(), evidence=[],
        crime_suspected=False, production_limit="none", police_late=False)
    session.add(row)
    session.flush()
    if enterprise_id is not None:
        # A violation puts a listed enterprise's listing up for review (engine/enterprises/positive_list.py).
        request_review(session, runtime, enterprise_id, "violation", actor, case_number=case.number)
    code = department.code if department else None
    result = runtime.start(session, case, {
        "enforcement_id": row.id, "party": row.party, "violation": row.violation,
        "enforcement_department": code, "joint_department": code,
    }, actor, definition=require_latest(session, PROCESS), started=STARTED)
    row.instance_id = result.instance.id
    return row


def from_patrol(session: Session, runtime: Runtime, patrol: Patrol, *, actor: str,
                violation: str = "") -> EnforcementCase:
    """A patrol check-in found a violation: the case its problem report registered is enforced."""
    if patrol.case_id is None:
        raise ValueError("the patrol reported no problem, so there is no case to enforce")
    case = session.get(Case, patrol.case_id)
    return open_enforcement(session, runtime, case, source="patrol", actor=actor,
                            violation=violation or case.description or case.title, patrol_id=patrol.id)


def from_step(outcome: StepOutcome) -> list[EnforcementCase]:
    """After-step hook (engine/bootstrap.py): a handling task (办理) completed as done with
    "violation found" opens an enforcement case for the case, in the same transaction."""
    ctx = outcome.context
    if ctx.case is None or outcome.runtime is None:
        return []
    opened = []
    for event in list(ctx.audit):
        detail = event.detail or {}
        data = detail.get("data") or {}
        if event.kind == "task_completed" and detail.get("task") == "handle" and data.get("violation_found") is True \
                and data.get("outcome") == "done":
            opened.append(open_enforcement(ctx.session, outcome.runtime, ctx.case, source="handle",
                                           actor=ctx.actor, violation=data.get("findings") or ""))
    return opened
