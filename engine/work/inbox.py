"""The task inbox: ready tasks a person may work, filtered, sorted and paged.

Built to stay fast with 100,000 open tasks: the scope and filters go on the indexed task
columns (state, candidate group, department, due), the page is one query that joins its case
and assignee, and the counts of both views (mine / group) are one more. Nothing is queried per row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from engine.calendar.store import kept_calendar
from engine.core.paging import clamp, page_count
from engine.core.specs import bundle_for, latest_definition, properties
from engine.models import AuditEvent, Case, ProcessDefinition, Task, User
from engine.org.places import town_path

PAGE_SIZE = 25
VIEWS = ("mine", "group")
DUE_WINDOWS = ("overdue", "today", "week")
SORTS = ("due", "-due")
# Filters on case columns need the case joined into the COUNT as well.
CASE_FILTERS = ("q",)
CASE_NUMBER = re.compile(r"环字〔\d{4}〕第\d+号")


# Counting stops here: nobody pages through a county desk's 80,000 tasks, and an exact count
# of them would cost more than the rest of the page.
COUNT_CAP = 10_000


class Count(int):
    """A task count that shows as "10000+" once it reached the cap."""

    capped: bool

    def __new__(cls, value: int, capped: bool = False):
        count = super().__new__(cls, value)
        count.capped = capped
        return count

    def __str__(self) -> str:
        return f"{int(self)}+" if self.capped else str(int(self))


@dataclass(frozen=True)
class InboxFilters:
    stage: str | None = None
    colour: str | None = None
    due: str | None = None  # one of DUE_WINDOWS
    town: str | None = None  # grid code of a town, e.g. "T01"
    category: str | None = None
    channel: str | None = None
    q: str | None = None  # case number, or text in the title or description
    sort: str = "due"

    def active(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v and k != "sort"}


@dataclass(frozen=True)
class InboxRow:
    task: Task
    case: Case | None
    assignee_name: str | None
    days_left: float | None  # working days to the due moment; negative once overdue
    overdue: bool


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    counts: dict[str, int]
    page: int
    page_size: int
    view: str | None = None

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def due_window(which: str, now: datetime, tz: str | ZoneInfo) -> ColumnElement[bool] | None:
    """Deadlines end at 24:00 local time, so "today" and "this week" are local calendar spans."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    today = now.astimezone(zone).date()
    if which == "overdue":
        return Task.due_at < now
    if which == "today":
        end = today + timedelta(days=1)
    elif which == "week":
        end = today + timedelta(days=7 - today.weekday())  # next Monday 00:00 = Sunday 24:00
    else:
        return None
    return Task.due_at.between(now, datetime.combine(end, time(0), tzinfo=zone))


def _conditions(session: Session, scope: ColumnElement[bool], filters: InboxFilters, now: datetime,
                tz: str | ZoneInfo) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Task.state == "ready", scope]
    if filters.stage:
        where.append(Task.stage == filters.stage)
    if filters.colour:
        where.append(Task.colour == filters.colour)
    if filters.due:
        window = due_window(filters.due, now, tz)
        if window is not None:
            where.append(window)
    if filters.town:
        path = town_path(session, filters.town)
        where.append(Task.grid_path.startswith(path, autoescape=True) if path else Task.id.is_(None))
    if filters.category:
        where.append(Task.category == filters.category)  # copied onto the task: no join to count
    if filters.channel:
        where.append(Task.channel == filters.channel)
    if filters.q:
        text = filters.q.strip()
        if CASE_NUMBER.fullmatch(text):
            where.append(Case.number == text)  # a whole number: the unique index, no scan
        else:
            where.append(or_(Case.number.contains(text, autoescape=True),
                             Case.title.icontains(text, autoescape=True),
                             Case.description.icontains(text, autoescape=True)))
    return where


def _view_clause(view: str, user_id: int) -> list[ColumnElement[bool]]:
    return [Task.assignee_id == user_id] if view == "mine" else []


def inbox_page(session: Session, scope: ColumnElement[bool], *, view: str, user_id: int,
               filters: InboxFilters | None = None, page: int = 1, now: datetime, tz: str | ZoneInfo,
               page_size: int = PAGE_SIZE) -> InboxPage:
    """One page of ready tasks within ``scope`` (an engine.org.scopes.task_scope clause).

    ``view`` "mine": assigned to ``user_id``; "group": every task of the person's groups,
    whoever holds it; anything else picks "mine" unless it is empty. ``counts`` gives the size
    of both views under the same filters.
    """
    filters = filters or InboxFilters()
    where = _conditions(session, scope, filters, now, tz)
    needs_case = any(getattr(filters, name) for name in CASE_FILTERS)

    counted = []
    for name in VIEWS:
        matching = select(Task.id)
        if needs_case:
            matching = matching.join(Case, Case.id == Task.case_id)
        matching = matching.where(*where, *_view_clause(name, user_id)).limit(COUNT_CAP + 1)
        counted.append(select(func.count()).select_from(matching.subquery()).scalar_subquery())
    counts = {}
    for name, found in zip(VIEWS, session.execute(select(*counted)).one(), strict=True):  # one round trip
        counts[name] = Count(COUNT_CAP, capped=True) if found > COUNT_CAP else Count(found)
    if view not in VIEWS:
        # No choice made: the person's own tasks, unless they hold none yet.
        view = "mine" if counts["mine"] or not counts["group"] else "group"
    total = counts[view]
    page = clamp(page, total, page_size)

    rows = _rows(session, [*where, *_view_clause(view, user_id)], descending=filters.sort == "-due",
                 offset=(page - 1) * page_size, limit=page_size, now=now, tz=tz, join_case=needs_case)
    return InboxPage(rows=rows, total=total, counts=counts, page=page, page_size=page_size, view=view)


