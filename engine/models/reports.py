"""Periodic reports (日报/周报/月报): one row per report issued, numbered like the case documents
(engine/models/documents.DocumentCounter) but tied to a period, not a case."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base
from engine.models.rendered import RenderedPdf


class Report(RenderedPdf, Base):
    """A report as issued: ``context`` is the snapshot of the figures taken at issue time, so the
    PDF rendered afterwards shows what was true then. Rendered once, never changed (``sha256``).

    One report per kind and period (the unique key): several workers reaching the same due
    moment issue it once. Re-issued by hand (engine/reports/issue.reissue_report), a period's
    report gets a row of its own with the same number and the next ``revision``, as a case
    document gets the next ``version`` (docs/reports.md); the earlier revision stays as it was."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("kind", "period_start", "revision", name="uq_report_kind"),
                      UniqueConstraint("number", "revision", name="uq_report_number"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # daily | weekly | monthly
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column()  # inclusive, a local date
    number: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    context: Mapped[dict] = mapped_column(JSON)
    # The four-colour ledger (xlsx) written with the PDF, when this build can write it.
    ledger_path: Mapped[str | None] = mapped_column(String(300))
    ledger_size: Mapped[int | None] = mapped_column()
    ledger_sha256: Mapped[str | None] = mapped_column(String(64))


Index("ix_report_status_issued", Report.status, Report.issued_at)
