"""The snapshot of a missed patrol's supervision notice (督办单): the same document kind, number
series, template and PDF pipeline as a case's escalation (documents/issue.py, body
``supervision_notice.html``), about a patrol instead of a case.

The patrol process (workflows/bpmn/patrol.bpmn) marks its escalation element with the
``document`` property as the complaint loop's supervision process does; ``documents.issue.from_step``
finds the patrol of the step's instance and issues it here. The ``supervision`` part has the
keys a case's has (documents/context._supervision), so the template reads both alike.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.context import duration_text, fmt_date, fmt_deadline, fmt_time
from documents.settings import DocumentSettings, bureau_name
from engine.models import AuditEvent, Grid, Patrol, PatrolPoint, User
from engine.vocabulary.document_kinds import KINDS
from engine.vocabulary.words import ACTORS, PATROL_POINT_KINDS, TIERS, word


def build_patrol_context(session: Session, patrol: Patrol, kind: str, *, number: str | None, version: int,
                         issued_at: datetime, issued_by: str, tz: str, settings: DocumentSettings,
                         step: dict | None = None, pending: list[AuditEvent] = ()) -> dict[str, Any]:
    zone = ZoneInfo(tz)
    meta = KINDS[kind]
    point = session.get(PatrolPoint, patrol.point_id)
    officer = session.get(User, patrol.officer_id) if patrol.officer_id else None
    place = session.scalar(select(Grid.name).where(Grid.id == point.grid_id)) if point else None
    escalated = next((e for e in reversed(list(pending)) if e.kind == "patrol_escalated"
                      and (e.detail or {}).get("patrol_id") == patrol.id), None)
    at = escalated.at if escalated else issued_at
    to_tier = patrol.escalated_tier
    from_tier = (officer.tier if officer and officer.tier else 1)
    issuer = ACTORS["system"] if issued_by == "system" else (
        session.scalar(select(User.display_name).where(User.username == issued_by)) or issued_by)
    return {
        "kind": kind, "title": meta["zh"], "audience": meta["audience"], "confidential": False,
        "number": number, "version": version, "bureau": bureau_name(session, settings),
        "issued_at": fmt_time(issued_at, zone), "issued_date": fmt_date(issued_at, zone), "issued_by": issuer,
        # A patrol has no complainant: nothing to hide.
        "identity_shown": True,
        "step": dict(step or {}),
        "patrol": {
            "point": point.name if point else "", "kind": word(PATROL_POINT_KINDS, point.kind) if point else "",
            "address": (point.address or "") if point else "", "place": place or "",
            "officer": officer.display_name if officer else "网格员（未指定）",
            "opens": fmt_time(patrol.opens_at, zone), "due": fmt_deadline(patrol.due_at, zone),
        },
        "supervision": {
            "stage": "网格巡查", "from_tier": word(TIERS, from_tier), "to_tier": word(TIERS, to_tier),
            "tier": to_tier, "round": 1, "overdue_since": fmt_deadline(patrol.due_at, zone),
            "overdue_by": duration_text(at - patrol.due_at) if at > patrol.due_at else "",
            "escalated_at": fmt_time(at, zone), "new_deadline": "",
            "responsible": officer.display_name if officer else "",
            "overdue_tasks": [],
        },
    }
