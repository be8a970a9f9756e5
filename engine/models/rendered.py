"""What a row issued now and rendered to a stored PDF later has (a case document, a periodic
report): its life ``pending`` → ``rendered`` | ``failed`` and the file written for it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

ERROR_MAX = 500


class RenderedPdf:
    """Mixin of the columns shared by ``Document`` and ``Report`` (migrations 0004 and 0018)."""

    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | rendered | failed
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column()
    rendered_at: Mapped[datetime | None] = mapped_column()
    # Relative to the documents folder of the data dir.
    stored_path: Mapped[str | None] = mapped_column(String(300))
    size: Mapped[int | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(ERROR_MAX))

    def mark_failed(self, err: Exception) -> None:
        """Record why a pending row could not be rendered (a rendered one is never changed)."""
        if self.status == "pending":
            self.status = "failed"
            self.error = f"{type(err).__name__}: {err}"[:ERROR_MAX]
