"""Who a message is for and how it reaches them: a group message is fanned out when it is created
into one row per person who could work the task (engine/org/scopes.py decides), so "read" and
"e-mailed" are columns of that person's row and someone added to a group later does not inherit
old news. A person gets only the most specific message of a step.

News is grouped into threads so that the bell counts what a person must look at, not every event:
- new work in a group's queue (a new task, a warning on a task nobody holds, a case waiting for its
  follow-up) is one digest row per person, queue and stage — "受理：新到任务 3 件" — counted up while
  it is unread and mailed once (a desk receiving hundreds of cases a day would otherwise get
  hundreds of rows and mails, one per case);
- anything else is a thread per case and kind: a repeat while the row is unread updates it (count,
  time, the latest wording) and is mailed again, as it says something new about that case.
Once read, the next piece of news starts a new row. Two steps of one person's thread committing at
the same moment may each start a row; nothing is lost, the bell shows two.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, cast, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.core import reference_cache
from engine.models import Case, Department, Grid, Notification, Task, User, UserRole
from engine.org.scopes import StaffMember, works_in
from engine.vocabulary.words import STAGES, word

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
    """Active staff (a county has hundreds, not millions), kept per process until the staff, their
    roles, places or departments change (engine/core/reference_cache.py)."""

    def __init__(self, session: Session):
        self.session = session
        self._staff: list[StaffMember] | None = None

    def staff(self) -> list[StaffMember]:
        if self._staff is None:
            self._staff = reference_cache.cached(self.session, "staff", None, lambda: _active_staff(self.session))
        return self._staff

    def recipients(self, audience: Audience) -> list[int]:
        if audience.user_id is not None:
            return [audience.user_id]
        if not audience.group:
            return []
        return [m.id for m in self.staff() if works_in(m, audience.group, audience)]


def _active_staff(session: Session) -> list[StaffMember]:
    roles: dict[int, set[str]] = {}
    for user_id, role in session.execute(select(UserRole.user_id, UserRole.role)):
        roles.setdefault(user_id, set()).add(role)
    rows = session.execute(
        select(User.id, User.department_id, Grid.path, Grid.level, User.tier, Department.kind)
        .outerjoin(Grid, Grid.id == User.grid_id).outerjoin(Department, Department.id == User.department_id)
        .where(User.active.is_(True)).order_by(User.id))
    return [StaffMember(id=uid, roles=frozenset(roles.get(uid, ())), department_id=department,
                        grid_path=path, grid_level=level, tier=tier, outside_agency=kind == "external")
            for uid, department, path, level, tier, kind in rows]


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
    stage: str | None = None  # the stage of the task the news is about

    @property
    def priority(self) -> int:
        return PRIORITY.get(self.kind, 9)


# Group news about work arriving in a queue, digested per person, queue and stage (module doc), and
# how a digest of ``n`` pieces reads: what arrived since the person last read it — some may have been
# done by colleagues since, the inbox the digest links to shows what still waits.
_DIGEST = "queue:"  # the start of a queue digest's thread
QUEUE_TITLES = {"task": "{stage}：新到任务 {n} 件", "warning": "{stage}：预警 {n} 件",
                "closed": "{stage}：办结待回访 {n} 件"}


def thread_of(message: Message, case: Case | None) -> str | None:
    """The thread a message joins: its group's queue digest, or its case and kind."""
    audience = message.audience
    if audience.user_id is None and message.kind in QUEUE_TITLES and message.stage:
        return f"{_DIGEST}{audience.group}:{message.kind}:{message.stage}"
    return f"case:{case.id}:{message.kind}" if case is not None else None


def is_digest(note: Notification) -> bool:
    return bool(note.thread) and note.thread.startswith(_DIGEST)


def deliver(session: Session, case: Case | None, messages: Iterable[Message], now: datetime,
            directory: Directory | None = None) -> int:
    """Tell each recipient once — only the first (most specific) message of the step is theirs — by
    adding to their unread row of its thread, or by a new row; returns how many people were told."""
    directory = directory or Directory(session)
    taken: set[int] = set()
    planned: list[tuple[int, Message, str | None]] = []
    for message in sorted(messages, key=lambda m: m.priority):
        for user_id in directory.recipients(message.audience):
            if user_id not in taken:
                taken.add(user_id)
                planned.append((user_id, message, thread_of(message, case)))
    # One statement per kind of joining (a queue's digest of one stage, or a case's thread): each
    # row is inserted, or added to the person's unread row of its thread (the unique index
    # uq_notification_unread_thread, engine/models/audit.py). Rows go in person order, so that two
    # steps telling the same people lock their rows in the same order.
    batches: dict[tuple[str, str | None] | None, list[dict]] = {}
    for user_id, message, thread in sorted(planned, key=lambda p: (p[0], p[2] or "")):
        a = message.audience
        joining = (message.kind, message.stage) if thread and thread.startswith(_DIGEST) else None
        batches.setdefault(joining, []).append(dict(
            user_id=user_id, group=a.group, department_id=a.department_id, grid_path=a.grid_path, tier=a.tier,
            case_id=case.id if case else None, kind=message.kind, thread=thread, stage=message.stage, count=1,
            title=message.title[:300], body=message.body, created_at=now, last_at=now))
    connection = session.connection()
    for joining, rows in batches.items():
        connection.execute(_upsert(connection.dialect.name, joining, len(rows)), _numbered(rows))
    return len(planned)


_TABLE = Notification.__table__
_COLUMNS = ("user_id", "group", "department_id", "grid_path", "tier", "case_id", "kind", "thread", "stage", "count",
            "title", "body", "created_at", "last_at")
# Built once per dialect, digest and row count: building one costs more CPU than running it.
_UPSERTS: dict[tuple, object] = {}


def _numbered(rows: list[dict]) -> dict:
    return {f"r{i}_{name}": row[name] for i, row in enumerate(rows) for name in _COLUMNS}


def _upsert(dialect: str, joining: tuple[str, str | None] | None, count: int):
    """``INSERT … VALUES (row 0), (row 1)… ON CONFLICT (user_id, thread) WHERE unread DO UPDATE``:
    a repeat adds one to the count and brings the latest wording; a queue's digest is renamed for
    its new count and names the latest case in its body, and stays mailed if it was (one e-mail per
    digest); news about a case clears ``emailed_at`` so it is mailed again (engine/notify/mail.py)."""
    key = (dialect, joining, count)
    statement = _UPSERTS.get(key)
    if statement is not None:
        return statement
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(_TABLE).values(
        [{name: bindparam(f"r{i}_{name}", type_=_TABLE.c[name].type) for name in _COLUMNS} for i in range(count)])
    new, old = insert.excluded, _TABLE.c
    changes = {"count": old.count + 1, "last_at": new.last_at}
    if joining is None:
        changes.update(title=new.title, body=new.body, emailed_at=None)
    else:
        kind, stage = joining
        head, tail = QUEUE_TITLES[kind].format(stage=word(STAGES, stage), n="{n}").split("{n}")
        changes.update(case_id=None, title=literal(head) + cast(old.count + 1, String) + literal(tail),
                       body=literal("最新一件：") + new.title + literal("。") + new.body)
    statement = _UPSERTS[key] = insert.on_conflict_do_update(
        index_elements=["user_id", "thread"], index_where=old.read_at.is_(None), set_=changes)
    return statement
