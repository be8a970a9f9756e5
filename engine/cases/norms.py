"""The 12345 hotline's timing norms, as diagram functions: signing for a case (签收), the return
window (退单) and intake's review of a return, urging (催办) with a report-by date.

The limits themselves are timers in workflows/bpmn/complaint.bpmn (an administrator edits them in
the diagram editor): "签收时限" ``deadline(assigned_time(), 1)``, "退单时限"
``return_window_end()``, "报告期限" ``day_end(require_report_by)``. These functions say
what the case's record means for them.

The return window is one rule, ``return_window_end``: the timer waits for it, and a return
completed after it is refused at once (``request_return``), not only once the worker has fired the
timer — the two cannot disagree about the moment. What happened since the case was last assigned is read
from the audit trail, because the stage's parallel branches each hold their own copy of the task
data (docs/spiffworkflow.md): a flag set by the timer's branch would never reach the handling task.

Signing for is claiming: the receiving department's first claim (or completion) of a handling
task after the assignment is the 签收 (engine/work/tasks.claim_task records the claim).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select

from engine.calendar.deadlines import deadline_functions
from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import AuditEvent, Case

# A handling-stage task claimed or completed after the assignment: the department has signed for it.
SIGNING_KINDS = ("task_claimed", "task_completed")
RETURN_CLOSED = "return_window_closed"
# The 12345 norm: a return within 2 working days of the assignment (4 hours for an urgent case,
# which runs on hours: engine/calendar/deadlines.py).
RETURN_WINDOW_DAYS, RETURN_WINDOW_URGENT_HOURS = 2, 4
RETURN_REFUSED_LATE = ("退单须在交办后 2 个工作日内提出，已超过退单时限，请办理或申请延期 "
                       "(a return must be made within 2 working days of assignment; that time has passed)")


def _case(ctx: StepContext) -> Case:
    if ctx.case is None:
        raise WorkflowFault("this process is not attached to a case")
    return ctx.case


def _stored_since_assignment(ctx: StepContext, case: Case) -> list[tuple[str, str | None, Any]]:
    """What the norms ask of the case's stored events, as (kind, stage, at) in order: its latest
    ``assigned`` event, then one signing event (a handling task claimed or completed) and one
    ``return_window_closed`` after it, each if there is one (after any event, without an
    assignment). One read per step, index probes on (case, kind, id): a step costs the same
    however long the case's history."""
    key = f"norms.since_assignment:{case.id}"
    if key not in ctx.memo:
        mine = AuditEvent.case_id == case.id
        latest = select(func.max(AuditEvent.id)).where(mine, AuditEvent.kind == "assigned").scalar_subquery()
        after = AuditEvent.id > func.coalesce(latest, 0)
        query = select(
            select(AuditEvent.at).where(AuditEvent.id == latest).scalar_subquery(),
            exists().where(mine, AuditEvent.kind.in_(SIGNING_KINDS), AuditEvent.stage == "handle", after),
            exists().where(mine, AuditEvent.kind == RETURN_CLOSED, after))
        # Not flushing first: the step's own events are still in ctx.audit, and a flush here
        # would write the case twice in one step.
        with ctx.session.no_autoflush:
            assigned_at, signed, closed = ctx.session.execute(query).one()
        ctx.memo[key] = [event for event, present in (
            (("assigned", None, assigned_at), assigned_at is not None),
            ((SIGNING_KINDS[0], "handle", None), signed),
            ((RETURN_CLOSED, None, None), closed)) if present]
    return ctx.memo[key]


def since_assignment(ctx: StepContext, case: Case) -> list[tuple[str, str | None, Any]]:
    """(kind, stage, at) of the case's events after its latest ``assigned`` event, this step's
    own events included; with no assignment yet, all of them."""
    events = _stored_since_assignment(ctx, case) + [(e.kind, e.stage, e.at) for e in ctx.audit]
    last = max((i for i, (kind, _s, _a) in enumerate(events) if kind == "assigned"), default=-1)
    return events[last + 1:]


def _any(events: Iterable[tuple[str, str | None, Any]], kinds: tuple[str, ...], stage: str | None = None) -> bool:
    return any(kind in kinds and (stage is None or s == stage) for kind, s, _at in events)


