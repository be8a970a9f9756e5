"""Enforcement cases (执法案件): what handling, a patrol or an inspection found to be a violation,
filed (立案) with its own number and taken through investigation, the penalty decision, the
rectification check and closure — or handed to the police (移交公安) when a crime is suspected.
The steps are the tasks of workflows/bpmn/enforcement.bpmn; this row keeps the facts the
documents, the pages and the statistics read (engine/enforcement, engine/measures/enforcement.py)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base

# Where the violation was found.
ENFORCEMENT_SOURCES = ("handle", "patrol", "inspection")
# The step the case is at (a task of the diagram), then closed.
ENFORCEMENT_STEPS = ("file", "investigate", "handover", "police", "decide", "rectify_check", "close", "closed")
# 限产 / 停产 ordered by the penalty decision.
PRODUCTION_LIMITS = ("none", "limit", "stop")
# The police's decision on a handed-over case: 立案 / 不立案 / 退回.
POLICE_DECISIONS = ("filed", "not_filed", "returned")


class EnforcementCase(Base):
    __tablename__ = "enforcement_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    # <county>环罚立〔2026〕第N号, given when the case is filed (立案); None before.
    number: Mapped[str | None] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    patrol_id: Mapped[int | None] = mapped_column(ForeignKey("patrol.id"))
    # The random inspection (双随机) that found the violation, when that is the source.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), index=True)
    # The enterprise register (branch enterprise14) adds the foreign key when both meet.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    grid_path: Mapped[str | None] = mapped_column(String(500), index=True)
    source: Mapped[str] = mapped_column(String(16))  # one of ENFORCEMENT_SOURCES
    step: Mapped[str] = mapped_column(String(16), default="file")  # one of ENFORCEMENT_STEPS
    colour: Mapped[str] = mapped_column(String(8), default="blue")
    escalated_tier: Mapped[int | None] = mapped_column()
    party: Mapped[str] = mapped_column(String(300), default="")  # the party investigated (当事人)
    violation: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column()
    filed_at: Mapped[datetime | None] = mapped_column()
    filed_by: Mapped[str | None] = mapped_column(String(100))
    findings: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # case attachment ids
    crime_suspected: Mapped[bool] = mapped_column(Boolean, default=False)
    # The penalty decision (行政处罚决定) and the order to correct (责令改正).
    fine_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    production_limit: Mapped[str] = mapped_column(String(8), default="none")  # one of PRODUCTION_LIMITS
    limit_start: Mapped[date | None] = mapped_column()
    limit_end: Mapped[date | None] = mapped_column()
    correction_order: Mapped[str | None] = mapped_column(Text)
    correction_days: Mapped[int | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    rectified: Mapped[bool | None] = mapped_column(Boolean)
    # 移交公安: the receiving department, officer and date, then the police's decision.
    handed_over_at: Mapped[datetime | None] = mapped_column()
    police_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    police_receiver: Mapped[str | None] = mapped_column(String(100))
    police_received_on: Mapped[date | None] = mapped_column()
    police_decision: Mapped[str | None] = mapped_column(String(16))  # one of POLICE_DECISIONS
    police_decided_at: Mapped[datetime | None] = mapped_column()
    police_late: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column()
    summary: Mapped[str | None] = mapped_column(Text)


Index("ix_enforcement_case_filed", EnforcementCase.filed_at)
