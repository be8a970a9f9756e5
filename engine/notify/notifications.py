"""Who hears about what happens to a case: notification rules, recipients, and the e-mail sender.

Design: a notification meant for a group (everyone who could work a task: "the air section's
handlers", "the tier-2 supervisors of 城关镇") is fanned out when it is created into one row per
person, resolved by the scope rules the inbox uses (engine/org/scopes.py: ``works_in`` is the
Python form of ``task_scope``). So "read" and "e-mailed" are simply columns of that person's
row, and a person added to a group later does not inherit old news.

All rules live in ``from_step``, called once per engine step from Runtime._run, and read the
step's audit events: one place decides, and each event yields at most one notification per
person (the most specific one wins: an escalation over a warning over a plain "new task").
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.core.timefmt import deadline_text, local_time
from engine.models import Case, Department, Grid, Notification, Task, User, UserRole
from engine.org.scopes import StaffMember, works_in
from engine.vocabulary.words import STAGES, word

log = logging.getLogger(__name__)

# The most specific message for a person wins when one step yields several for them.
PRIORITY = {"escalation": 0, "supervised": 1, "warning": 2, "returned": 3, "approval": 3, "closed": 4,
            "reassigned": 5, "task": 9}


# ---------------------------------------------------------------------------- audiences


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
    """Staff who could work ``task`` (the choices when a supervisor reassigns it)."""
    ids = Directory(session).recipients(Audience.of_task(task, personal=False))
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name, User.id)))


# ---------------------------------------------------------------------------- delivery


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


# ---------------------------------------------------------------------------- rules


def _headline(case: Case) -> str:
    return f"{case.number} {case.title}"


def from_step(outcome) -> None:
    """Derive this step's notifications from its audit events, notices and new tasks (see module
    doc). Called by the runtime after every step (engine/bootstrap.py wires it)."""
    ctx, new_tasks = outcome.context, outcome.new_tasks
    case = ctx.case
    if case is None:
        return
    session: Session = ctx.session
    tz = ctx.timezone
    messages: list[Message] = [
        Message(n.kind, n.title, n.body, Audience(group=n.group, department_id=n.department_id,
                                                  grid_path=case.grid_path, tier=n.tier, user_id=n.user_id))
        for n in ctx.notices]

    for event in ctx.audit:
        messages.extend(_event_messages(session, case, event, tz))

    for task in new_tasks:
        if task.stage == "supervise":
            continue  # raised by an escalation, which has already told that tier
        stage = word(STAGES, task.stage)
        messages.append(Message(
            "task", f"新任务：{task.name} · {_headline(case)}",
            f"{stage}阶段待办，期限 {deadline_text(task.due_at, tz) or '—'}。", Audience.of_task(task)))

    if messages:
        created = deliver(session, case, messages, ctx.now())
        if not created:
            log.info("case %s: nobody in scope to notify for %s", case.number, sorted({m.kind for m in messages}))


def _stage_tasks(session: Session, case: Case, stage: str | None) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "ready",
                                                   Task.stage == stage).order_by(Task.created_at)))


def _handlers_of(case: Case) -> Audience:
    return Audience(group="handler", department_id=case.department_id, grid_path=case.grid_path)


def _event_messages(session: Session, case: Case, event, tz: ZoneInfo) -> list[Message]:
    detail = event.detail or {}
    head = _headline(case)
    if event.kind == "stage_warning":
        stage = word(STAGES, event.stage)
        due = datetime.fromisoformat(detail["due"]) if detail.get("due") else case.stage_due
        return [Message("warning", f"预警：{head}",
                        f"{stage}阶段将于 {deadline_text(due, tz)} 到期，请抓紧办理。", Audience.of_task(task))
                for task in _stage_tasks(session, case, event.stage)]
    if event.kind == "returned":
        department = session.scalar(select(Department.name).where(Department.code == detail.get("department"))) \
            if detail.get("department") else None
        return [Message("returned", f"退单：{head}",
                        f"{department or '承办部门'}退回，原因：{detail.get('reason') or '—'}。请重新交办。",
                        Audience(group="intake", grid_path=case.grid_path))]
    if event.kind == "review_rejected":
        return [Message("approval", f"审批结果：审核未通过 · {head}",
                        f"审核意见：{detail.get('comment') or '—'}。请补充办理后重新反馈。", _handlers_of(case))]
    if event.kind == "extension_granted":
        return [Message("approval", f"审批结果：延期已批准 · {head}",
                        f"延期 {detail.get('days')} 个工作日，新的办理期限 {deadline_text(case.stage_due, tz) or '—'}。",
                        _handlers_of(case))]
    if event.kind == "extension_refused":
        return [Message("approval", f"审批结果：延期未批准 · {head}",
                        f"意见：{detail.get('comment') or '—'}。请在原期限 {deadline_text(case.stage_due, tz) or '—'} 前办结。",
                        _handlers_of(case))]
    if event.kind == "closed":
        return [Message("closed", f"办结待回访：{head}", "案件已办结，请按期回访投诉人并记录满意度。",
                        Audience(group="intake", grid_path=case.grid_path))]
    return []


# ---------------------------------------------------------------------------- reading


def list_for(session: Session, scope, *, unread_only: bool = False, limit: int = 50,
             offset: int = 0) -> tuple[list[tuple[Notification, str | None]], int]:
    """A person's notifications (``scope``: engine/org/scopes.notification_scope), newest first, with
    each one's case number; and how many match in all."""
    conditions = [scope] + ([Notification.read_at.is_(None)] if unread_only else [])
    total = session.scalar(select(func.count()).select_from(Notification).where(*conditions)) or 0
    rows = session.execute(
        select(Notification, Case.number).outerjoin(Case, Case.id == Notification.case_id).where(*conditions)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit).offset(offset)
    ).all()
    return [(note, number) for note, number in rows], total


