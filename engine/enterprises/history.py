"""What an enterprise's page shows of its history: the complaints and the monitoring alarms linked
to it (within the reader's case scope, which the caller passes in), the patrols of its patrol
points, its random inspections (双随机), its enforcement cases (penalties, handovers; seen as their
complaint case is, engine/enforcement/listing.py) and its positive-list periods with their audit trail."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.enterprises.positive_list import listing_events
from engine.models import AuditEvent, Case, Patrol, PatrolPoint
from engine.models.enforcement import EnforcementCase
from engine.models.enterprise import PositiveListing
from engine.models.inspection import Inspection, InspectionPlan

LIMIT = 200


@dataclass
class History:
    complaints: list[Case] = field(default_factory=list)
    alarms: list[Case] = field(default_factory=list)
    patrols: list[tuple[Patrol, str]] = field(default_factory=list)  # (patrol, point name)
    inspections: list[tuple[Inspection, str]] = field(default_factory=list)  # (inspection, plan name)
    enforcement: list[EnforcementCase] = field(default_factory=list)
    listings: list[PositiveListing] = field(default_factory=list)
    events: dict[int, list[AuditEvent]] = field(default_factory=dict)  # listing id → its trail


def history(session: Session, enterprise_id: int, case_clause) -> History:
    out = History()
    cases = session.scalars(select(Case).where(Case.enterprise_id == enterprise_id, case_clause)
                            .order_by(Case.received_at.desc(), Case.id.desc()).limit(LIMIT))
    for case in cases:
        (out.alarms if case.channel == "monitoring" else out.complaints).append(case)
    out.patrols = [tuple(row) for row in session.execute(
        select(Patrol, PatrolPoint.name).join(PatrolPoint, PatrolPoint.id == Patrol.point_id)
        .where(PatrolPoint.enterprise_id == enterprise_id).order_by(Patrol.opens_at.desc()).limit(LIMIT))]
    out.inspections = [tuple(row) for row in session.execute(
        select(Inspection, InspectionPlan.name).join(InspectionPlan, InspectionPlan.id == Inspection.plan_id)
        .where(Inspection.enterprise_id == enterprise_id).order_by(Inspection.id.desc()).limit(LIMIT))]
    out.enforcement = list(session.scalars(
        select(EnforcementCase).join(Case, Case.id == EnforcementCase.case_id)
        .where(EnforcementCase.enterprise_id == enterprise_id, case_clause)
        .order_by(EnforcementCase.opened_at.desc(), EnforcementCase.id.desc()).limit(LIMIT)))
    out.listings = list(session.scalars(select(PositiveListing).where(PositiveListing.enterprise_id == enterprise_id)
                                        .order_by(PositiveListing.id.desc())))
    by_instance = {listing.instance_id: listing.id for listing in out.listings}
    for event in listing_events(session, out.listings):
        out.events.setdefault(by_instance[event.instance_id], []).append(event)
    return out
