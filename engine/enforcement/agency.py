"""A transfer (转办) to an outside agency that works in greenloop waits for its result.

workflows/bpmn/complaint.bpmn's 转办 step asks ``agency_code``: when the receiving agency is an
outside department (kind ``external``) with active staff, the case does not end as transferred:
the agency's handlers get the task 转办部门办理 (the task's department is the agency's, so only
they and the bureau's own staff see it, engine/org/scopes.py), with a warning and a deadline
in working days; past it the case goes one tier up like any overdue stage
(engine/cases/escalation.py). The agency answers "done" — the case is set aside as transferred
with the agency's result — or "back": the case returns to the bureau to be assigned again. An
agency without staff in greenloop is told on paper (the 转办单), as before.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select

from engine.cases.escalation import escalation_functions
from engine.cases.lifecycle import case_functions
from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import Case, Department, User, UserRole
from engine.vocabulary.words import AGENCY_RESULTS, word

WORKING_ROLES = ("handler", "lead")


def agency_department(session, name_or_code: str | None) -> Department | None:
    """The outside department named (or coded) so, if people work for it in greenloop."""
    if not name_or_code:
        return None
    text = str(name_or_code).strip()
    department = session.scalars(select(Department).where(
        Department.kind == "external", or_(Department.code == text, Department.name == text))).first()
    if department is None:
        return None
    staffed = session.scalar(select(User.id).join(UserRole).where(
        User.department_id == department.id, User.active.is_(True), UserRole.role.in_(WORKING_ROLES)).limit(1))
    return department if staffed else None


def staffed_agencies(session) -> list[Department]:
    """The outside departments people work for in greenloop: a task page offers them for joint
    handling (联合执法) and the handover to the police."""
    staffed = select(User.department_id).join(UserRole).where(User.active.is_(True),
                                                               UserRole.role.in_(WORKING_ROLES))
    return list(session.scalars(select(Department).where(Department.kind == "external", Department.id.in_(staffed))
                                .order_by(Department.id)))


def agency_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def _case() -> Case:
        if ctx.case is None:
            raise WorkflowFault("this process is not attached to a case")
        return ctx.case

    def _department(code: str) -> Department:
        department = ctx.session.scalars(select(Department).where(Department.code == code)).first()
        if department is None:
            raise WorkflowFault(f"部门 {code} 不存在 (unknown department {code})")
        return department

    def agency_code(transfer_to: str | None) -> str | None:
        found = agency_department(ctx.session, transfer_to)
        return found.code if found else None

    def transfer_to_agency(code: str, reason: str) -> str:
        """Hand the case to the agency and wait; returns the moment its limits count from."""
        case, department = _case(), _department(code)
        case.transferred_to = department.name
        ctx.record("transferred", agency=department.name, reason=reason)
        ctx.record("agency_waiting", department=department.name, department_code=department.code)
        case_functions(ctx)["enter_stage"]("agency")
        return ctx.now().isoformat()

    def agency_overdue(code: str) -> int:
        """The agency has not answered in time: one tier up (the loop's own escalation)."""
        department = _department(code)
        tier = escalation_functions(ctx)["escalate"]("agency")
        ctx.record("agency_overdue", department=department.name, to_tier=tier)
        return tier

    def agency_done(code: str, result: str) -> None:
        """The agency dealt with it: the case is set aside as transferred, with the agency's result."""
        case, department = _case(), _department(code)
        ctx.record("agency_result", department=department.name, outcome=word(AGENCY_RESULTS, "done"), result=result)
        case.status, case.closed_at, case.stage, case.colour = "transferred", ctx.now(), None, "green"
        ctx.record("status", status="transferred", reason=result)

    def agency_back(code: str, result: str) -> None:
        """The agency sends it back: the bureau assigns it again (the 交办 stage follows)."""
        case, department = _case(), _department(code)
        ctx.record("agency_result", department=department.name, outcome=word(AGENCY_RESULTS, "back"), result=result)
        case.transferred_to = None

    return {"agency_code": agency_code, "transfer_to_agency": transfer_to_agency, "agency_overdue": agency_overdue,
            "agency_done": agency_done, "agency_back": agency_back}
