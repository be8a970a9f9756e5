"""The signed-in staff member and the web's checks: a role per page, a case in scope.

Scoping rules: engine/org/scopes.py (re-exported here for the views); README, "Who sees what",
says them in words. A case outside the scope answers 404, never 403, so its existence is not
revealed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from flask import abort
from flask_login import UserMixin, current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, Department, Grid, User, UserRole
from engine.org.scopes import (
    StaffMember,
    attachment_removal_scope,
    case_scope,
    may_remove_attachments,
    may_see_statistics,
    notification_scope,
    statistics_scope,
    task_scope,
)

__all__ = ["Staff", "attachment_removal_scope", "case_scope", "load_staff", "may_remove_attachments",
           "may_see_statistics", "notification_scope", "roles_required", "statistics_scope", "task_scope",
           "visible_case"]

@dataclass(frozen=True)
class Staff(StaffMember, UserMixin):
    """The signed-in staff member: the scope rules' view of them, plus what the pages show."""

    username: str
    display_name: str
    locale: str
    email: str | None
    # The sign-in session (engine/org/login_sessions.py) this request is signed in with; None for
    # the staff member an API token acts for.
    session_token: str | None = field(default=None, compare=False, repr=False)

    def get_id(self) -> str | None:
        # What Flask-Login keeps in the cookie and hands back to the user loader (webapp/auth.py):
        # the session's token rather than the user id, so ending the session on the server ends
        # every copy of the cookie (Flask-Login's "alternative tokens").
        return self.session_token


def load_staff(session: Session, user_id: int, session_token: str | None = None) -> Staff | None:
    # One statement, a row per role: every signed-in request asks (webapp/auth.py), and loading the
    # user, its roles, grid and department as objects took four.
    rows = session.execute(
        select(User.username, User.display_name, User.active, User.department_id, User.tier, User.locale,
               User.email, Grid.path, Grid.level, Department.kind, UserRole.role)
        .outerjoin(Grid, Grid.id == User.grid_id).outerjoin(Department, Department.id == User.department_id)
        .outerjoin(UserRole, UserRole.user_id == User.id).where(User.id == user_id)).all()
    if not rows or not rows[0].active:
        return None
    row = rows[0]
    return Staff(id=user_id, username=row.username, display_name=row.display_name,
                 roles=frozenset(r.role for r in rows if r.role is not None), department_id=row.department_id,
                 grid_path=row.path, grid_level=row.level, tier=row.tier, locale=row.locale or "zh_CN",
                 email=row.email, session_token=session_token, outside_agency=row.kind == "external")


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
