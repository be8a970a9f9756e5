"""Self-inspection tasks (企业自查, engine/selfcheck): the bureau's editable checklist templates, a
campaign issuing one checklist to a set of enterprises, each enterprise's task (answered through a
link with a token, no account) and the photos sent with its answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base

# waiting: the enterprise's link is open · submitted: awaiting the review · correcting: sent back
# with a comment, the link open again · accepted: done.
SELFCHECK_STATUSES = ("waiting", "submitted", "correcting", "accepted")


class SelfCheckTemplate(Base):
    """A checklist the bureau keeps and edits; a campaign copies its items when it is issued."""

    __tablename__ = "selfcheck_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # [{"key": "q1", "question": …, "answer": "yesno"|"text", "photo": bool}]
    items: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column()


class SelfCheckCampaign(Base):
    __tablename__ = "selfcheck_campaign"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("selfcheck_template.id", ondelete="SET NULL"))
    items: Mapped[list] = mapped_column(JSON, default=list)  # the template's items as issued
    # Who it went to: {"classes": [...], "industries": [...], "grids": [...]}.
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    workdays: Mapped[int] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column()


class SelfCheckTask(Base):
    """One enterprise's self-inspection, run by workflows/bpmn/selfcheck.bpmn (the instance)."""

    __tablename__ = "selfcheck_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("selfcheck_campaign.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    # Copied from the enterprise when issued: scopes are one prefix test, the completion rate
    # counts per town and industry as they were when the task went out.
    grid_path: Mapped[str] = mapped_column(String(500), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"))
    # SHA-256 of the link's token: the token itself is never stored (engine/selfcheck/tokens.py).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)  # SELFCHECK_STATUSES
    colour: Mapped[str] = mapped_column(String(8), default="blue")
    due_at: Mapped[datetime] = mapped_column()
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {item key: "yes"|"no"|text}, the draft too
    submitted_at: Mapped[datetime | None] = mapped_column()
    # The first submission's punctuality (a correction does not make a late task on time).
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    escalated_tier: Mapped[int | None] = mapped_column()
    contact_outcome: Mapped[str | None] = mapped_column(Text)
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    corrections: Mapped[int] = mapped_column(default=0)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)


Index("ix_selfcheck_task_campaign_enterprise", SelfCheckTask.campaign_id, SelfCheckTask.enterprise_id, unique=True)


class SelfCheckPhoto(Base):
    """A photo for one checklist item, checked like an intake attachment (engine/cases/attachments.py)."""

    __tablename__ = "selfcheck_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("selfcheck_task.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[datetime] = mapped_column()
