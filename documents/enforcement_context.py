"""The part of a document's snapshot that an enforcement paper reads (责令改正决定书,
行政处罚决定书, 案件移送书): the enforcement case (engine/models/enforcement.py) the issuing step
belongs to — named by the step (``enforcement_id``, documents/issue.py) — or, issued by hand from
the case page, the case's latest. Plain JSON, like the rest of the snapshot (documents/context.py);
the whole snapshot is masked afterwards when the paper leaves the bureau.
"""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.attachments import list_attachments
from engine.models import Case, Department
from engine.models.enforcement import EnforcementCase
from engine.vocabulary.words import (
    ENFORCEMENT_SOURCES,
    ENFORCEMENT_STEPS,
    POLICE_DECISIONS,
    PRODUCTION_LIMITS,
    word,
)

# The document kinds that read this part (engine/vocabulary/document_kinds.py).
ENFORCEMENT_KINDS = ("correction_order", "penalty_decision", "case_transfer_letter")


def _day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def enforcement_facts(session: Session, case: Case, zone: ZoneInfo, step: dict) -> dict[str, Any]:
    query = select(EnforcementCase).where(EnforcementCase.case_id == case.id)
    if step.get("enforcement_id"):
        query = query.where(EnforcementCase.id == int(step["enforcement_id"]))
    row = session.scalars(query.order_by(EnforcementCase.id.desc())).first()
    if row is None:
        return {}
    police = session.get(Department, row.police_department_id) if row.police_department_id else None
    department = session.get(Department, row.department_id) if row.department_id else None
    evidence = set(row.evidence or [])
    files = [a.filename for a in list_attachments(session, case.id) if a.id in evidence]
    return {
        "number": row.number or "", "party": row.party, "violation": row.violation,
        "source": word(ENFORCEMENT_SOURCES, row.source), "step": word(ENFORCEMENT_STEPS, row.step),
        "department": department.name if department else "",
        "filed_date": _day(row.filed_at.astimezone(zone)) if row.filed_at else "",
        "findings": row.findings or "", "evidence": files, "crime_suspected": row.crime_suspected,
        "fine_yuan": f"{row.fine_yuan:,.2f}" if row.fine_yuan is not None else "",
        "production_limit": row.production_limit, "production_limit_name": word(PRODUCTION_LIMITS, row.production_limit),
        "limit_start": _day(row.limit_start), "limit_end": _day(row.limit_end),
        "correction_order": row.correction_order or "", "correction_days": row.correction_days,
        "decided_date": _day(row.decided_at.astimezone(zone)) if row.decided_at else "",
        "police_department": police.name if police else "", "police_receiver": row.police_receiver or "",
        "police_received_on": _day(row.police_received_on),
        "police_decision": word(POLICE_DECISIONS, row.police_decision),
    }
