"""The administrator's document settings: the bureau's name on the letterhead, and whether
documents that leave the bureau (交办单, 转办单, 督办单) may show the complainant's identity.

Stored as one JSON row of the ``setting`` table; every change is also an audit event.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import reference_cache, settings_row
from engine.models import AuditEvent, Grid
from engine.models.documents import Setting

KEY = "documents"
BUREAU_MAX = 60


@dataclass(frozen=True)
class DocumentSettings:
    show_identity_external: bool = False
    bureau_name: str = ""  # empty: "<county name>生态环境局"


def load(session: Session) -> DocumentSettings:
    """Read at every document issued within an engine step: kept per process until a setting
    changes (engine/core/reference_cache.py)."""
    return reference_cache.cached(session, "document_settings", None, lambda: _read(session))


def _read(session: Session) -> DocumentSettings:
    row = session.get(Setting, KEY)
    value = row.value if row is not None else {}
    return DocumentSettings(show_identity_external=bool(value.get("show_identity_external", False)),
                            bureau_name=str(value.get("bureau_name") or ""))


def bureau_name(session: Session, settings: DocumentSettings) -> str:
    if settings.bureau_name:
        return settings.bureau_name
    county = reference_cache.cached(session, "county_name", None, lambda: session.scalar(
        select(Grid.name).where(Grid.level == "county").order_by(Grid.id).limit(1)))
    return f"{county or ''}生态环境局"


def save(session: Session, new: DocumentSettings, *, actor: str, now) -> DocumentSettings:
    """Store the settings (in the caller's transaction) and audit what changed."""
    new = DocumentSettings(show_identity_external=bool(new.show_identity_external),
                           bureau_name=(new.bureau_name or "").strip()[:BUREAU_MAX])
    old = _read(session)
    changed = settings_row.store(session, KEY, asdict(old), asdict(new), actor=actor, now=now)
    if changed:
        session.add(AuditEvent(case_id=None, at=now, actor=actor, kind="setting_changed",
                               detail={"setting": KEY, "changed": changed}))
    return new


def updated(session: Session) -> tuple[str, object] | None:
    row = session.get(Setting, KEY)
    return (row.updated_by, row.updated_at) if row is not None else None
