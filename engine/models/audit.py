"""Append-only history, notifications and the working calendar the administrator maintains."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(100))  # username, or "system" for timers
    kind: Mapped[str] = mapped_column(String(48), index=True)
    stage: Mapped[str | None] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class Notification(Base):
    """Addressed to one user, or to everyone in a candidate group (scoped like tasks).

    A row may stand for several pieces of news of one ``thread`` (engine/notify/delivery.py): new
    work in a group's queue, or repeats of one kind about one case. ``count`` says how many,
    ``last_at`` when the latest came; title and body are the latest's.
    """

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    group: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    grid_path: Mapped[str | None] = mapped_column(String(500))
    tier: Mapped[int | None] = mapped_column()
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column()
    emailed_at: Mapped[datetime | None] = mapped_column()
    thread: Mapped[str | None] = mapped_column(String(120))
    stage: Mapped[str | None] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(default=1, server_default="1")
    last_at: Mapped[datetime | None] = mapped_column()


# A case's history in order, and its latest event of a kind, without reading the rest of it
# (engine/cases/norms.py asks for both on every step of a case's handling).
Index("ix_audit_event_case_id_id", AuditEvent.case_id, AuditEvent.id)
Index("ix_audit_event_case_kind_id", AuditEvent.case_id, AuditEvent.kind, AuditEvent.id)
Index("ix_notification_group", Notification.group, Notification.read_at)
# One unread row per person and thread: news joins it, or starts it, in one statement
# (engine/notify/delivery.py), and two steps committing at once cannot start two.
Index("uq_notification_unread_thread", Notification.user_id, Notification.thread, unique=True,
      postgresql_where=Notification.read_at.is_(None), sqlite_where=Notification.read_at.is_(None))


class NotificationPreference(Base):
    """How often a person wants their notifications by e-mail (none kept: immediately)."""

    __tablename__ = "notification_preference"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    email_frequency: Mapped[str] = mapped_column(String(16), default="immediately")
    # When the worker last sent this person's daily digest (engine/notify/mail.py).
    last_digest_at: Mapped[datetime | None] = mapped_column()


class CalendarDay(Base):
    """An administrator's override of one day (holiday, or make-up workday 调休上班)."""

    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[str | None] = mapped_column(String(64))


class CalendarYear(Base):
    """A year whose holiday arrangement the administrator has entered in full."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    note: Mapped[str | None] = mapped_column(Text)
