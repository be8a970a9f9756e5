"""The draw as the bureau makes it, in order: the public value is recorded first (the seed is
then fixed: ``seed_for(public value, plan id)``), then the draw runs on the lists as they stand
and is stored whole — the inputs snapshot, the result and the digest (draw.published) — and one
inspection is started per drawn object, all in one transaction. ``verify_recorded`` recomputes a
stored draw from the database: the seed from the recorded public value, the result from the
stored inputs, the digest, and the inspections against the pairings."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import AdminError, Problem
from engine.core.runtime import Runtime
from engine.inspections import draw as pure
from engine.inspections.plans import get_plan, objects, pool, rules
from engine.inspections.tasks import start_inspections
from engine.models import AuditEvent
from engine.models.inspection import Inspection, InspectionPlan

PUBLIC_VALUE_MAX = 200


def _event(session: Session, plan: InspectionPlan, kind: str, actor: str, now: datetime, **detail) -> None:
    # A plan has no process instance of its own: its events name the plan in their detail.
    session.add(AuditEvent(case_id=None, instance_id=None, at=now, actor=actor, kind=kind,
                           detail={"plan": plan.id, **detail}))


def fix_seed(session: Session, runtime: Runtime, plan_id: int, public_value: str, source: str | None,
             actor: str) -> InspectionPlan:
    """Record the public value announced before the draw; the seed follows from it and the plan id."""
    now = runtime.now()
    plan = get_plan(session, plan_id, lock=True)
    if plan.status != "draft":
        raise AdminError({"": [Problem("plan_seeded")]})
    value = (public_value or "").strip()
    if not value or len(value) > PUBLIC_VALUE_MAX:
        raise AdminError({"public_value": [Problem("required")]})
    if not plan.inspector_ids:
        raise AdminError({"": [Problem("plan_no_pool")]})
    plan.public_value, plan.public_value_source = value, (source or "").strip()[:300] or None
    plan.seed = pure.seed_for(value, plan.id)
    plan.seeded_by, plan.seeded_at, plan.status = actor, now, "seeded"
    _event(session, plan, "inspection_seed_fixed", actor, now, public_value=value, seed=plan.seed[:16] + "…")
    return plan


def run_draw(session: Session, runtime: Runtime, plan_id: int, actor: str) -> InspectionPlan:
    """Draw (only once the seed is fixed), store it and start the inspections."""
    plan = get_plan(session, plan_id, lock=True)
    if plan.status != "seeded" or not plan.seed:
        raise AdminError({"": [Problem("plan_not_seeded" if plan.status == "draft" else "plan_drawn")]})
    now = runtime.now()
    today = now.astimezone(ZoneInfo(runtime.timezone)).date()
    listed = objects(session, plan, today, runtime.timezone)
    members = pool(session, plan)
    inputs = pure.inputs_json(plan.seed, plan.rates, [o.object for o in listed], [m.inspector for m in members],
                              rules(plan))
    result = pure.draw_from_inputs(inputs)
    document = pure.published(inputs, result)
    plan.draw_document, plan.digest = document, document["digest"]
    plan.drawn_by, plan.drawn_at, plan.status = actor, now, "drawn"
    _event(session, plan, "inspection_drawn", actor, now, drawn=len(result.pairings), unmatched=len(result.unmatched),
           digest=plan.digest[:16] + "…")
    session.flush()
    start_inspections(session, runtime, plan, result, actor)
    return plan


def verify_recorded(session: Session, plan_id: int) -> list[str]:
    """What does not hold in a plan's recorded draw (empty: verified)."""
    plan = get_plan(session, plan_id)
    if not plan.draw_document:
        return [f"plan {plan.id} has no recorded draw"]
    problems = []
    if not plan.public_value or plan.seed != pure.seed_for(plan.public_value, plan.id):
        problems.append("the seed does not follow from the recorded public value and the plan id")
    document = plan.draw_document
    if (document.get("inputs") or {}).get("seed") != plan.seed:
        problems.append("the recorded inputs name another seed than the plan's")
    if plan.digest != document.get("digest"):
        problems.append("the plan's digest is not the recorded document's")
    problems += pure.verify(document)
    recorded = {(p["object"], tuple(p["inspectors"])) for p in (document.get("result") or {}).get("pairings", [])}
    started = {(i.enterprise_id, tuple(i.inspector_ids))
               for i in session.scalars(select(Inspection).where(Inspection.plan_id == plan.id))}
    if recorded != started:
        problems.append("the inspections started are not the recorded pairings")
    return problems
