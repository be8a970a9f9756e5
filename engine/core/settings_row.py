"""One administrator's setting stored as a row of the `setting` table (engine/models/documents.py):
written under a row lock in the caller's transaction, with what changed for the audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.models.documents import Setting


def store(session: Session, key: str, old: dict, new: dict, *, actor: str, now: datetime) -> dict[str, list]:
    """Write ``new`` as the value of ``key``; returns {field: [old, new]} for the fields that changed."""
    row = session.get(Setting, key, with_for_update=True)
    if row is None:
        row = Setting(key=key, value={}, updated_by=actor, updated_at=now)
        session.add(row)
    row.value = new
    row.updated_by = actor
    row.updated_at = now
    return {k: [v, new[k]] for k, v in old.items() if new.get(k) != v}
