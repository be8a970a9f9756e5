"""The enforcement cases a person may read: those of the complaint cases they see
(engine/org/scopes.py case_scope, passed in by the caller), newest first, with the open step's task."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.models import Case, Department, Task
from engine.models.enforcement import ENFORCEMENT_STEPS, EnforcementCase

PAGE_SIZE = 50


@dataclass(frozen=True)
class Listed:
    row: EnforcementCase
    case_number: str
    department: str


def list_enforcement(session: Session, *, scope, step: str | None = None, limit: int = PAGE_SIZE) -> list[Listed]:
    query = (select(EnforcementCase, Case.number, Department.name).join(Case, Case.id == EnforcementCase.case_id)
             .outerjoin(Department, Department.id == EnforcementCase.department_id).where(scope))
    if step in ENFORCEMENT_STEPS:
        query = query.where(EnforcementCase.step == step)
    rows = session.execute(query.order_by(EnforcementCase.opened_at.desc(), EnforcementCase.id.desc()).limit(limit))
    return [Listed(row, number, department or "") for row, number, department in rows]


def get_enforcement(session: Session, enforcement_id: int, *, scope) -> tuple[EnforcementCase, Case]:
    """One enforcement case and its complaint case, if the person sees that case; NotFound otherwise."""
    found = session.execute(select(EnforcementCase, Case).join(Case, Case.id == EnforcementCase.case_id)
                            .where(EnforcementCase.id == enforcement_id, scope)).first()
    if found is None:
        raise NotFound("enforcement case")
    return found[0], found[1]


def open_tasks(session: Session, row: EnforcementCase) -> list[Task]:
    if row.instance_id is None:
        return []
    return list(session.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")
                                .order_by(Task.created_at)))