def norms_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def assigned_time() -> str:
        """When the case was last assigned (交办): where the sign-for and return windows start.
        Without a case (deploy-time validation evaluates timer expressions) or an assignment: now."""
        c = ctx.case
        moments = [e.at for e in ctx.audit if e.kind == "assigned"]
        if not moments and c is not None:
            moments = [at for kind, _s, at in _stored_since_assignment(ctx, c)[:1] if kind == "assigned"]
        return (moments[-1] if moments else ctx.now()).isoformat()

    def signed_for() -> bool:
        """Whether the receiving department has signed for (签收) the case since its assignment."""
        return _any(since_assignment(ctx, _case(ctx)), SIGNING_KINDS, stage="handle")

    def sign_for_missed() -> None:
        c = _case(ctx)
        ctx.record("sign_for_overdue", department=c.department.code if c.department else None)

    def return_window_end() -> str:
        """When the return window (退单时限) closes: 2 working days after the last assignment, on
        the step's working calendar. The diagram's timer waits for this moment and the check in
        ``return_window_open`` compares with it."""
        deadline = deadline_functions(ctx)["deadline"]
        return deadline(assigned_time(), RETURN_WINDOW_DAYS, RETURN_WINDOW_URGENT_HOURS)

    def return_window_open() -> bool:
        """Whether a return may still be made: the timer has not closed the window, and its moment
        has not passed either (the worker may not have fired the timer yet)."""
        if _any(since_assignment(ctx, _case(ctx)), (RETURN_CLOSED,)):
            return False
        return ctx.now() < datetime.fromisoformat(return_window_end())

    def close_return_window() -> None:
        ctx.record(RETURN_CLOSED)

    def request_return(reason: str) -> None:
        """The department returns the order (退单); refused once the return window has closed."""
        c = _case(ctx)
        if not return_window_open():
            raise WorkflowFault(RETURN_REFUSED_LATE, element="outcome")
        ctx.record("returned", department=c.department.code if c.department else None, reason=reason)
        # The statistics' 退单率 counts a case the department sent back, whatever intake then
        # decides, as the "returned" event does (engine/measures/definitions.py).
        c.return_count = (c.return_count or 0) + 1

    def accept_return(comment: str | None = None) -> None:
        """Intake accepts the return: the case is no longer that department's, and is assigned again."""
        c = _case(ctx)
        ctx.record("return_accepted", department=c.department.code if c.department else None, comment=comment)
        c.department_id = None

    def refuse_return(comment: str) -> None:
        """Intake refuses the return: back to the same department, which is told why."""
        c = _case(ctx)
        ctx.record("return_refused", department=c.department.code if c.department else None, comment=comment)
        ctx.notify("returned", f"退单未通过：{c.number} {c.title}", f"受理员意见：{comment}。请继续办理。",
                   group="handler", department_id=c.department_id)

    def record_urging(opinion: str | None, report_by: str | None) -> None:
        """A supervisor's urging (催办): the opinion and, if set, the date a report is due."""
        c = _case(ctx)
        ctx.record("urged", opinion=opinion, report_by=report_by)
        body = f"督办意见：{opinion or '—'}。" + (f"请于 {report_by} 前报告办理情况。" if report_by else "")
        ctx.notify("supervised", f"催办：{c.number} {c.title}", body, group="handler", department_id=c.department_id)

    def remind_report(report_by: str | None) -> None:
        """The report-by date of an urging has passed: remind the department and the supervisors."""
        c = _case(ctx)
        ctx.record("report_overdue", report_by=report_by)
        title = f"催办逾期未报告：{c.number} {c.title}"
        body = f"要求于 {report_by} 前报告办理情况，期限已过。"
        ctx.notify("warning", title, body, group="handler", department_id=c.department_id)
        ctx.notify("warning", title, body, group="supervisor", tier=c.tier)

    return {
        "assigned_time": assigned_time, "signed_for": signed_for, "sign_for_missed": sign_for_missed,
        "return_window_end": return_window_end, "return_window_open": return_window_open,
        "close_return_window": close_return_window,
        "request_return": request_return, "accept_return": accept_return, "refuse_return": refuse_return,
        "record_urging": record_urging, "remind_report": remind_report,
    }
