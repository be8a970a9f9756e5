"""The enterprise's link: a random token (192 bits, URL-safe) for one task. Only its SHA-256 is
stored, so a copy of the database opens no task; the link expires a grace of working days after
the task's deadline (renewed when the review sends it back); staff may issue a new link, which
ends the old one. Lookups are rate-limited per address by the web app
(webapp/selfcheck/enterprise.py)."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.workdays import WorkCalendar
from engine.core.errors import GreenloopError, NotFound
from engine.models import AuditEvent
from engine.models.selfcheck import SelfCheckTask

TOKEN_BYTES = 24  # 192 bits of randomness
GRACE_WORKDAYS = 5
# What token_urlsafe(24) yields: 32 characters of the URL-safe alphabet.
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}$")
# Where the enterprise opens its link (webapp/selfcheck/enterprise.py's blueprint).
LINK_PATH = "/zc/"


class LinkExpired(GreenloopError):
    """The link was right but its time is over; staff can issue a new one."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def link(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + LINK_PATH + token


def expiry(calendar: WorkCalendar, due_at: datetime) -> datetime:
    return calendar.deadline(due_at, days=GRACE_WORKDAYS)


def task_for_token(session: Session, token: str, now: datetime, *, lock: bool = False) -> SelfCheckTask:
    """The task the token opens; NotFound for anything else (a malformed, unknown or replaced
    token: nothing tells which), LinkExpired once the link's time is over."""
    if not isinstance(token, str) or not _SHAPE.match(token):
        raise NotFound("selfcheck link")
    query = select(SelfCheckTask).where(SelfCheckTask.token_hash == digest(token))
    if lock:
        query = query.with_for_update()
    task = session.scalars(query).first()
    if task is None:
        raise NotFound("selfcheck link")
    if now >= task.token_expires_at:
        raise LinkExpired("selfcheck link expired")
    return task


def renew(session: Session, calendar: WorkCalendar, task: SelfCheckTask, actor: str, now: datetime) -> str:
    """A new token for the task (the old one stops working), valid at least a grace from now."""
    token = new_token()
    task.token_hash = digest(token)
    task.token_expires_at = max(expiry(calendar, task.due_at), expiry(calendar, now))
    session.add(AuditEvent(at=now, actor=actor, kind="selfcheck_link_renewed", instance_id=task.instance_id,
                           detail={"selfcheck_id": task.id}))
    return token
