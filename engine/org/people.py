"""Administering staff accounts: validation, changes and their audit trail (departments:
engine/org/departments.py).

An account must fit what the rest of the app assumes (engine/org/scopes.py, the scope rules;
engine/cases/lifecycle.py escalate), or its holder silently sees
nothing or is never told anything:
- a supervisor works supervision tasks of exactly their tier within their grid subtree, so needs
  a tier: 2 posted to a town, 3 (county supervision section) or 4 (bureau leader, owns escalated
  cases) posted at the county;
- a handler posted to a town, work area or village is a grid officer and sees that subtree's
  handling tasks: tier 1. Any other handler needs a department (their tasks come by department)
  and has no tier;
- a lead approves their department's cases: needs a department;
- handlers and leads belong to bureau departments or to outside agencies (公安, 市场监管 …), whose
  people see only what is sent to their agency; intake staff and supervisors are the bureau's;
- intake staff work the intake queue of their grid subtree: need a posting;
- nobody else has a tier.
Usernames never change and accounts with history are deactivated, never deleted: audit events,
tasks and notifications name people by username or id.
"""
from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.core.errors import AdminError, NotFound, Problem, refuse
from engine.core.paging import Page, paginate
from engine.models import (
    LOCAL_GRID_LEVELS,
    ROLES,
    AuditEvent,
    Case,
    Department,
    Grid,
    Notification,
    Task,
    User,
    UserRole,
)
from engine.models.auth import LoginSession
from engine.org import login_sessions, login_throttle
from engine.org.changes import audit, changed_fields, form_text
from engine.org.passwords import hash_password
from engine.org.places import town_path

MIN_PASSWORD = 10
LOCALES = ("zh_CN", "en")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+\- ()]{3,32}$")
SUPERVISOR_TIERS = (2, 3, 4)
GRID_OFFICER_TIER = 1


def generate_password() -> str:
    # 16 characters from a 64-letter alphabet: 96 bits, and nothing that a phone keyboard lacks.
    return secrets.token_urlsafe(12)


# ---------------------------------------------------------------------------- accounts


@dataclass
class UserValues:
    username: str
    display_name: str
    email: str | None
    phone: str | None
    roles: set[str]
    department: Department | None
    grid: Grid | None
    tier: int | None
    locale: str

    def snapshot(self) -> dict:
        return {"display_name": self.display_name, "email": self.email, "phone": self.phone,
                "roles": sorted(self.roles), "department": self.department.code if self.department else None,
                "grid": self.grid.code if self.grid else None, "tier": self.tier, "locale": self.locale}


def snapshot(user: User) -> dict:
    """The audited fields of an account (never the password hash)."""
    return {"display_name": user.display_name, "email": user.email, "phone": user.phone,
            "roles": sorted(user.roles), "department": user.department.code if user.department else None,
            "grid": user.grid.code if user.grid else None, "tier": user.tier, "locale": user.locale,
            "active": user.active}


def form_values(user: User) -> dict:
    """An account as the edit form shows it."""
    return {"username": user.username, "display_name": user.display_name, "email": user.email or "",
            "phone": user.phone or "", "roles": sorted(user.roles),
            "department": user.department.code if user.department else "",
            "grid": user.grid.code if user.grid else "", "tier": str(user.tier or ""), "locale": user.locale}


def validate_user(session: Session, data: dict, user: User | None = None) -> UserValues:
    """Clean form ``data`` for a new account (``user`` None) or an existing one; AdminError lists
    every problem by field."""
    problems: dict[str, list[Problem]] = defaultdict(list)
    add = lambda _field, _code, **params: problems[_field].append(Problem(_code, params))  # noqa: E731

    username = user.username if user else form_text(data, "username")
    if user is None:
        if not username:
            add("username", "required")
        elif not USERNAME_RE.match(username):
            add("username", "username_format")
        elif session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
            add("username", "username_taken", username=username)

    display_name = form_text(data, "display_name")
    if not display_name:
        add("display_name", "required")
    elif len(display_name) > 100:
        add("display_name", "too_long", n=100)
    email = form_text(data, "email") or None
    if email and (len(email) > 200 or not EMAIL_RE.match(email)):
        add("email", "email_format")
    phone = form_text(data, "phone") or None
    if phone and not PHONE_RE.match(phone):
        add("phone", "phone_format")
    locale = form_text(data, "locale") or "zh_CN"
    if locale not in LOCALES:
        add("locale", "choice")

    raw_roles = data.get("roles") or []
    roles = {r.strip() for r in ([raw_roles] if isinstance(raw_roles, str) else raw_roles) if r and r.strip()}
    if roles - set(ROLES):
        add("roles", "choice")
    if not roles:
        add("roles", "roles_required")

    department = None
    if code := form_text(data, "department"):
        department = session.scalars(select(Department).where(Department.code == code)).first()
        if department is None:
            add("department", "unknown_department", code=code)
    grid = None
    if code := form_text(data, "grid"):
        grid = session.scalars(select(Grid).where(Grid.code == code)).first()
        if grid is None:
            add("grid", "unknown_grid", code=code)

    tier = None
    if raw := form_text(data, "tier"):
        try:
            tier = int(raw)
        except ValueError:
            add("tier", "choice")
    if not problems.get("tier") and not problems.get("grid") and not problems.get("roles"):
        for name, problem in posting_problems(roles, department, grid, tier):
            problems[name].append(problem)

    if problems:
        raise AdminError(problems)
    return UserValues(username, display_name, email, phone, roles, department, grid, tier, locale)


