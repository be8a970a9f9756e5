"""What the public portal publishes (一公开): for a drawn plan, each drawn enterprise (name,
credit code), its inspection date and result summary once done, and the draw's public value,
seed, digest and published document. Never an inspector's or a contact's personal data: the
published draw names inspectors by their id only, as draw.inputs_json does."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.models import AuditEvent
from engine.models.enterprise import Enterprise
from engine.models.inspection import Inspection, InspectionPlan

PUBLIC_STATUSES = ("drawn", "published")


@dataclass(frozen=True)
class PublicResult:
    name: str
    credit_code: str
    inspected_on: date | None
    mode: str | None
    result: str | None
    summary: str | None


@dataclass(frozen=True)
class PublicPlan:
    id: int
    year: int
    name: str
    rates: dict
    public_value: str
    public_value_source: str | None
    seed: str
    digest: str
    drawn_at: datetime
    results: list[PublicResult]


def published_plans(session: Session) -> list[InspectionPlan]:
    return list(session.scalars(select(InspectionPlan).where(InspectionPlan.status.in_(PUBLIC_STATUSES))
                                .order_by(InspectionPlan.year.desc(), InspectionPlan.id.desc())))


def _public_plan(session: Session, plan_id: int) -> InspectionPlan:
    plan = session.get(InspectionPlan, plan_id)
    if plan is None or plan.status not in PUBLIC_STATUSES:
        raise NotFound(f"inspection plan {plan_id}")
    return plan


def public_plan(session: Session, plan_id: int) -> PublicPlan:
    plan = _public_plan(session, plan_id)
    rows = session.execute(select(Enterprise.name, Enterprise.credit_code, Inspection.inspected_on, Inspection.mode,
                                  Inspection.result, Inspection.summary, Inspection.step)
                           .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
                           .where(Inspection.plan_id == plan.id).order_by(Enterprise.name, Enterprise.id))
    results = [PublicResult(r.name, r.credit_code, r.inspected_on if r.step == "done" else None,
                            r.mode if r.step == "done" else None, r.result, r.summary if r.step == "done" else None)
               for r in rows]
    return PublicPlan(plan.id, plan.year, plan.name, dict(plan.rates), plan.public_value, plan.public_value_source,
                      plan.seed, plan.digest, plan.drawn_at, results)


def published_document(session: Session, plan_id: int) -> dict:
    """The draw as recorded, which `greenloop draw verify FILE` accepts."""
    return _public_plan(session, plan_id).draw_document


def overdue_publication(session: Session, plan_id: int, now: datetime) -> list[Inspection]:
    """The plan's finished inspections whose publication deadline has passed while its results are
    not yet published (the plan page warns the supervision section)."""
    return list(session.scalars(select(Inspection).join(InspectionPlan)
                                .where(Inspection.plan_id == plan_id, Inspection.step == "done",
                                       Inspection.publish_by < now, InspectionPlan.status == "drawn")))


def publish(session: Session, runtime, plan_id: int, actor: str) -> InspectionPlan:
    """Mark the plan's results published (the draw itself is public from the moment it is drawn)."""
    plan = session.get(InspectionPlan, plan_id, with_for_update=True)
    if plan is None or plan.status != "drawn":
        raise NotFound(f"inspection plan {plan_id}")
    plan.status = "published"
    session.add(AuditEvent(case_id=None, instance_id=None, at=runtime.now(), actor=actor, kind="inspection_published",
                           detail={"plan": plan.id}))
    return plan
