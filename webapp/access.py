"""Who may see what: the signed-in staff member and the SQL scopes every query goes through.

Scoping rules (README, "Who sees what"):
- administrator: everything;
- supervisor: cases in their grid subtree (a town supervisor their town, the county ones all);
- intake staff: cases in their grid subtree (the county intake desk: all);
- department lead: their department's cases;
- handler / grid officer: their department's cases, plus — for staff posted to a town, work
  area or village — the cases in that grid subtree.
A case outside the scope answers 404, never 403, so its existence is not revealed.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_login import UserMixin, current_user
from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import Session

from engine.models import Case, Grid, Task, User

GROUP_OF_ROLE = {"intake": "intake", "handler": "handler", "lead": "lead", "supervisor": "supervisor"}


@dataclass(frozen=True)
class Staff(UserMixin):
    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    department_id: int | None
    grid_path: str | None
    grid_level: str | None
    tier: int | None
    locale: str
    email: str | None

    def get_id(self) -> str:
        return str(self.id)

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def sees_identity(self) -> bool:
        """Complainant name and phone are shown only to intake staff and supervisors."""
        return self.has("intake", "supervisor")

    @property
    def local_grid(self) -> bool:
        return self.grid_level in ("town", "area", "village")

    @property
    def groups(self) -> list[str]:
        return sorted(GROUP_OF_ROLE[r] for r in self.roles if r in GROUP_OF_ROLE)


def load_staff(session: Session, user_id: int) -> Staff | None:
    row = session.get(User, user_id)
    if row is None or not row.active:
        return None
    grid = session.get(Grid, row.grid_id) if row.grid_id else None
    return Staff(id=row.id, username=row.username, display_name=row.display_name, roles=frozenset(row.roles),
                 department_id=row.department_id, grid_path=grid.path if grid else None,
                 grid_level=grid.level if grid else None, tier=row.tier, locale=row.locale or "zh_CN",
                 email=row.email)


def _in_grid(column, staff: Staff):
    if not staff.grid_path:
        return false()
    if staff.grid_path.count("/") == 2:
        # Posted at the root of the grid (the county): every place is inside, as are cases
        # registered without one; a LIKE here would only stop the database using its indexes.
        return true()
    return column.startswith(staff.grid_path, autoescape=True)


def case_scope(staff: Staff):
    """WHERE clause limiting Case rows to what this person may see."""
    if staff.is_admin:
        return true()
    clauses = []
    if staff.has("supervisor", "intake"):
        clauses.append(_in_grid(Case.grid_path, staff))
        if staff.grid_level == "county":
            clauses.append(Case.grid_path.is_(None))  # cases registered without a place
    if staff.has("lead", "handler") and staff.department_id:
        clauses.append(Case.department_id == staff.department_id)
    if staff.has("handler") and staff.local_grid:
        clauses.append(_in_grid(Case.grid_path, staff))
    return or_(*clauses) if clauses else false()


def task_scope(staff: Staff):
    """WHERE clause for the tasks this person may work: their groups, within their scope."""
    if staff.is_admin:
        return true()
    clauses = []
    if staff.has("intake"):
        clauses.append(and_(Task.candidate_group == "intake",
                            or_(_in_grid(Task.grid_path, staff), Task.grid_path.is_(None))
                            if staff.grid_level == "county" else _in_grid(Task.grid_path, staff)))
    if staff.has("handler"):
        mine = [Task.department_id == staff.department_id] if staff.department_id else []
        if staff.local_grid:
            mine.append(_in_grid(Task.grid_path, staff))
        if mine:
            clauses.append(and_(Task.candidate_group == "handler", or_(*mine)))
    if staff.has("lead") and staff.department_id:
        clauses.append(and_(Task.candidate_group == "lead", Task.department_id == staff.department_id))
    if staff.has("supervisor") and staff.tier:
        clauses.append(and_(Task.candidate_group == "supervisor", Task.tier == staff.tier,
                            or_(_in_grid(Task.grid_path, staff), Task.grid_path.is_(None))))
    return or_(*clauses) if clauses else false()


def visible_case(session: Session, staff: Staff, case_id: int) -> Case:
    case = session.scalars(select(Case).where(Case.id == case_id, case_scope(staff))).first()
    if case is None:
        abort(404)
    return case


def roles_required(*roles: str):
    """Route decorator: signed in, with one of these roles (administrators pass everywhere)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from webapp.extensions import login_manager

                return login_manager.unauthorized()
            if roles and not current_user.has(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def notification_scope(staff: Staff):
    """Notifications addressed to the person, or to a group they work in, within their scope."""
    from engine.models import Notification

    clauses = [Notification.user_id == staff.id]
    for group in staff.groups:
        scoped = [Notification.group == group, Notification.user_id.is_(None)]
        if group == "supervisor" and staff.tier:
            scoped.append(Notification.tier == staff.tier)
        if group in ("handler", "lead") and staff.department_id and not staff.local_grid:
            scoped.append(Notification.department_id == staff.department_id)
        elif staff.grid_path:
            scoped.append(or_(Notification.grid_path.startswith(staff.grid_path, autoescape=True),
                              Notification.grid_path.is_(None)))
        clauses.append(and_(*scoped))
    return or_(*clauses)
