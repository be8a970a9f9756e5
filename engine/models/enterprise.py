"""The pollution-source register (污染源台账): enterprises, their online-monitoring points, the
register's uploaded import files, and each positive-list period (正面清单) of an enterprise
(engine/enterprises)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base

# 重点 / 一般 / 特殊 (the words are engine/vocabulary/words.py SUPERVISION_CLASSES).
SUPERVISION_CLASSES = ("key", "general", "special")
# proposed → listed (approved) or rejected; listed → removed (review or by hand) or expired.
LISTING_STATUSES = ("proposed", "rejected", "listed", "removed", "expired")


class Enterprise(Base):
    __tablename__ = "enterprise"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码, GB 32100-2015
    name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str | None] = mapped_column(String(500))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    # Copied from the grid so that a supervisor's scope is one prefix test (engine/org/scopes.py).
    grid_path: Mapped[str] = mapped_column(String(500), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    supervision_class: Mapped[str] = mapped_column(String(16))  # one of SUPERVISION_CLASSES
    permit_number: Mapped[str | None] = mapped_column(String(64))
    permit_expires: Mapped[date | None] = mapped_column(Date)
    # [{"name": …, "phone": …}]: personal data, shown to staff only (never on the public list).
    contacts: Mapped[list] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column()


class MonitoringPoint(Base):
    """An online-monitoring station (在线监测点位): alarms arrive with its code."""

    __tablename__ = "monitoring_point"
    id: Mapped[int] = mapped_column(primary_key=True)
    station_code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)


class EnterpriseImport(Base):
    """An uploaded register file between its dry run and its application (as GridImport)."""

    __tablename__ = "enterprise_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="previewed")  # previewed | applied
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    applied_by: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime | None] = mapped_column()


class PositiveListing(Base):
    """One proposal to put an enterprise on the positive list, and the period it was listed for;
    run by workflows/bpmn/positive_list.bpmn (the instance)."""

    __tablename__ = "positive_listing"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), index=True)  # one of LISTING_STATUSES
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column()
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(Text)
