"""Exports of the four-colour ledger (四色台账): one row per requested file, its progress and where
the finished file is kept (engine/ledger/exports.py writes them)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base

EXPORT_FORMATS = ("xlsx", "pdf")
# queued → running → done | failed
EXPORT_STATES = ("queued", "running", "done", "failed")


class LedgerExport(Base):
    __tablename__ = "ledger_export"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Whoever asked: the file is built within their scope and only they may download it.
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column()
    # The filters as engine/ledger/filters.LedgerFilters.as_dict gives them.
    filters: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int | None] = mapped_column()
    written: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column()
    # Last time the writer reported: a job that stops reporting (its process ended) is failed.
    updated_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    # Relative to the data folder's ledger/ directory.
    stored_path: Mapped[str | None] = mapped_column(String(300))
    size: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(500))
