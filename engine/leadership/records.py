"""Recording a leader's progress check (调度), meeting (会商) and visit to the complainant (带案下访).

Each is a ``LeaderRecord`` row and an audit event (the case timeline's and the case file's entry,
engine/vocabulary/events.py). A check with a next check date (re)schedules the reminder; each follow-up
item of a meeting starts its own task for the responsible department (engine/leadership/reminders.py).
Services take the caller's session and never commit; callers pass ``leader_case_scope`` of the
person (engine/org/scopes.py): a case outside it is NotFound.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.core.runtime import Runtime
from engine.leadership import reminders
from engine.leadership.errors import Problems
from engine.leadership.progress import check_next, write_check
from engine.leadership.progress import parse_date as _date
from engine.models import AuditEvent, Case, Department, LeaderRecord, User

TEXT_MAX = 2000
SHORT_MAX = 200
MAX_ATTENDEES = 30
MAX_FOLLOW_UPS = 10
DAYS_RANGE = (1, 60)


@dataclass(frozen=True)
class FollowUpItem:
    """One thing a meeting decided someone must do: which department, optionally who, within how
    many working days."""

    item: str
    department: str  # department code
    person_id: int | None = None
    days: int | str | None = None


# ------------------------------------------------------------------ checks on input


def today(runtime: Runtime) -> date:
    return runtime.now().astimezone(ZoneInfo(runtime.timezone)).date()


def _text(value: str | None, name: str, problems: Problems, *, required: bool, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if required and not text:
        problems.add(name, "required")
    elif len(text) > limit:
        problems.add(name, "too_long")
    return text


def _held_on(value, now: date, problems: Problems) -> date | None:
    held = _date(value, "held_on", problems, required=True)
    if held is not None and held > now:
        problems.add("held_on", "in_future")
    return held


def _not_before_case(held: date, case: Case, runtime: Runtime) -> None:
    if held < _received_on(case, runtime):
        problems = Problems()
        problems.add("held_on", "before_case")
        problems.raise_any()


def owned_case(session: Session, case_id: int, scope) -> Case:
    """The case, locked, if it is within ``scope`` and a leader owns it."""
    case = session.scalars(select(Case).where(Case.id == case_id, scope).with_for_update()).first()
    if case is None or case.leader_owner_id is None:
        raise NotFound(f"案件 {case_id} 不存在 (no such case)")
    return case


def _received_on(case: Case, runtime: Runtime) -> date:
    return case.received_at.astimezone(ZoneInfo(runtime.timezone)).date()


def _audit(session: Session, runtime: Runtime, case: Case, actor: str, kind: str, **detail: Any) -> None:
    session.add(AuditEvent(case_id=case.id, at=runtime.now(), actor=actor, kind=kind, stage=case.stage,
                           detail={k: v for k, v in detail.items() if v not in (None, "", [])}))


# ------------------------------------------------------------------ progress checks (调度)


def record_check(session: Session, runtime: Runtime, case_id: int, *, actor: str, scope,
                 held_on: str | date | None, decisions: str | None,
                 next_check: str | date | None = None) -> LeaderRecord:
    """A progress check: when, what was decided, and optionally when to check next — the reminder
    is set for that date (an earlier one for the case is replaced)."""
    problems = Problems()
    now = today(runtime)
    decisions = _text(decisions, "decisions", problems, required=True)
    nxt = check_next(next_check, now, problems)
    held = _held_on(held_on, now, problems)
    problems.raise_any()
    case = owned_case(session, case_id, scope)
    _not_before_case(held, case, runtime)
    row = write_check(session, case, leader_id=case.leader_owner_id, held_on=held, decisions=decisions,
                      next_check=nxt, actor=actor, at=runtime.now(),
                      record=lambda kind, **d: _audit(session, runtime, case, actor, kind, **d))
    reminders.schedule_check(session, runtime, case, leader_id=case.leader_owner_id, next_check=nxt, actor=actor)
    return row


# ------------------------------------------------------------------ meetings (会商)


def _people(session: Session, ids: Sequence[int | str], problems: Problems) -> list[User]:
    wanted = []
    for raw in ids:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            problems.add("attendees", "unknown_person")
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > MAX_ATTENDEES:
        problems.add("attendees", "too_many")
        return []
    found = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted), User.active.is_(True)))}
    if len(found) != len(wanted):
        problems.add("attendees", "unknown_person")
    return [found[i] for i in wanted if i in found]


def _follow_ups(session: Session, items: Sequence[FollowUpItem], problems: Problems) -> list[dict]:
    if len(items) > MAX_FOLLOW_UPS:
        problems.add("follow_ups", "too_many")
        return []
    departments = {d.code: d for d in session.scalars(select(Department).where(Department.kind == "bureau"))}
    checked = []
    for n, entry in enumerate(items):
        field = f"follow_ups.{n}"
        text = _text(entry.item, f"{field}.item", problems, required=True, limit=SHORT_MAX * 2)
        department = departments.get(entry.department or "")
        if department is None:
            problems.add(f"{field}.department", "required" if not entry.department else "unknown_department")
        person = None
        if entry.person_id not in (None, ""):
            person = session.get(User, int(entry.person_id)) if str(entry.person_id).isdigit() else None
            if person is None or not person.active:
                problems.add(f"{field}.person", "unknown_person")
            elif department is not None and (person.department_id != department.id or "handler" not in person.roles):
                problems.add(f"{field}.person", "not_in_department")
        try:
            days = int(entry.days)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            days = 0
        if not DAYS_RANGE[0] <= days <= DAYS_RANGE[1]:
            problems.add(f"{field}.days", "bad_days")
        checked.append({"item": text, "department": department.code if department else None,
                        "department_name": department.name if department else None,
                        "person_id": person.id if person else None,
                        "person_name": person.display_name if person else None, "days": days})
    return checked


def record_meeting(session: Session, runtime: Runtime, case_id: int, *, actor: str, scope,
                   held_on: str | date | None, attendee_ids: Sequence[int | str], outside: str | None,
                   decisions: str | None, follow_ups: Sequence[FollowUpItem] = ()) -> LeaderRecord:
    """A meeting: when, who took part (staff accounts, and people from outside by name), what was
    decided, and the follow-up items — each becomes a task of the responsible department with its
    deadline in working days."""
    problems = Problems()
    now = today(runtime)
    held = _held_on(held_on, now, problems)
    decisions = _text(decisions, "decisions", problems, required=True)
    outside = _text(outside, "outside", problems, required=False, limit=SHORT_MAX * 2)
    people = _people(session, attendee_ids, problems)
    if not people and not outside and "attendees" not in problems:
        problems.add("attendees", "required")
    items = _follow_ups(session, follow_ups, problems)
    problems.raise_any()
    case = owned_case(session, case_id, scope)
    _not_before_case(held, case, runtime)
    row = LeaderRecord(case_id=case.id, kind="meeting", leader_id=case.leader_owner_id, held_on=held,
                       content={}, recorded_by=actor, recorded_at=runtime.now())
    session.add(row)
    session.flush()  # the items' processes name the meeting they came from
    for item in items:
        task = reminders.start_follow_up(session, runtime, case, item, record_id=row.id, actor=actor)
        item["due"] = task.due_at.isoformat() if task is not None and task.due_at else None
        item["task_id"] = task.id if task is not None else None
    row.content = {"attendees": [{"id": u.id, "name": u.display_name} for u in people], "outside": outside,
                   "decisions": decisions, "follow_ups": items}
    names = [u.display_name for u in people] + ([outside] if outside else [])
    _audit(session, runtime, case, actor, "leader_meeting", record=row.id, held_on=held.isoformat(),
           attendees="、".join(names), decisions=decisions, items=len(items))
    return row


# ------------------------------------------------------------------ visits (带案下访)


def record_visit(session: Session, runtime: Runtime, case_id: int, *, actor: str, scope,
                 held_on: str | date | None, place: str | None, visitors: str | None, heard: str | None,
                 outcome: str | None) -> LeaderRecord:
    """A visit to the complainant: when, where, who went, what the complainant said, the outcome."""
    problems = Problems()
    now = today(runtime)
    held = _held_on(held_on, now, problems)
    place = _text(place, "place", problems, required=True, limit=SHORT_MAX)
    visitors = _text(visitors, "visitors", problems, required=False, limit=SHORT_MAX * 2)
    heard = _text(heard, "heard", problems, required=True)
    outcome = _text(outcome, "outcome", problems, required=False)
    problems.raise_any()
    case = owned_case(session, case_id, scope)
    _not_before_case(held, case, runtime)
    row = LeaderRecord(case_id=case.id, kind="visit", leader_id=case.leader_owner_id, held_on=held,
                       content={"place": place, "visitors": visitors, "heard": heard, "outcome": outcome},
                       recorded_by=actor, recorded_at=runtime.now())
    session.add(row)
    session.flush()
    _audit(session, runtime, case, actor, "leader_visit", record=row.id, held_on=held.isoformat(), place=place,
           visitors=visitors, heard=heard, outcome=outcome)
    return row


# ------------------------------------------------------------------ reading


def records_of(session: Session, case_id: int) -> list[LeaderRecord]:
    """Every record of the case, oldest first."""
    return list(session.scalars(select(LeaderRecord).where(LeaderRecord.case_id == case_id)
                                .order_by(LeaderRecord.held_on, LeaderRecord.id)))


def follow_up_choices(session: Session) -> tuple[list[Department], dict[int, list[User]]]:
    """The departments a follow-up item may go to, and their handlers (by department id)."""
    departments = list(session.scalars(select(Department).where(Department.kind == "bureau").order_by(Department.id)))
    handlers: dict[int, list[User]] = {}
    for user in session.scalars(select(User).where(User.active.is_(True), User.department_id.is_not(None))
                                .order_by(User.display_name, User.id)):
        if "handler" in user.roles:
            handlers.setdefault(user.department_id, []).append(user)
    return departments, handlers


def staff_choices(session: Session) -> list[User]:
    """Who may be named as a meeting's attendee: every active account but administrators'."""
    return [u for u in session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name, User.id))
            if u.roles - {"admin"}]
