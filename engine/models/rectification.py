"""Rectification items (逐项整改销号): what handling found must be put right, one row per item, each
with its own working-day limit, the evidence the responsible party gives and the lead's sign-off.
The case cannot close while a row is not signed off (engine/rectification/items.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class RectificationItem(Base):
    __tablename__ = "rectification_item"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_rectification_item_case_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column()  # 1, 2, … within the case, in the order handling listed them
    what: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200))
    days: Mapped[int] = mapped_column()  # working days from the item's opening
    evidence_required: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, submitted, signed_off
    opened_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    overdue: Mapped[bool] = mapped_column(default=False)
    # Evidence: ids of the case's attachments (engine/cases/attachments.py) and a note.
    evidence_attachment_ids: Mapped[str | None] = mapped_column(String(200))
    evidence_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column()
    signed_off_by: Mapped[str | None] = mapped_column(String(64))
    signed_off_at: Mapped[datetime | None] = mapped_column()
