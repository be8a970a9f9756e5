"""Random inspections with public results (双随机、一公开, engine/inspections): the annual plan
with its rates, pool and recorded draw, and one inspection per drawn object, run by
workflows/bpmn/inspection.bpmn."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base

# 待抽取 (draft: editable) → seed fixed (the public value recorded) → drawn → published.
PLAN_STATUSES = ("draft", "seeded", "drawn", "published")
# notify → inspect → rectify (when needed) → done.
INSPECTION_STEPS = ("notify", "inspect", "rectify", "done")


class InspectionPlan(Base):
    __tablename__ = "inspection_plan"
    __table_args__ = (UniqueConstraint("year", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    # {"key": "1/4", "general": "1/20", "special": "1/10"}: fractions as strings (draw.py reads them).
    rates: Mapped[dict] = mapped_column(JSON, default=dict)
    per_object: Mapped[int] = mapped_column(default=2)
    bureau_min: Mapped[int] = mapped_column(default=1)
    publish_days: Mapped[int] = mapped_column(default=20)  # working days after an inspection's result
    inspect_days: Mapped[int] = mapped_column(default=15)  # working days for notify + inspect
    joint: Mapped[bool] = mapped_column(default=False)  # 部门联合: other departments' people in the pool
    inspector_ids: Mapped[list] = mapped_column(JSON, default=list)  # the pool (两库), user ids
    status: Mapped[str] = mapped_column(String(16), default="draft")  # one of PLAN_STATUSES
    public_value: Mapped[str | None] = mapped_column(String(200))
    public_value_source: Mapped[str | None] = mapped_column(String(300))
    seed: Mapped[str | None] = mapped_column(String(64))
    seeded_by: Mapped[str | None] = mapped_column(String(100))
    seeded_at: Mapped[datetime | None] = mapped_column()
    # The published document (draw.published): inputs, result, digest, kept as drawn.
    draw_document: Mapped[dict | None] = mapped_column(JSON)
    digest: Mapped[str | None] = mapped_column(String(64))
    drawn_by: Mapped[str | None] = mapped_column(String(100))
    drawn_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column()


class Inspection(Base):
    """One drawn object and its inspectors; the instance of inspection.bpmn that works it."""

    __tablename__ = "inspection"
    __table_args__ = (UniqueConstraint("plan_id", "enterprise_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"))
    inspector_ids: Mapped[list] = mapped_column(JSON, default=list)  # the lead (a bureau inspector) first
    step: Mapped[str] = mapped_column(String(16), default="notify")  # one of INSPECTION_STEPS
    colour: Mapped[str] = mapped_column(String(8), default="blue")
    escalated_tier: Mapped[int | None] = mapped_column()
    notice_number: Mapped[str | None] = mapped_column(String(64))
    notice: Mapped[dict | None] = mapped_column(JSON)  # the 检查通知书's snapshot
    mode: Mapped[str | None] = mapped_column(String(16))  # on_site | off_site
    inspected_on: Mapped[date | None] = mapped_column(Date)
    findings: Mapped[str | None] = mapped_column(Text)
    violation: Mapped[bool] = mapped_column(default=False)
    # The violation awaits the enforcement path (engine/inspections/enforcement_hook.py).
    enforcement_pending: Mapped[bool] = mapped_column(default=False)
    rectification: Mapped[str | None] = mapped_column(Text)  # what must be corrected
    rectify_due: Mapped[date | None] = mapped_column(Date)
    rectified: Mapped[bool | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(String(16))  # compliant | rectified | violation
    summary: Mapped[str | None] = mapped_column(String(500))  # the public result summary
    completed_at: Mapped[datetime | None] = mapped_column()
    publish_by: Mapped[datetime | None] = mapped_column()