def posting_problems(roles: set[str], department: Department | None, grid: Grid | None,
                     tier: int | None) -> list[tuple[str, Problem]]:
    """Whether roles, department, posting and tier fit together (see the module docstring)."""
    found: list[tuple[str, Problem]] = []
    local = grid is not None and grid.level in LOCAL_GRID_LEVELS
    if "supervisor" in roles:
        if tier not in SUPERVISOR_TIERS:
            found.append(("tier", Problem("supervisor_tier")))
        elif tier == 2 and (grid is None or grid.level != "town"):
            found.append(("grid", Problem("tier2_at_town")))
        elif tier in (3, 4) and (grid is None or grid.level != "county"):
            found.append(("grid", Problem("tier34_at_county")))
    elif "handler" in roles and local:
        if tier != GRID_OFFICER_TIER:
            found.append(("tier", Problem("grid_officer_tier")))
    elif tier is not None:
        found.append(("tier", Problem("grid_officer_posting" if "handler" in roles and tier == GRID_OFFICER_TIER
                                      else "tier_not_allowed")))
    if "handler" in roles and department is None and not local:
        found.append(("department", Problem("handler_needs_department")))
    if "lead" in roles and department is None:
        found.append(("department", Problem("lead_needs_department")))
    # An outside agency's people work what is sent to their agency (engine/org/scopes.py), as
    # handlers or leads; never as the bureau's intake desk or supervisors.
    if department is not None and department.kind != "bureau" and roles & {"intake", "supervisor"}:
        found.append(("department", Problem("external_department", name=department.name)))
    if roles & {"intake", "supervisor"} and grid is None:
        found.append(("grid", Problem("posting_required")))
    return found


def _admin_guard(session: Session, user: User, actor: str, *, keeps_admin: bool, stays_active: bool) -> None:
    """Refuse a change that would lock the actor or everyone out of administration."""
    if "admin" not in user.roles or not user.active or (keeps_admin and stays_active):
        return
    if user.username == actor:
        raise refuse("own_admin" if stays_active else "own_account", "roles" if stays_active else "")
    others = session.scalar(select(func.count()).select_from(User).join(UserRole).where(
        UserRole.role == "admin", User.active.is_(True), User.id != user.id))
    if not others:
        raise refuse("last_admin", "roles" if stays_active else "")


def create_user(session: Session, data: dict, actor: str, now: datetime) -> tuple[User, str | None]:
    """A new account; returns it and the generated password when none was given (shown once)."""
    values = validate_user(session, data)
    password = data.get("password") or ""
    generated = None
    if password:
        _check_password(password)
    else:
        password = generated = generate_password()
    user = User(username=values.username, password_hash=hash_password(password), active=True)
    _assign(user, values)
    session.add(user)
    session.flush()
    audit(session, actor, "user_created", now, username=user.username, after=values.snapshot())
    return user, generated


def _assign(user: User, values: UserValues) -> None:
    user.display_name, user.email, user.phone = values.display_name, values.email, values.phone
    user.department, user.grid, user.tier, user.locale = values.department, values.grid, values.tier, values.locale
    current = {r.role: r for r in user.role_rows}
    user.role_rows = [current.get(role) or UserRole(role=role) for role in sorted(values.roles)]


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user


def update_user(session: Session, user_id: int, data: dict, actor: str, now: datetime) -> User:
    user = get_user(session, user_id)
    values = validate_user(session, data, user)
    _admin_guard(session, user, actor, keeps_admin="admin" in values.roles, stays_active=True)
    before = snapshot(user)
    _assign(user, values)
    session.flush()
    old, new = changed_fields(before, {**values.snapshot(), "active": user.active})
    if new:
        audit(session, actor, "user_changed", now, username=user.username, before=old, after=new)
    return user


def set_active(session: Session, user_id: int, active: bool, actor: str, now: datetime) -> User:
    """Deactivating ends the person's sessions (they are signed out at their next request) and
    stops their notifications; their history stays theirs."""
    user = get_user(session, user_id)
    if user.active == active:
        return user
    _admin_guard(session, user, actor, keeps_admin=True, stays_active=active)
    user.active = active
    if not active:
        login_sessions.end_sessions(session, user.id, now, login_sessions.DEACTIVATED)
    audit(session, actor, "user_activated" if active else "user_deactivated", now, username=user.username,
          before={"active": not active}, after={"active": active})
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise refuse("password_short", "password", n=MIN_PASSWORD)
    if len(password) > 200:
        raise refuse("too_long", "password", n=200)


