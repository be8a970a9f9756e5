"""Patrols (网格巡查): the points grid officers patrol, each due patrol of a point, and its photos."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base

# What a patrol point is (the word for each is in engine/vocabulary/words.py PATROL_POINT_KINDS).
PATROL_POINT_KINDS = ("enterprise", "construction", "river", "catering", "other")
# open: due, not yet checked in · done: checked in · missed: closed without a check-in.
PATROL_STATUSES = ("open", "done", "missed")


class PatrolPoint(Base):
    """A place a grid officer patrols, attached to a grid node."""

    __tablename__ = "patrol_point"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # one of PATROL_POINT_KINDS
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    # Copied from the grid so that a supervisor's scope is one prefix test (engine/org/scopes.py).
    grid_path: Mapped[str] = mapped_column(String(500), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    checklist: Mapped[list] = mapped_column(JSON, default=list)  # the items to answer, in order
    # Working days between patrols; None: the default of the grid's level (engine/patrol/frequency.py).
    every_days: Mapped[float | None] = mapped_column(Float)
    # The officer who patrols it; None: the first grid officer posted at its grid node.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The register's enterprise this point is (engine/enterprises): its patrols are in its history.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The first day of patrol slot 0, and the slot the scheduler starts next.
    anchor: Mapped[datetime] = mapped_column()
    next_slot: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column()


class Patrol(Base):
    """One due patrol of a point (one slot), with its check-in once made. The unique key makes
    starting a slot twice fail in the database, whatever two workers do."""

    __tablename__ = "patrol"
    __table_args__ = (UniqueConstraint("point_id", "slot", name="uq_patrol_point_slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("patrol_point.id"), index=True)
    slot: Mapped[int] = mapped_column()
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    grid_path: Mapped[str] = mapped_column(String(500))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    opens_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")  # one of PATROL_STATUSES
    colour: Mapped[str] = mapped_column(String(8), default="blue")
    escalated_tier: Mapped[int | None] = mapped_column()
    checked_in_at: Mapped[datetime | None] = mapped_column()
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    far: Mapped[bool] = mapped_column(Boolean, default=False)  # checked in far from the point: flagged
    answers: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    # The complaint case a problem found on this patrol started.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)


Index("ix_patrol_status_due", Patrol.status, Patrol.due_at)


class PatrolPhoto(Base):
    """A photo taken at a check-in, checked like an intake attachment (engine/cases/attachments.py)."""

    __tablename__ = "patrol_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column()
