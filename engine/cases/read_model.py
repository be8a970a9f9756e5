"""The case file (案卷) as staff read it: searching cases, one case with who holds it now, its
history as a timeline, related cases and attachments.

Everything is read from the projections and the audit trail; no workflow is deserialized. The
caller passes its visibility scope (a WHERE clause on Case) and, for people who may not see the
complainant, a ``redact`` function (engine/cases/masking.py) applied to every text the timeline shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import forms
from engine.cases.attachments import list_attachments
from engine.cases.duplicates import Suggestion, possible_duplicates_of
from engine.cases.masking import Redact, scrub
from engine.core.paging import Page, paginate
from engine.definitions import form_store
from engine.models import Attachment, AuditEvent, Case, Department, Task, User
from engine.org.places import place_names, town_path

# Detail keys that hold ISO times; the timeline hands them over as datetimes.
_TIME_KEYS = ("due", "overdue_since")


# ------------------------------------------------------------------ search


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    status: str = ""
    stage: str = ""
    colour: str = ""
    category: str = ""
    channel: str = ""
    town: str = ""  # town grid code


def search_cases(session: Session, scope, filters: CaseFilters, page: int = 1, per_page: int = 25) -> Page:
    """Cases within ``scope`` matching the filters, newest first."""
    query = select(Case).where(scope)
    text = filters.q.strip()
    if text:
        query = query.where(or_(Case.number.icontains(text, autoescape=True),
                                Case.title.icontains(text, autoescape=True),
                                Case.description.icontains(text, autoescape=True),
                                Case.subject_enterprise.icontains(text, autoescape=True),
                                Case.tracking_code == text.upper()))
    for column, value in ((Case.status, filters.status), (Case.stage, filters.stage),
                          (Case.colour, filters.colour), (Case.category, filters.category),
                          (Case.channel, filters.channel)):
        if value:
            query = query.where(column == value)
    if filters.town:
        path = town_path(session, filters.town)
        query = query.where(Case.grid_path.startswith(path, autoescape=True) if path else Case.id.is_(None))
    return paginate(session, query.order_by(Case.received_at.desc(), Case.id.desc()), page, per_page)


# ------------------------------------------------------------------ one case


@dataclass(frozen=True)
class HolderView:
    task: Task
    department: str | None
    assignee: str | None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    actor: str  # display name, or the username if the account is gone; "system" for timers
    stage: str | None
    task_name: str | None
    detail: dict[str, Any]
    fields: list[tuple[str, Any]] = field(default_factory=list)  # task_completed: (label, value)


@dataclass(frozen=True)
class CaseFile:
    case: Case
    place: list[str]  # grid names, town first
    department: str | None
    leader_owner: str | None
    holders: list[HolderView]
    timeline: list[TimelineEntry]
    parent: Case | None
    parent_visible: bool
    duplicates: list[Case]
    possible: list[Suggestion]
    attachments: list[Attachment]
    names: dict[str, str]  # username → display name (uploaders)


def load_case_file(session: Session, case: Case, *, scope, lang: str = "zh_CN",
                   redact: Redact | None = None) -> CaseFile:
    departments = {d.id: d for d in session.scalars(select(Department))}
    users = {u.id: u for u in session.scalars(select(User))}
    ready = list(session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "ready")
                                 .order_by(Task.created_at, Task.spec)))
    holders = [HolderView(t, departments[t.department_id].name if t.department_id in departments else None,
                          users[t.assignee_id].display_name if t.assignee_id in users else None) for t in ready]
    parent = session.get(Case, case.parent_id) if case.parent_id else None
    parent_visible = parent is not None and session.scalar(
        select(func.count()).select_from(Case).where(Case.id == parent.id, scope)) == 1
    duplicates = list(session.scalars(select(Case).where(Case.parent_id == case.id, scope)
                                      .order_by(Case.received_at, Case.id)))
    return CaseFile(
        case=case, place=place_names(session, case.grid_path),
        department=departments[case.department_id].name if case.department_id in departments else None,
        leader_owner=users[case.leader_owner_id].display_name if case.leader_owner_id in users else None,
        holders=holders, timeline=timeline(session, case, lang=lang, redact=redact, users=users),
        parent=parent, parent_visible=parent_visible, duplicates=duplicates,
        possible=possible_duplicates_of(session, case, scope=scope), attachments=list_attachments(session, case.id),
        names={u.username: u.display_name for u in users.values()},
    )


# ------------------------------------------------------------------ timeline


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return when if when is not None and when.tzinfo else None


def form_fields(form_name: str | None, data: dict, lang: str, department_names: dict[str, str],
                session: Session | None = None) -> list[tuple]:
    """(label, display value) for each filled-in field, in the form's order and words."""
    if not data:
        return []
    try:
        form = form_store.get_form(session, form_name) if form_name else None
    except forms.FormError:
        form = None
    if form is None:
        return [(key, value) for key, value in data.items() if value not in (None, "", [])]
    shown = []
    for name in [*form.fields, *(k for k in data if k not in form.fields)]:
        value = data.get(name)
        if value in (None, "", []):
            continue
        ui = form.ui["fields"].get(name)
        if ui is None:
            shown.append((name, value))
            continue
        widget = ui.get("widget")
        if widget == "department":
            value = department_names.get(value, value)
        elif widget == "departments" and isinstance(value, list):
            value = "、".join(department_names.get(v, str(v)) for v in value)
        elif widget == "file" and isinstance(value, list):
            value = "、".join(_file_names(session, value))
        elif "choices" in ui:
            value = "、".join(form.choice_label(name, v, lang) for v in value) if isinstance(value, list) \
                else form.choice_label(name, value, lang)
        shown.append((form.label(name, lang), value))
    return shown


