"""A bureau leader's own cases (领导包案): what they record on them, and the cases the supervision
section keeps an eye on (重点/疑难/积案)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base

# check: a progress check 调度; meeting: a consultation 会商; visit: a visit to the complainant 带案下访.
LEADER_RECORD_KINDS = ("check", "meeting", "visit")
# 重点 key · 疑难 difficult · 积案 backlog; a case may carry several at once.
CASE_FLAGS = ("key", "difficult", "backlog")


class LeaderRecord(Base):
    """One progress check, meeting or visit a leader recorded on a case they own.

    What was said is kept in ``content`` as entered (decisions, attendees, follow-up items, what the
    complainant said …; engine/leadership/records.py says which keys each kind has). The next check
    date is a column so that a leader's list finds its cases' next checks without reading JSON.
    """

    __tablename__ = "leader_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # one of LEADER_RECORD_KINDS
    # The leader who owned the case when this was recorded.
    leader_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    next_check: Mapped[date | None] = mapped_column(Date)
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column()


Index("ix_leader_record_case_kind", LeaderRecord.case_id, LeaderRecord.kind, LeaderRecord.held_on)


class CaseFlag(Base):
    """A flag set on a case (one row per flag); clearing it deletes the row, the audit trail keeps both."""

    __tablename__ = "case_flag"
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), primary_key=True)
    flag: Mapped[str] = mapped_column(String(16), primary_key=True)  # one of CASE_FLAGS
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column()


Index("ix_case_flag_flag", CaseFlag.flag)
