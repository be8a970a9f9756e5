"""What one engine step knows about the world: the case, the clock, the calendar, the actor.

The diagram's functions (engine/cases/process_functions.py) act on the case through this object,
and the step's hooks (notifications, documents) read what it collected, so everything a step
changes lands in the same database transaction as the workflow state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.models import AuditEvent, Case


@dataclass(frozen=True)
class Notice:
    """A message for a group of staff, raised by a diagram function; engine/notify fans it out."""

    kind: str
    title: str
    body: str
    user_id: int | None = None
    group: str | None = None
    tier: int | None = None
    department_id: int | None = None


@dataclass
class StepContext:
    session: Session
    case: Case | None
    instance_id: int | None
    actor: str
    now_value: datetime
    # engine/calendar/workdays.WorkCalendar; typed loosely because the calendar package sits
    # above core (docs/architecture.md, layers).
    calendar: Any
    timezone: ZoneInfo
    audit: list[AuditEvent] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    # What the step's functions read once and reuse (a diagram may ask the same question in
    # several conditions of one step): rows the step itself does not change until it ends.
    memo: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.now_value

    def record(self, kind: str, stage: str | None = None, task_id: str | None = None, **detail: Any) -> None:
        event = AuditEvent(
            case_id=self.case.id if self.case else None,
            instance_id=self.instance_id,
            at=self.now_value,
            actor=self.actor,
            kind=kind,
            stage=stage if stage is not None else (self.case.stage if self.case else None),
            task_id=task_id,
            detail=detail,
        )
        self.audit.append(event)

    def notify(self, kind: str, title: str, body: str = "", *, user_id: int | None = None,
               group: str | None = None, tier: int | None = None, department_id: int | None = None) -> None:
        self.notices.append(Notice(kind, title, body, user_id=user_id, group=group, tier=tier,
                                   department_id=department_id))