def _file_names(session: Session | None, ids: list) -> list[str]:
    """The names of a file field's attachments still in use (a removed one is no longer shown)."""
    ids = [i for i in ids if isinstance(i, int)]
    if session is None or not ids:
        return []
    return list(session.scalars(select(Attachment.filename).where(
        Attachment.id.in_(ids), Attachment.removed_at.is_(None)).order_by(Attachment.id)))


def timeline(session: Session, case: Case, *, lang: str = "zh_CN", redact: Redact | None = None,
             users: dict[int, User] | None = None, display: dict[str, str] | None = None,
             department_names: dict[str, str] | None = None,
             events: list | None = None) -> list[TimelineEntry]:
    """Every audit event of the case, oldest first, with names instead of codes. ``display``
    (username → name), ``department_names`` (code → name) and ``events`` (the case's, oldest
    first; entities, or rows with their columns): when the caller has them already."""
    if events is None:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                      .order_by(AuditEvent.at, AuditEvent.id)))
    if display is None:
        users = users if users is not None else {u.id: u for u in session.scalars(select(User))}
        display = {u.username: u.display_name for u in users.values()}
    if department_names is None:
        department_names = dict(session.execute(select(Department.code, Department.name)).all())
    task_names = dict(session.execute(select(Task.id, Task.name).where(Task.case_id == case.id)).all())
    entries = []
    for event in events:
        detail = dict(event.detail or {})
        for key in _TIME_KEYS:
            if key in detail:
                detail[key] = _as_time(detail[key])
        if "department" in detail:
            detail["department_name"] = department_names.get(detail["department"], detail["department"])
        if detail.get("joint"):
            detail["joint_names"] = [department_names.get(code, code) for code in detail["joint"]]
        fields = []
        if event.kind == "task_completed":
            fields = form_fields(detail.get("form"), detail.pop("data", None) or {}, lang, department_names,
                                 session)
        entries.append(TimelineEntry(
            at=event.at, kind=event.kind, actor=display.get(event.actor, event.actor), stage=event.stage,
            task_name=task_names.get(event.task_id) or detail.get("task"),
            detail=scrub(detail, redact), fields=scrub(fields, redact)))
    return entries
