"""Who a message is for and how it reaches them: a group message is fanned out when it is created
into one row per person who could work the task (engine/org/scopes.py decides), so "read" and
"e-mailed" are columns of that person's row and someone added to a group later does not inherit
old news. A person gets only the most specific message of a step.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, Grid, Notification, Task, User, UserRole
from engine.org.scopes import StaffMember, works_in

# The most specific message for a person wins when one step yields several for them.
PRIORITY = {"escalation": 0, "supervised": 1, "warning": 2, "returned": 3, "approval": 3, "closed": 4,
            "reassigned": 5, "task": 9}



@dataclass(frozen=True)
class Audience:
    """Who a message is for: one person (``user_id``), or everyone who could work a task of
    ``group`` with this department / place / tier."""

    group: str | None = None
    department_id: int | None = None
    grid_path: str | None = None
    tier: int | None = None
    user_id: int | None = None

    @classmethod
    def of_task(cls, task: Task, personal: bool = True) -> Audience:
        """The task's assignee if it has one (and ``personal``), else its candidate group."""
        return cls(group=task.candidate_group, department_id=task.department_id, grid_path=task.grid_path,
                   tier=task.tier if task.candidate_group == "supervisor" else None,
                   user_id=task.assignee_id if personal else None)


class Directory:
    """Active staff, read once per step or request (a county has hundreds, not millions)."""

    def __init__(self, session: Session):
        self.session = session
        self._staff: list[StaffMember] | None = None

    def staff(self) -> list[StaffMember]:
        if self._staff is None:
            roles: dict[int, set[str]] = {}
            for user_id, role in self.session.execute(select(UserRole.user_id, UserRole.role)):
                roles.setdefault(user_id, set()).add(role)
            rows = self.session.execute(
                select(User.id, User.department_id, Grid.path, Grid.level, User.tier)
                .outerjoin(Grid, Grid.id == User.grid_id).where(User.active.is_(True)).order_by(User.id))
            self._staff = [StaffMember(id=uid, roles=frozenset(roles.get(uid, ())), department_id=department,
                                       grid_path=path, grid_level=level, tier=tier)
                           for uid, department, path, level, tier in rows]
        return self._staff

    def recipients(self, audience: Audience) -> list[int]:
        if audience.user_id is not None:
            return [audience.user_id]
        if not audience.group:
            return []
        return [m.id for m in self.staff() if works_in(m, audience.group, audience)]


def eligible_users(session: Session, task: Task) -> list[User]:
    """Staff who could work ``task`` (the choices when a supervisor reassigns it); a task reserved
    for one person has no one else."""
    if getattr(task, "reserved_for_id", None) is not None:
        return list(session.scalars(select(User).where(User.id == task.reserved_for_id)))
    ids = Directory(session).recipients(Audience.of_task(task, personal=False))
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name, User.id)))



@dataclass
class Message:
    kind: str
    title: str
    body: str
    audience: Audience

    @property
    def priority(self) -> int:
        return PRIORITY.get(self.kind, 9)


def deliver(session: Session, case: Case | None, messages: Iterable[Message], now: datetime,
            directory: Directory | None = None) -> list[Notification]:
    """Add one Notification row per recipient; a person gets only the first (most specific) one."""
    directory = directory or Directory(session)
    taken: set[int] = set()
    rows = []
    for message in sorted(messages, key=lambda m: m.priority):
        for user_id in directory.recipients(message.audience):
            if user_id in taken:
                continue
            taken.add(user_id)
            a = message.audience
            rows.append(Notification(
                user_id=user_id, group=a.group, department_id=a.department_id, grid_path=a.grid_path,
                tier=a.tier, case_id=case.id if case else None, kind=message.kind,
                title=message.title[:300], body=message.body, created_at=now))
    session.add_all(rows)
    return rows


