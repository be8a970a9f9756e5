"""The bureau's departments and the outside agencies cases are transferred to: validation, changes
(audited), and what refers to a department — a department is deleted only when nothing does.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.core.errors import AdminError, NotFound, Problem, refuse
from engine.definitions.routing import routing_index
from engine.models import Case, Department, Task, User, UserRole
from engine.org.changes import audit, changed_fields, form_text

DEPARTMENT_KINDS = ("bureau", "external")
DEPARTMENT_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@dataclass(frozen=True)
class DepartmentUse:
    users: int
    cases: int
    open_tasks: int
    routing: list[dict]  # {"version", "file", "rule", "description"}

    @property
    def in_use(self) -> bool:
        return bool(self.users or self.cases or self.open_tasks or self.routing)


def department_use(session: Session, department: Department,
                   routing: dict[str, list[dict]] | None = None) -> DepartmentUse:
    """What refers to a department; ``routing`` is a routing_index read once for many of them."""
    count = lambda q: session.scalar(select(func.count()).select_from(q.subquery())) or 0  # noqa: E731
    routing = routing_index(session) if routing is None else routing
    return DepartmentUse(
        users=count(select(User.id).where(User.department_id == department.id)),
        cases=count(select(Case.id).where(Case.department_id == department.id)),
        open_tasks=count(select(Task.id).where(Task.department_id == department.id, Task.state == "ready")),
        routing=list(routing.get(department.code, [])))


def validate_department(session: Session, data: dict, department: Department | None = None) -> dict:
    problems: dict[str, list[Problem]] = defaultdict(list)
    code = department.code if department else form_text(data, "code")
    if department is None:
        if not code:
            problems["code"].append(Problem("required"))
        elif not DEPARTMENT_CODE_RE.match(code):
            problems["code"].append(Problem("department_code_format"))
        elif session.scalar(select(Department.id).where(Department.code == code)):
            problems["code"].append(Problem("department_code_taken", {"code": code}))
    name = form_text(data, "name")
    if not name:
        problems["name"].append(Problem("required"))
    elif len(name) > 200:
        problems["name"].append(Problem("too_long", n=200))
    elif session.scalar(select(Department.id).where(Department.name == name,
                                                    Department.id != (department.id if department else -1))):
        problems["name"].append(Problem("department_name_taken", name=name))
    kind = form_text(data, "kind") or "bureau"
    if kind not in DEPARTMENT_KINDS:
        problems["kind"].append(Problem("choice"))
    elif department is not None and kind != "bureau" and department.kind == "bureau":
        staff = session.scalar(select(func.count()).select_from(User).join(UserRole).where(
            User.department_id == department.id, UserRole.role.in_(("handler", "lead"))))
        if staff:
            problems["kind"].append(Problem("department_has_staff", n=staff))
    if problems:
        raise AdminError(problems)
    return {"code": code, "name": name, "kind": kind}


def create_department(session: Session, data: dict, actor: str, now: datetime) -> Department:
    values = validate_department(session, data)
    department = Department(**values)
    session.add(department)
    session.flush()
    audit(session, actor, "department_created", now, code=department.code, after=values)
    return department


def update_department(session: Session, code: str, data: dict, actor: str, now: datetime) -> Department:
    department = _department(session, code)
    values = validate_department(session, data, department)
    before = {"name": department.name, "kind": department.kind}
    department.name, department.kind = values["name"], values["kind"]
    old, new = changed_fields(before, {"name": department.name, "kind": department.kind})
    if new:
        audit(session, actor, "department_changed", now, code=code, before=old, after=new)
    return department


def delete_department(session: Session, code: str, actor: str, now: datetime) -> None:
    """Only a department nothing refers to: no staff, cases, open tasks, or routing rule."""
    department = _department(session, code)
    use = department_use(session, department)
    problems = []
    if use.users:
        problems.append(Problem("department_has_users", n=use.users))
    if use.cases:
        problems.append(Problem("department_has_cases", n=use.cases))
    if use.open_tasks:
        problems.append(Problem("department_has_tasks", n=use.open_tasks))
    for ref in use.routing:
        problems.append(Problem("department_in_routing", **ref))
    if problems:
        raise AdminError({"": problems})
    before = {"code": department.code, "name": department.name, "kind": department.kind}
    try:
        with session.begin_nested():
            session.delete(department)
            session.flush()
    except IntegrityError as err:  # notifications or history rows that still name it
        raise refuse("department_has_records") from err
    audit(session, actor, "department_deleted", now, code=code, before=before)


def _department(session: Session, code: str) -> Department:
    department = session.scalars(select(Department).where(Department.code == code)).first()
    if department is None:
        raise NotFound(f"department {code}")
    return department
