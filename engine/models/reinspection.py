"""Re-inspection draws (后督察): which closed cases the supervision section re-inspects, drawn at
random from a recorded seed over a recorded candidate list, so anyone can draw again and check
(engine/reinspection/sampling.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class ReinspectionDraw(Base):
    __tablename__ = "reinspection_draw"
    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_at: Mapped[datetime] = mapped_column()
    drawn_by: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(BigInteger)
    share: Mapped[float] = mapped_column(Float)  # of the candidates not flagged, 0..1
    closed_from: Mapped[datetime] = mapped_column()
    closed_to: Mapped[datetime] = mapped_column()
    candidates: Mapped[list] = mapped_column(JSON)  # case ids in the order the draw used
    flagged: Mapped[list] = mapped_column(JSON)  # key-flagged or repeated: always re-inspected
    sampled: Mapped[list] = mapped_column(JSON)  # drawn from the rest with random.Random(seed)
