"""Rows as the API shows them (shared by the case, task and document endpoints)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.masking import case_text, complainant, staff_redactor, visible_details
from engine.models import Case, Department, Task, User
from webapp.access import Staff


def department_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.code)).all())


def case_out(case: Case, staff: Staff | None, departments: dict[int, str], parent_number: str | None) -> dict:
    """A machine client (no staff member) reads like a colleague who may not see the complainant:
    it registered the case, but whatever it sends on goes further than the intake desk."""
    shows_identity = staff is not None and staff.sees_identity
    details = visible_details(case.details, shows_identity) if case.details else None
    person = complainant(case, shows_identity)
    text = case_text(case, staff_redactor(case, shows_identity))
    return {
        "id": case.id, "number": case.number, "channel": case.channel, "category": case.category,
        "title": text["title"], "description": text["description"] or "", "address": text["address"],
        "latitude": case.latitude, "longitude": case.longitude, "grid_path": case.grid_path,
        "subject_type": case.subject_type, "subject_enterprise": text["subject_enterprise"],
        "complainant": {"anonymous": person["anonymous"], "name": person["name"] or None,
                        "phone": person["phone"] or None},
        "urgent": case.urgent, "status": case.status, "stage": case.stage, "colour": case.colour,
        "stage_due": case.stage_due, "tier": case.tier, "department": departments.get(case.department_id),
        "transferred_to": case.transferred_to, "parent_number": parent_number, "satisfaction": case.satisfaction,
        "received_at": case.received_at, "accepted_at": case.accepted_at, "closed_at": case.closed_at,
        "closed_on_time": case.closed_on_time, "external_id": case.external_id, "details": details,
    }


def cases_out(session: Session, cases: list[Case], staff: Staff | None) -> list[dict]:
    departments = department_codes(session)
    parent_ids = {c.parent_id for c in cases if c.parent_id}
    parents = dict(session.execute(select(Case.id, Case.number).where(Case.id.in_(parent_ids))).all()) \
        if parent_ids else {}
    return [case_out(c, staff, departments, parents.get(c.parent_id)) for c in cases]


def tasks_out(session: Session, tasks: list[Task]) -> list[dict]:
    departments = department_codes(session)
    case_ids = {t.case_id for t in tasks if t.case_id}
    numbers = dict(session.execute(select(Case.id, Case.number).where(Case.id.in_(case_ids))).all()) \
        if case_ids else {}
    user_ids = {t.assignee_id for t in tasks if t.assignee_id}
    usernames = dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all()) \
        if user_ids else {}
    return [{
        "id": t.id, "case_id": t.case_id, "case_number": numbers.get(t.case_id), "name": t.name, "spec": t.spec,
        "form": t.form, "stage": t.stage, "candidate_group": t.candidate_group,
        "department": departments.get(t.department_id), "tier": t.tier, "assignee": usernames.get(t.assignee_id),
        "state": t.state, "colour": t.colour, "due_at": t.due_at, "created_at": t.created_at,
        "completed_at": t.completed_at, "completed_by": t.completed_by,
    } for t in tasks]