def _rows(session: Session, where: list, *, descending: bool, offset: int, limit: int, now: datetime,
          tz: str | ZoneInfo, join_case: bool = False) -> list[InboxRow]:
    due = Task.due_at.desc().nulls_last() if descending else Task.due_at.asc().nulls_last()
    order = (due, Task.created_at, Task.id)
    # Which tasks make the page is chosen from the ready-task indexes alone (they carry every
    # column the scope, the filters and the order read: engine/models/process.py); only those
    # rows are then read whole. Filtering whole rows would visit the table for every task passed over.
    chosen = select(Task.id)
    if join_case:
        chosen = chosen.join(Case, Case.id == Task.case_id)
    chosen = chosen.where(*where).order_by(*order).offset(offset).limit(limit).correlate(None)
    query = (select(Task, Case, User.display_name)
             .outerjoin(Case, Case.id == Task.case_id)
             .outerjoin(User, User.id == Task.assignee_id)
             .where(Task.id.in_(chosen))
             .order_by(*order))
    results = session.execute(query).all()
    calendar = kept_calendar(session, tz if isinstance(tz, str) else tz.key) if results else None
    rows = []
    for task, case, assignee in results:
        left = calendar.working_days_left(now, task.due_at) if task.due_at else None
        rows.append(InboxRow(task=task, case=case, assignee_name=assignee, days_left=left,
                             overdue=bool(task.due_at and now > task.due_at)))
    return rows


def row_for(session: Session, task: Task, *, now: datetime, tz: str | ZoneInfo) -> InboxRow:
    """One task with its remaining working time, counted the way the inbox counts it."""
    left = None
    if task.due_at:
        left = kept_calendar(session, tz if isinstance(tz, str) else tz.key).working_days_left(now, task.due_at)
    return InboxRow(task=task, case=None, assignee_name=None, days_left=left,
                    overdue=bool(task.due_at and now > task.due_at))


# ------------------------------------------------------------------ the lead's approvals

APPROVAL_LANE = "lead"  # the department lead's lane in the diagrams: every task in it is an approval


@dataclass(frozen=True)
class ApprovalKind:
    spec: str  # the user task's id in the diagram
    name: str  # its name in the diagram
    form: str | None


def approval_kinds(session: Session) -> list[ApprovalKind]:
    """What a lead approves: the user tasks of the lead lane in the newest deployed version of each
    process, in diagram order — an approval step added in the diagram editor shows up here."""
    kinds: dict[str, ApprovalKind] = {}
    for process_id in session.scalars(select(ProcessDefinition.process_id).distinct().order_by(
            ProcessDefinition.process_id)):
        for _pid, spec in bundle_for(latest_definition(session, process_id)).all_specs():
            for ts in spec.task_specs.values():
                if getattr(ts, "bpmn_id", None) and ts.manual and ts.lane == APPROVAL_LANE:
                    kinds.setdefault(ts.bpmn_id, ApprovalKind(ts.bpmn_id, ts.bpmn_name or ts.bpmn_id,
                                                              properties(ts).get("form")))
    return list(kinds.values())


def approval_queue(session: Session, scope: ColumnElement[bool], *, kind: str | None = None, page: int = 1,
                   now: datetime, tz: str | ZoneInfo, page_size: int = PAGE_SIZE) -> InboxPage:
    """Ready tasks of the lead lane within ``scope``, oldest deadline first.

    ``counts`` holds the number waiting per kind (task spec), whatever ``kind`` shows.
    """
    where = [Task.state == "ready", Task.candidate_group == APPROVAL_LANE, scope]
    counts = {k.spec: 0 for k in approval_kinds(session)}
    counts.update(session.execute(select(Task.spec, func.count()).where(*where).group_by(Task.spec)).all())
    if kind in counts:
        where.append(Task.spec == kind)
        total = counts[kind]
    else:
        total = sum(counts.values())
    page = clamp(page, total, page_size)
    rows = _rows(session, where, descending=False, offset=(page - 1) * page_size, limit=page_size,
                 now=now, tz=tz)
    return InboxPage(rows=rows, total=total, counts=counts, page=page, page_size=page_size)


@dataclass(frozen=True)
class ReturnedCase:
    at: datetime
    actor: str
    actor_name: str | None
    reason: str | None
    department_code: str | None
    case_id: int | None
    case_number: str | None
    case_title: str | None
    visible: bool  # whether the reader may open the case (it may have gone to another department)


def recent_returns(session: Session, *, department_id: int | None, department_code: str | None,
                   visible: ColumnElement[bool], since: datetime, limit: int = 20) -> list[ReturnedCase]:
    """Cases returned (退单) since ``since`` by this department, or now back with it.

    A return clears the case's department, so the department that returned it is read from the
    event itself. No department (an administrator): every return.
    """
    query = (select(AuditEvent, Case.number, Case.title, User.display_name, visible.label("visible"))
             .outerjoin(Case, Case.id == AuditEvent.case_id)
             .outerjoin(User, User.username == AuditEvent.actor)
             .where(AuditEvent.kind == "returned", AuditEvent.at >= since))
    if department_id is not None or department_code is not None:
        query = query.where(or_(AuditEvent.detail["department"].as_string() == department_code,
                                Case.department_id == department_id))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return [ReturnedCase(at=event.at, actor=event.actor, actor_name=name, reason=(event.detail or {}).get("reason"),
                         department_code=(event.detail or {}).get("department"), case_id=event.case_id,
                         case_number=number, case_title=title, visible=bool(seen))
            for event, number, title, name, seen in session.execute(query).all()]