def reset_password(session: Session, user_id: int, actor: str, now: datetime,
                   password: str | None = None, *, keep_session: str | None = None) -> str | None:
    """Set ``password``, or a generated one that is returned to be shown once.

    Whoever knew the old password may be signed in with it: every session of the account ends,
    except ``keep_session`` (the token of the session making the change, when people change their
    own). A sign-in back-off on the account name is lifted: the new password is its owner's.
    """
    user = get_user(session, user_id)
    generated = None
    if password:
        _check_password(password)
    else:
        password = generated = generate_password()
    user.password_hash = hash_password(password)
    ended = login_sessions.end_sessions(session, user.id, now, login_sessions.PASSWORD_RESET, keep=keep_session)
    login_throttle.clear(session, login_throttle.account_key(user.username))
    audit(session, actor, "password_reset", now, username=user.username, generated=generated is not None,
          sessions_ended=ended)
    return generated


def sign_out_everywhere(session: Session, user_id: int, actor: str, now: datetime) -> int:
    """End every session of the account (a lost phone, a shared computer left signed in);
    returns how many were open."""
    user = get_user(session, user_id)
    ended = login_sessions.end_sessions(session, user.id, now, login_sessions.ENDED_BY_ADMIN)
    audit(session, actor, "sessions_ended", now, username=user.username, sessions_ended=ended)
    return ended


def history_of(session: Session, user: User) -> list[str]:
    """What ties an account to the record (why it can only be deactivated)."""
    found = []
    if session.scalar(select(exists().where(AuditEvent.actor == user.username))):
        found.append("acted")
    if session.scalar(select(exists().where(or_(Task.assignee_id == user.id, Task.completed_by == user.username)))):
        found.append("tasks")
    if session.scalar(select(exists().where(or_(Case.created_by_id == user.id, Case.leader_owner_id == user.id)))):
        found.append("cases")
    return found


def delete_user(session: Session, user_id: int, actor: str, now: datetime) -> None:
    """Only an account created by mistake (no history) is deleted; others are deactivated."""
    user = get_user(session, user_id)
    if user.username == actor:
        raise refuse("own_account")
    if history := history_of(session, user):
        raise refuse("user_has_history", history=history)
    _admin_guard(session, user, actor, keeps_admin=False, stays_active=False)
    before, username = snapshot(user), user.username
    # Notifications fanned out to them are deliveries, not history: nobody else reads them; nor
    # are their sign-in sessions.
    session.execute(delete(Notification).where(Notification.user_id == user.id))
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    try:
        with session.begin_nested():
            session.delete(user)
            session.flush()
    except IntegrityError as err:  # a table added later that points at accounts
        raise refuse("user_has_history", history=["records"]) from err
    audit(session, actor, "user_deleted", now, username=username, before=before)


# ---------------------------------------------------------------------------- listing


@dataclass(frozen=True)
class UserFilters:
    q: str = ""
    role: str = ""
    department: str = ""  # department code
    town: str = ""  # town grid code: people posted in that town's subtree
    status: str = "active"  # active | inactive | all


@dataclass(frozen=True)
class UserRow:
    user: User
    roles: list[str]
    department: str | None
    place: str | None


def search_users(session: Session, filters: UserFilters, page: int = 1, per_page: int = 25):
    query = select(User)
    text = filters.q.strip()
    if text:
        query = query.where(or_(User.username.icontains(text, autoescape=True),
                                User.display_name.icontains(text, autoescape=True),
                                User.email.icontains(text, autoescape=True),
                                User.phone.icontains(text, autoescape=True)))
    if filters.role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == filters.role)))
    if filters.department:
        query = query.where(User.department_id.in_(select(Department.id).where(Department.code == filters.department)))
    if filters.town:
        path = town_path(session, filters.town)
        inside = select(Grid.id).where(Grid.path.startswith(path, autoescape=True)) if path else None
        query = query.where(User.grid_id.in_(inside) if inside is not None else User.id.is_(None))
    if filters.status in ("active", "inactive"):
        query = query.where(User.active.is_(filters.status == "active"))
    listed = paginate(session, query.order_by(User.username), page, per_page)
    users = listed.items
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    grids = {g.id: g for g in session.scalars(select(Grid).where(Grid.id.in_({u.grid_id for u in users if u.grid_id})))}
    rows = [UserRow(u, sorted(u.roles), departments.get(u.department_id),
                    grids[u.grid_id].name if u.grid_id in grids else None) for u in users]
    return Page(rows, listed.total, listed.page, per_page)


def recent_changes(session: Session, username: str, limit: int = 20) -> list[AuditEvent]:
    """Administrative events about one account, newest first."""
    kinds = ("user_created", "user_changed", "user_activated", "user_deactivated", "password_reset",
             "sessions_ended")
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.case_id.is_(None), AuditEvent.kind.in_(kinds), AuditEvent.detail["username"].as_string() == username)
        .order_by(AuditEvent.id.desc()).limit(limit)))