def mark_read(session: Session, runtime, user_id: int, notification_id: int | None = None) -> int:
    """Mark one of the person's own notifications read (or all of them); returns how many."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        mine = session.scalar(select(Notification.id).where(Notification.id == notification_id,
                                                            Notification.user_id == user_id))
        if mine is None:
            raise NotFound(f"通知 {notification_id} 不存在 (no such notification)")
        query = query.where(Notification.id == notification_id)
    return session.execute(query.values(read_at=runtime.now())).rowcount or 0


# ---------------------------------------------------------------------------- e-mail

# E-mail is a nudge; the bell keeps everything. Older news is not mailed (a demo database or a
# long mail outage would otherwise flood every inbox at once).
MAIL_MAX_AGE = timedelta(days=3)
DEFAULT_SENDER = "greenloop <noreply@greenloop.local>"


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False  # implicit TLS (smtps://)
    sender: str = DEFAULT_SENDER
    timeout: float = 10.0


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://host:port, smtp+starttls://user:pass@host:587, smtps://host:465; ?from=addr."""
    parts = urlsplit(url)
    schemes = {"smtp": (False, False, 25), "smtp+starttls": (True, False, 587), "smtps": (False, True, 465)}
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"GREENLOOP_SMTP_URL must look like smtp://host:port, got {url!r}")
    starttls, tls, default_port = schemes[parts.scheme]
    query = parse_qs(parts.query)
    return SmtpTarget(
        host=parts.hostname, port=parts.port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=starttls, tls=tls, sender=query.get("from", [DEFAULT_SENDER])[0],
        timeout=float(query.get("timeout", ["10"])[0]))


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    if target.tls:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
        if target.starttls:
            smtp.starttls(context=ssl.create_default_context())
    if target.username:
        smtp.login(target.username, target.password or "")
    return smtp


def build_email(row: Notification, user: User, case: Case | None, sender: str, tz: ZoneInfo) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"【greenloop】{row.title}"
    msg["From"] = sender
    msg["To"] = Address(display_name=user.display_name, addr_spec=user.email)
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = make_msgid(idstring=f"n{row.id}", domain="greenloop.local")
    lines = [f"{user.display_name}，您好：", "", row.title]
    if row.body:
        lines.append(row.body)
    if case is not None:
        lines += ["", f"案件编号：{case.number}", f"案件标题：{case.title}"]
    lines += [f"通知时间：{local_time(row.created_at, tz)}", "", "请登录 greenloop 查看和办理。",
              "（本邮件由系统自动发送，请勿直接回复。）"]
    msg.set_content("\n".join(lines))
    return msg


def send_pending(runtime, smtp_url: str, limit: int = 200, max_age: timedelta = MAIL_MAX_AGE) -> int:
    """Mail every unsent notification of a person with an e-mail address; returns how many went.

    Each message is claimed, sent and marked in its own transaction (FOR UPDATE SKIP LOCKED, so
    several workers never send one twice). A refused message stays unsent and is tried again on
    the next call; a server that cannot be reached ends this round.
    """
    target = parse_smtp_url(smtp_url)
    tz = ZoneInfo(runtime.timezone)
    cutoff = runtime.now() - max_age
    smtp: smtplib.SMTP | None = None
    sent = attempts = 0
    after_id = 0
    try:
        while attempts < limit:
            with runtime.db.write() as session:
                found = session.execute(
                    select(Notification, User)
                    .join(User, User.id == Notification.user_id)
                    .where(Notification.emailed_at.is_(None), Notification.id > after_id,
                           Notification.created_at >= cutoff, User.active.is_(True),
                           User.email.is_not(None), User.email != "")
                    .order_by(Notification.id).limit(1)
                    .with_for_update(skip_locked=True, of=Notification)
                ).first()
                if found is None:
                    break
                row, user = found
                after_id = row.id
                attempts += 1
                case = session.get(Case, row.case_id) if row.case_id else None
                message = build_email(row, user, case, target.sender, tz)
                if smtp is None:
                    smtp = _connect(target)
                try:
                    smtp.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as err:
                    log.warning("mail for notification %s to %s refused, will retry: %s", row.id, user.email, err)
                    continue
                row.emailed_at = runtime.now()
                sent += 1
    except (OSError, smtplib.SMTPException) as err:
        # Includes connection refused and a dropped connection; nothing unsent was marked.
        log.warning("mail server %s:%s unavailable, %s sent this round, rest retried later: %s",
                    target.host, target.port, sent, err)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return sent
