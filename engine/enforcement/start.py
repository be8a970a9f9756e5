"""Opening an enforcement case: a row (engine/models/enforcement.py) and its process
(workflows/bpmn/enforcement.bpmn), attached to the complaint case so that its documents and
evidence join the case file and its tasks the case's timeline.

A case gets one open enforcement case at a time: a second "violation found" on the same case
(handling again after a reopening) adds nothing while the first is open.

A random inspection (双随机) has no complaint case, so its violation registers one, as a
self-inspection's problem does (engine/selfcheck/review.py: channel ``grid``, the bureau's own
supervision, accepted at once), linked to the enterprise; the enforcement case is opened on it
and names the inspection. Everything that reads an enforcement case through its complaint case
(documents, evidence, scopes, the statistics) then holds for it unchanged.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.intake import register_case
from engine.core.runtime import Runtime, StepOutcome
from engine.core.specs import require_latest
from engine.enterprises.linking import link_case
from engine.enterprises.positive_list import request_review
from engine.models import Case, Department, Grid, Patrol
from engine.models.enforcement import ENFORCEMENT_SOURCES, EnforcementCase
from engine.models.enterprise import Enterprise
from engine.models.inspection import Inspection

PROCESS = "enforcement"
STARTED = "enforcement_opened"
# The audit event an inspection's violation is recorded with (engine/inspections/enforcement_hook.py).
INSPECTION_VIOLATION = "inspection_violation"
# The department whose staff work enforcement cases (engine/org/seed.py: 综合行政执法大队); a
# county without one has them worked by the department that handled the complaint.
ENFORCEMENT_DEPARTMENT = "enforcement"


def open_case(session: Session, case_id: int) -> EnforcementCase | None:
    return session.scalars(select(EnforcementCase).where(
        EnforcementCase.case_id == case_id, EnforcementCase.step != "closed")).first()


def open_enforcement(session: Session, runtime: Runtime, case: Case, *, source: str, actor: str,
                     violation: str = "", party: str | None = None, patrol_id: int | None = None,
                     enterprise_id: int | None = None, inspection_id: int | None = None) -> EnforcementCase:
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
        case_id=case.id, patrol_id=patrol_id, inspection_id=inspection_id, enterprise_id=enterprise_id,
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


def from_inspection(session: Session, runtime: Runtime, inspection: Inspection, *, actor: str) -> EnforcementCase:
    """A random inspection found a violation: register its complaint case and enforce it."""
    found = session.scalars(select(EnforcementCase).where(EnforcementCase.inspection_id == inspection.id)).first()
    if found is not None:
        return found
    enterprise = session.get(Enterprise, inspection.enterprise_id)
    grid = session.get(Grid, enterprise.grid_id)
    findings = inspection.findings or inspection.summary or ""
    case = register_case(session, runtime, {
        "channel": "grid", "category": "other", "title": f"双随机检查发现违法：{enterprise.name}"[:300],
        "description": f"双随机抽查（{inspection.inspected_on or ''}）发现：\n{findings}",
        "address": enterprise.address or enterprise.name, "grid_code": grid.code,
        "subject_type": "enterprise", "subject_enterprise": enterprise.name,
    }, actor, created_by_id=(inspection.inspector_ids or [None])[0])
    # The violation asks for the listing's review first; linking the case then is a second trigger.
    row = open_enforcement(session, runtime, case, source="inspection", actor=actor, violation=findings,
                           party=enterprise.name, enterprise_id=enterprise.id, inspection_id=inspection.id)
    link_case(session, runtime, case, enterprise.id, actor, how="inspection")
    inspection.enforcement_pending = False
    return row


def from_step(outcome: StepOutcome) -> list[EnforcementCase]:
    """After-step hook (engine/bootstrap.py), in the step's transaction: a handling task (办理)
    completed as done with "violation found" opens an enforcement case for the case; a random
    inspection's violation (engine/inspections/enforcement_hook.py) opens one for the inspection."""
    ctx = outcome.context
    if outcome.runtime is None:
        return []
    opened = []
    for event in list(ctx.audit):
        detail = event.detail or {}
        data = detail.get("data") or {}
        if event.kind == INSPECTION_VIOLATION:
            inspection = ctx.session.get(Inspection, int(detail["inspection"]))
            opened.append(from_inspection(ctx.session, outcome.runtime, inspection, actor=ctx.actor))
        elif ctx.case is not None and event.kind == "task_completed" and detail.get("task") == "handle" \
                and data.get("violation_found") is True and data.get("outcome") == "done":
            opened.append(open_enforcement(ctx.session, outcome.runtime, ctx.case, source="handle",
                                           actor=ctx.actor, violation=data.get("findings") or ""))
    return opened
