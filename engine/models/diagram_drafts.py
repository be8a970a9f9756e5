"""Unsaved diagram/DMN drafts an administrator is editing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class DiagramDraft(Base):
    """The working copy of one process's files (one per process id, shared by all administrators).

    ``revision`` grows by one with every save; a save names the revision it started from, so a
    second administrator saving over a newer draft is told instead of silently overwriting it.
    """

    __tablename__ = "diagram_draft"
    __table_args__ = (UniqueConstraint("process_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    # Same shape as ProcessDefinition.bpmn_files / dmn_files: {"complaint.bpmn": "<xml…>", …}
    bpmn_files: Mapped[dict] = mapped_column(JSON)
    dmn_files: Mapped[dict] = mapped_column(JSON)
    # The deployed version the draft was started from (its diff and its deploy are against it).
    base_definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))
    revision: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column()
