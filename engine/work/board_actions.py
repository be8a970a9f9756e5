"""What supervisors do to a case from the board: supervise (督办), reassign (改派), own (包案).

Each action is one transaction on the locked case row with its audit event and notifications.
Callers pass the person's case scope (engine/org/scopes.case_scope): a case outside it is NotFound.
The BPMN escalation tasks (督办 raised by deadline timers) are separate and worked in the inbox.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import GreenloopError, NotFound
from engine.core.runtime import Runtime
from engine.core.timefmt import deadline_text
from engine.models import CLOSED_STATUSES, TOP_TIER, AuditEvent, Case, Task, User
from engine.notify.delivery import Audience, Message, deliver, eligible_users
from engine.org.places import place_names
from engine.vocabulary.words import ROLES, TIERS

NOTE_MAX = 2000
HISTORY_KINDS = ("supervised", "reassigned", "leader_owned", "leader_released", "escalated")


class SupervisionRefused(GreenloopError):
    """The action was refused; ``code`` names why (the web app shows a translated message)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class OwnershipConflict(SupervisionRefused):
    def __init__(self, owner: str):
        self.owner = owner
        super().__init__("owned", f"该案件已由 {owner} 包案 (already owned by {owner})")


def _locked_case(session: Session, case_id: int, scope) -> Case:
    case = session.scalars(select(Case).where(Case.id == case_id, scope).with_for_update()).first()
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在 (no such case)")
    if case.status in CLOSED_STATUSES:
        raise SupervisionRefused("closed", "案件已办结，无需督办 (the case is closed)")
    return case


def _audit(session: Session, runtime: Runtime, case: Case, actor: str, kind: str, task_id: str | None = None,
           **detail) -> None:
    session.add(AuditEvent(case_id=case.id, at=runtime.now(), actor=actor, kind=kind, stage=case.stage,
                           task_id=task_id, detail=detail))


def _ready_tasks(session: Session, case: Case) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "ready")
                                .order_by(Task.created_at, Task.spec)))


def _display(session: Session, username: str) -> str:
    return session.scalar(select(User.display_name).where(User.username == username)) or username


def supervise(session: Session, runtime: Runtime, case_id: int, *, actor: str, actor_tier: int | None, note: str,
              report_by: date | None, scope) -> Case:
    """Record a supervision note (督办意见) and tell whoever holds the case's ready tasks."""
    note = (note or "").strip()
    if not note:
        raise SupervisionRefused("note_required", "请填写督办意见 (a supervision note is required)")
    if len(note) > NOTE_MAX:
        raise SupervisionRefused("note_too_long", f"督办意见不能超过 {NOTE_MAX} 字 (note too long)")
    case = _locked_case(session, case_id, scope)
    tz = ZoneInfo(runtime.timezone)
    if report_by is not None and report_by < runtime.now().astimezone(tz).date():
        raise SupervisionRefused("report_by_past", "报告期限不能早于今天 (report-by date is in the past)")
    _audit(session, runtime, case, actor, "supervised", note=note, tier=actor_tier,
           report_by=report_by.isoformat() if report_by else None)
    who = TIERS.get(actor_tier or 0, ROLES["supervisor"])
    body = f"{who}督办意见：{note}"
    if report_by:
        body += f"\n请于 {report_by.isoformat()} 前报告办理情况。"
    title = f"督办：{case.number} {case.title}"
    deliver(session, case, [Message("supervised", title, body, Audience.of_task(task))
                            for task in _ready_tasks(session, case) if task.stage != "supervise"],
            runtime.now())
    return case


