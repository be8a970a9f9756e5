"""One workflows/bpmn/inspection.bpmn instance per drawn object: the lead inspector (a bureau
inspector, first of the pair) works its tasks; the others are named on it and on the notice."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.runtime import Runtime
from engine.core.specs import require_latest
from engine.inspections.draw import DrawResult
from engine.models import Department, User
from engine.models.enterprise import Enterprise
from engine.models.inspection import Inspection, InspectionPlan

PROCESS = "inspection"
STARTED = "inspection_started"


def lead_first(session: Session, inspector_ids: tuple[int, ...]) -> list[int]:
    """The pair with a bureau inspector first (the draw keeps at least one): the lead."""
    kinds = dict(session.execute(select(User.id, Department.kind).join(Department, Department.id == User.department_id)
                                 .where(User.id.in_(inspector_ids))).all())
    return sorted(inspector_ids, key=lambda i: (kinds.get(i) != "bureau", inspector_ids.index(i)))


def start_inspections(session: Session, runtime: Runtime, plan: InspectionPlan, result: DrawResult,
                      actor: str) -> list[Inspection]:
    definition = require_latest(session, PROCESS)
    started = []
    for pairing in result.pairings:
        enterprise = session.get(Enterprise, pairing.object_id)
        # The recorded pairing as drawn (verify_recorded compares them); the lead is put first.
        row = Inspection(plan_id=plan.id, enterprise_id=enterprise.id, inspector_ids=list(pairing.inspector_ids),
                         step="notify", colour="blue", violation=False, enforcement_pending=False)
        session.add(row)
        session.flush()
        lead = lead_first(session, pairing.inspector_ids)[0]
        department = session.scalar(select(Department.code).join(User, User.department_id == Department.id)
                                     .where(User.id == lead))
        data = {"inspection": row.id, "enterprise": enterprise.name, "grid_path": enterprise.grid_path,
                "reserved_for": lead, "joint_department": department, "inspect_days": plan.inspect_days}
        outcome = runtime.start(session, None, data, actor, definition=definition, started=STARTED)
        row.instance_id = outcome.instance.id
        started.append(row)
    return started
