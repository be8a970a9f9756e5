"""The statistics' summary: what the cases received in each local month contribute to each
measure, by slice (engine/measures/summary.py keeps it in step with the case rows)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class CaseStat(Base):
    """How many cases received in ``month`` (its first day, local time) with ``key`` in
    ``dimension`` ("all" with key "" for every case) have ``fact`` — a fact of
    engine/measures/definitions.py, or "d:<n>" for closed after n working days."""

    __tablename__ = "case_stat"
    month: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    fact: Mapped[str] = mapped_column(String(24), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
