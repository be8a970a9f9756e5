"""Administrative changes (accounts, departments, grids): how a form's text is read, what changed,
and the case-less audit event each change leaves in the same append-only trail as case history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.models import AuditEvent


def audit(session: Session, actor: str, kind: str, now: datetime, **detail) -> None:
    """An administrative change: case-less, in the same append-only trail as case history."""
    session.add(AuditEvent(case_id=None, at=now, actor=actor, kind=kind, detail=detail))


def form_text(data: dict, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
