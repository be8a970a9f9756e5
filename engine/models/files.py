"""Files that belong to a case (photos, evidence) and unfinished form drafts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class Attachment(Base):
    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The case the file belongs to; a random inspection's evidence (engine/inspections, which has
    # no case) names its inspection instead.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, for display only
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the content
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    # Relative to the data dir's attachments folder; never derived from the uploaded name.
    stored_path: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), default="photo")
    # public: submitted with the complaint (the complainant may see it); internal: staff evidence
    visibility: Mapped[str] = mapped_column(String(16), default="internal")
    task_id: Mapped[str | None] = mapped_column(String(36))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column()
    # A wrongly attached file is removed, not deleted: the row and the file stay for the record
    # (an administrator may still open it), but nothing shows, serves or prints it any more.
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[str | None] = mapped_column(String(100))
    removed_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


class TaskDraft(Base):
    """What someone typed into a task form and saved without completing it."""

    __tablename__ = "task_draft"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column()
