"""The reference generation: one row whose token changes with every change to reference data."""
from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class ReferenceGeneration(Base):
    """Database triggers (migration 0033) give ``token`` a fresh random value whenever a reference
    table changes, in the changing transaction; engine/core/reference_cache.py keeps what it read
    for as long as the token stands. Random rather than counted: a rolled-back change must never
    hand out a token that a later change could repeat."""

    __tablename__ = "reference_generation"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(BigInteger)