def reassign(session: Session, runtime: Runtime, case_id: int, task_id: str, assignee_id: int | None, *, actor: str,
             actor_tier: int | None, scope, may_work: Callable[[Session, int], object | None]) -> Task:
    """Give one of the case's ready tasks to a person, or back to its group (``assignee_id`` None).

    ``may_work(session, user_id)`` returns the WHERE clause of the tasks that person may work
    (webapp/access.task_scope of their Staff), or None if they cannot sign in.
    """
    case = _locked_case(session, case_id, scope)
    task = session.scalars(select(Task).where(Task.id == task_id, Task.case_id == case.id)
                           .with_for_update()).first()
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在 (no such task)")
    if task.state != "ready":
        raise SupervisionRefused("not_ready", "该任务已办结或已取消，无法改派 (the task is no longer ready)")
    if task.assignee_id == assignee_id:
        return task
    person = None
    if assignee_id is not None:
        person = session.get(User, assignee_id)
        clause = may_work(session, assignee_id) if person is not None and person.active else None
        if clause is None or session.scalar(select(Task.id).where(Task.id == task.id, clause)) is None:
            raise SupervisionRefused("not_eligible",
                                     "该人员无权办理此任务，未改派 (this person cannot work the task)")
    previous = session.get(User, task.assignee_id) if task.assignee_id else None
    task.assignee_id = assignee_id
    _audit(session, runtime, case, actor, "reassigned", task_id=task.id, task=task.spec, tier=actor_tier,
           previous=previous.username if previous else None, to=person.username if person else None)
    head = f"{task.name} · {case.number} {case.title}"
    by = _display(session, actor)
    due = deadline_text(task.due_at, ZoneInfo(runtime.timezone)) or "—"
    messages = []
    if previous is not None:
        messages.append(Message("reassigned", f"任务已改派：{head}",
                                f"{by}已将此任务改派{'给 ' + person.display_name if person else '回组内'}，"
                                "您无需再办理。", Audience(user_id=previous.id)))
    if person is not None:
        messages.append(Message("reassigned", f"改派给您：{head}", f"{by}将此任务指派给您办理，期限 {due}。",
                                Audience(user_id=person.id)))
    else:
        messages.append(Message("reassigned", f"任务退回组内：{head}",
                                f"{by}已将此任务退回组内，请认领办理，期限 {due}。",
                                Audience.of_task(task, personal=False)))
    deliver(session, case, messages, runtime.now())
    return task


def take_ownership(session: Session, runtime: Runtime, case_id: int, *, user_id: int, actor: str, scope) -> Case:
    """A bureau leader (tier 4) owns the case (领导包案); an existing owner is never overwritten."""
    case = _locked_case(session, case_id, scope)
    user = session.get(User, user_id)
    if user is None or user.tier != TOP_TIER or "supervisor" not in user.roles:
        raise SupervisionRefused("not_leader", "只有局领导可以包案 (only a bureau leader can own a case)")
    if case.leader_owner_id == user_id:
        return case
    if case.leader_owner_id is not None:
        raise OwnershipConflict(session.get(User, case.leader_owner_id).display_name)
    case.leader_owner_id = user_id
    _audit(session, runtime, case, actor, "leader_owned", owner=user.username)
    return case


def release_ownership(session: Session, runtime: Runtime, case_id: int, *, user_id: int, actor: str, scope) -> Case:
    """Only the owning leader lets a case go."""
    case = _locked_case(session, case_id, scope)
    if case.leader_owner_id != user_id:
        raise SupervisionRefused("not_owner", "只有包案领导本人可以取消包案 (only the owner can release)")
    case.leader_owner_id = None
    _audit(session, runtime, case, actor, "leader_released")
    return case


# ---------------------------------------------------------------------------- reading


@dataclass
class TaskLine:
    task: Task
    assignee: str | None
    candidates: list[User]


@dataclass
class Panel:
    case: Case
    department: str | None
    town: str | None
    leader: str | None
    tasks: list[TaskLine]
    history: list[tuple[AuditEvent, str]]  # event, actor's display name
    names: dict[str, str]  # username → display name, for the people the history mentions


def panel(session: Session, case: Case) -> Panel:
    """What the supervision page shows for one (already scope-checked) case."""
    tasks = []
    for task in _ready_tasks(session, case):
        assignee = session.get(User, task.assignee_id) if task.assignee_id else None
        tasks.append(TaskLine(task, assignee.display_name if assignee else None, eligible_users(session, task)))
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                           AuditEvent.kind.in_(HISTORY_KINDS))
                                  .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(50)))
    people = {e.actor for e in events} | {e.detail.get(k) for e in events for k in ("to", "previous", "owner")}
    names = {username: name for username, name in session.execute(
        select(User.username, User.display_name).where(User.username.in_(people - {None})))}
    leader = session.get(User, case.leader_owner_id) if case.leader_owner_id else None
    town = next(iter(place_names(session, case.grid_path)), None)  # town first
    return Panel(case, case.department.name if case.department else None, town,
                 leader.display_name if leader else None, tasks,
                 [(e, names.get(e.actor, e.actor)) for e in events], names)
