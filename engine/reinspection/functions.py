"""What workflows/bpmn/reinspection.bpmn calls: the supervisor's result, and a relapse recorded
against the department that handled the case (the complaint loop's ``reopen_case`` then reopens it)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext

RESULTS = ("holds", "relapsed")


def reinspection_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def record_reinspection(result: str, findings: str | None = None, photos: str | None = None) -> bool:
        """The re-inspection's result; returns whether the problem came back (反弹)."""
        if ctx.case is None:
            raise WorkflowFault("this process is not attached to a case")
        if result not in RESULTS:
            raise WorkflowFault(f"result must be one of {RESULTS}", element="result")
        case = ctx.case
        department = case.department.code if case.department else None
        ctx.record("reinspected", result=result, findings=findings, photos=photos, department=department)
        if result == "relapsed":
            # The measures count this event against the department (detail "department").
            ctx.record("relapsed", department=department, findings=findings)
            # Kept on the case for the measures' 反弹件 (engine/measures/definitions.py).
            case.relapse_count = (case.relapse_count or 0) + 1
            return True
        return False

    return {"record_reinspection": record_reinspection}
