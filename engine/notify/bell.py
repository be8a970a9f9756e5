"""The bell: a person's notifications, newest first, and marking them read."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.models import Case, Notification


def list_for(session: Session, scope, *, unread_only: bool = False, limit: int = 50,
             offset: int = 0) -> tuple[list[tuple[Notification, str | None]], int]:
    """A person's notifications (``scope``: engine/org/scopes.notification_scope), newest first, with
    each one's case number; and how many match in all."""
    conditions = [scope] + ([Notification.read_at.is_(None)] if unread_only else [])
    total = session.scalar(select(func.count()).select_from(Notification).where(*conditions)) or 0
    rows = session.execute(
        select(Notification, Case.number).outerjoin(Case, Case.id == Notification.case_id).where(*conditions)
        .order_by(func.coalesce(Notification.last_at, Notification.created_at).desc(), Notification.id.desc())
        .limit(limit).offset(offset)
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


