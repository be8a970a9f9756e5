"""Generated case documents (文书): one row per immutable version, their number series, and
the administrator's settings (a small key/value table)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base
from engine.models.rendered import RenderedPdf


class Document(RenderedPdf, Base):
    """A document as issued: its content is the ``context`` snapshot taken at issue time, so the
    PDF rendered later (on first download, or by the worker) shows what was true then.

    A version is never changed once rendered; regenerating adds a row with the same number and
    the next ``version``."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("number", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # A case's document; or, for a missed patrol's supervision notice (督办单), the patrol's
    # (engine/patrol has no case: documents/patrol_notice.py).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    patrol_id: Mapped[int | None] = mapped_column(ForeignKey("patrol.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"),
                                                    index=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    # The BPMN element and SpiffWorkflow task whose completion issued it (None: issued by hand).
    element: Mapped[str | None] = mapped_column(String(100))
    source_task: Mapped[str | None] = mapped_column(String(36), index=True)
    context: Mapped[dict] = mapped_column(JSON)
    identity_shown: Mapped[bool] = mapped_column(default=True)


Index("ix_document_status_issued", Document.status, Document.issued_at)


class DocumentCounter(Base):
    """Per-year sequence of each number series (环受告〔2026〕第12号); locked while incremented."""

    __tablename__ = "document_counter"
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Setting(Base):
    """An administrator's setting (JSON value); changes are also written to the audit trail."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column()
