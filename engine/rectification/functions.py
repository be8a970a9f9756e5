"""What the complaint diagram calls for rectification items (workflows/bpmn/complaint.bpmn: the
``rectification`` process, called once per item). Each function records its audit event, so the
case page's timeline and the case file tell the items' story."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.rectification import items as rules


def _case_id(ctx: StepContext) -> int:
    if ctx.case is None:
        raise WorkflowFault("this process is not attached to a case")
    return ctx.case.id


def rectification_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def open_rectification(text: str | None) -> list[int]:
        """The handler's list → one open item each; the ids the diagram runs one instance for."""
        rows = rules.open_items(ctx.session, _case_id(ctx), rules.parse_items(text), ctx.now())
        for row in rows:
            ctx.record("rectification_opened", seq=row.seq, what=row.what, responsible=row.responsible,
                       days=row.days)
        return [row.id for row in rows]

    def start_rectification(item_id: int) -> int:
        """The item's clock starts: its due moment is kept on the row for the pages; returns the
        limit in working days for the item's timers."""
        item = rules.item_of_case(ctx.session, _case_id(ctx), item_id)
        item.due_at = ctx.calendar.deadline(item.opened_at, days=item.days)
        return item.days

    def rectification_warning(item_id: int) -> None:
        item = rules.item_of_case(ctx.session, _case_id(ctx), item_id)
        ctx.record("rectification_warning", seq=item.seq, what=item.what,
                   due=_iso(item.due_at))
        ctx.notify("warning", f"整改预警：{ctx.case.number} 第{item.seq}项",
                   f"{item.what}（责任：{item.responsible}）临近整改期限", group="handler",
                   department_id=ctx.case.department_id)

    def rectification_overdue(item_id: int) -> None:
        """The item ran past its limit; the supervision call activity that follows escalates."""
        item = rules.item_of_case(ctx.session, _case_id(ctx), item_id)
        item.overdue = True
        ctx.record("rectification_overdue", seq=item.seq, what=item.what, due=_iso(item.due_at))

    def submit_rectification(item_id: int, attachments: str | None, note: str | None) -> None:
        case_id = _case_id(ctx)
        item = rules.item_of_case(ctx.session, case_id, item_id)
        ids = rules.parse_attachment_refs(ctx.session, case_id, attachments)
        rules.submit_evidence(item, ids, note, ctx.now())
        ctx.record("rectification_submitted", seq=item.seq, what=item.what, attachments=ids)

    def sign_off_rectification(item_id: int, comment: str | None = None) -> None:
        item = rules.item_of_case(ctx.session, _case_id(ctx), item_id)
        rules.sign_off(item, ctx.actor, ctx.now())
        ctx.record("rectification_signed_off", seq=item.seq, what=item.what, comment=comment)

    def send_back_rectification(item_id: int, comment: str | None = None) -> None:
        item = rules.item_of_case(ctx.session, _case_id(ctx), item_id)
        rules.send_back(item)
        ctx.record("rectification_sent_back", seq=item.seq, what=item.what, comment=comment)

    def require_rectified() -> None:
        rules.require_all_signed_off(ctx.session, _case_id(ctx))

    return {"open_rectification": open_rectification, "start_rectification": start_rectification,
            "rectification_warning": rectification_warning, "rectification_overdue": rectification_overdue,
            "submit_rectification": submit_rectification, "sign_off_rectification": sign_off_rectification,
            "send_back_rectification": send_back_rectification, "require_rectified": require_rectified}


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None
