"""People and grid administration records (imports)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class GridImport(Base):
    """An uploaded grid CSV between its preview and its application.

    The file is kept so that "apply" works on exactly the bytes that were previewed (the
    administrator does not upload twice), and a second click on "apply" finds it applied.
    """

    __tablename__ = "grid_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column()
    # previewed | applied
    status: Mapped[str] = mapped_column(String(16), default="previewed")
    # Fingerprint of the previewed plan: applying refuses if the tree changed since.
    plan_digest: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    applied_by: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime | None] = mapped_column()
