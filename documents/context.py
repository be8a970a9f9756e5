"""The plain dict a document template sees, built from the case, its audit trail and its tasks.

This is the snapshot stored with each issued document: it is JSON (strings, numbers, lists,
dicts; times already written out in the bureau's local time), so the PDF rendered later shows
what was true when the document was issued, and templates never touch ORM objects.

Documents that leave the bureau (engine/vocabulary/document_kinds.py, "confidential") carry no complainant identity
unless the administrator allows it: the name and phone are left out, and every identity in a text
(the complainant's, any phone number, ID number or e-mail address) and the tracking code are
masked (engine/cases/masking.paper_redactor).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.enforcement_context import ENFORCEMENT_KINDS, enforcement_facts
from documents.settings import DocumentSettings, bureau_name
from engine.cases.attachments import list_attachments
from engine.cases.evidence import reply_photo_ids
from engine.cases.masking import complainant_on_paper, paper_redactor, scrub
from engine.cases.read_model import form_fields, timeline
from engine.core import reference_cache
from engine.core.timefmt import deadline_parts
from engine.leadership.flags import flags_of
from engine.leadership.records import records_of
from engine.models import AuditEvent, Case, Department, Task, User
from engine.models.documents import Document
from engine.org.places import place_names
from engine.rectification.items import evidence_ids, list_items
from engine.vocabulary import events
from engine.vocabulary.document_kinds import KINDS
from engine.vocabulary.words import (
    ACTORS,
    CASE_FLAGS,
    CATEGORIES,
    CHANNELS,
    RECTIFICATION_STATUSES,
    ROLES,
    SATISFACTION,
    STAGES,
    STATUSES,
    SUBJECT_TYPES,
    TIERS,
    word,
)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def _local(when: datetime | None, tz: ZoneInfo) -> datetime | None:
    return when.astimezone(tz) if when else None


def fmt_time(when: datetime | None, tz: ZoneInfo) -> str:
    return _local(when, tz).strftime("%Y-%m-%d %H:%M") if when else ""


def fmt_date(when: datetime | None, tz: ZoneInfo) -> str:
    if when is None:
        return ""
    local = _local(when, tz)
    return f"{local.year}年{local.month}月{local.day}日"


def fmt_deadline(when: datetime | None, tz: ZoneInfo) -> str:
    """A limit ending at midnight is written as 24时 of its last day (engine/core/timefmt.py)."""
    if when is None:
        return ""
    day, hour, minute = deadline_parts(when, tz)
    if hour == 24:
        return f"{day.year}年{day.month}月{day.day}日24时"
    return f"{day.year}年{day.month}月{day.day}日{hour}时{minute:02d}分"


def duration_text(delta: timedelta) -> str:
    if delta.total_seconds() <= 0:
        return "未超期"
    hours = int(delta.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days and hours:
        return f"{days}天{hours}小时"
    return f"{days}天" if days else f"{max(hours, 1)}小时"


# What the snapshot reads of an audit event (the case file's timeline too, engine/cases/read_model.timeline);
# a step's own events, not yet stored, are entities with the same attributes.
_FACT_COLUMNS = (AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.kind, AuditEvent.stage,
                 AuditEvent.task_id, AuditEvent.detail)


class _Facts:
    """What the audit trail says happened, looked up by kind and task."""

    def __init__(self, events: list):
        self.events = events

    def last(self, kind: str) -> AuditEvent | None:
        return next((e for e in reversed(self.events) if e.kind == kind), None)

    def completion(self, task: str) -> AuditEvent | None:
        return next((e for e in reversed(self.events)
                     if e.kind == "task_completed" and (e.detail or {}).get("task") == task), None)

    def completions(self, task: str) -> list[AuditEvent]:
        return [e for e in self.events if e.kind == "task_completed" and (e.detail or {}).get("task") == task]


def _names(session: Session, key, name) -> dict:
    """{key: name} of every staff member or department: kept per process until one changes
    (engine/core/reference_cache.py), as a document is issued within an engine step. Read only."""
    return reference_cache.cached(session, "names", (str(key), str(name)),
                                  lambda: dict(session.execute(select(key, name)).all()))


def build_context(session: Session, case: Case, kind: str, *, number: str | None, version: int, issued_at: datetime,
                  issued_by: str, tz: str, settings: DocumentSettings, step: dict | None = None,
                  pending: list[AuditEvent] = ()) -> dict[str, Any]:
    """The snapshot for one document. ``pending``: this step's audit events, not yet flushed."""
    zone = ZoneInfo(tz)
    meta = KINDS[kind]
    show_identity = not meta["confidential"] or settings.show_identity_external
    users = _names(session, User.username, User.display_name)
    departments = _names(session, Department.code, Department.name)
    department_by_id = _names(session, Department.id, Department.name)
    # Plain rows, not entities: the snapshot only reads them, and a case's trail is read again
    # for every document the demo's thousands of steps issue (the entities cost twice as much).
    stored = session.execute(select(*_FACT_COLUMNS).where(AuditEvent.case_id == case.id)
                             .order_by(AuditEvent.at, AuditEvent.id)).all()
    ids = {e.id for e in stored}
    facts = _Facts([*stored, *(e for e in pending if e.id is None or e.id not in ids)])

    def who(username: str | None) -> str:
        return ACTORS["system"] if username == "system" else users.get(username or "", username or "")

    def fields_of(event: AuditEvent | None) -> list[list]:
        if event is None:
            return []
        detail = event.detail or {}
        return [[label, _value(v)] for label, v in
                form_fields(detail.get("form"), detail.get("data") or {}, "zh_CN", departments, session)]

    context: dict[str, Any] = {
        "kind": kind, "title": meta["zh"], "audience": meta["audience"], "confidential": meta["confidential"],
        "number": number, "version": version, "bureau": bureau_name(session, settings),
        "issued_at": fmt_time(issued_at, zone), "issued_date": fmt_date(issued_at, zone), "issued_by": who(issued_by),
        "identity_shown": show_identity,
        "case": _case_facts(session, case, zone, department_by_id),
        "complainant": complainant_on_paper(case, show_identity),
        "holders": _holders(session, case, zone, department_by_id),
        "step": dict(step or {}),
    }
    receive = facts.completion("receive")
    receive_data = (receive.detail or {}).get("data", {}) if receive else {}
    context["rejection"] = {"reason": receive_data.get("reason") or "", "note": receive_data.get("note") or "",
                            "by": who(receive.actor) if receive else "",
                            "at": fmt_date(receive.at, zone) if receive else ""}
    assigned = facts.last("assigned")
    assign = facts.completion("assign")
    assign_data = (assign.detail or {}).get("data", {}) if assign else {}
    context["assignment"] = {
        "department": departments.get((assigned.detail or {}).get("department"), "") if assigned else "",
        "joint": [departments.get(c, c) for c in ((assigned.detail or {}).get("joint") or [])] if assigned else [],
        "instructions": assign_data.get("instructions") or "",
        "by": who(assign.actor) if assign else "",
        "at": fmt_time(assign.at, zone) if assign else "",
    }
    transferred = facts.last("transferred")
    context["transfer"] = {
        "agency": (transferred.detail or {}).get("agency", "") if transferred else (case.transferred_to or ""),
        "reason": (transferred.detail or {}).get("reason", "") if transferred else "",
        "instructions": assign_data.get("instructions") or "",
        "by": who(assign.actor) if assign else "",
        "at": fmt_time(transferred.at if transferred else None, zone),
    }
    context["supervision"] = _supervision(session, case, facts, zone, step or {}, context["holders"])
    context["extension"] = _extension(facts, case, zone, who)
    handle = facts.completion("handle")
    context["findings"] = fields_of(handle)
    context["handled_by"] = who(handle.actor) if handle else ""
    context["handled_at"] = fmt_time(handle.at, zone) if handle else ""
    context["joint_findings"] = [{"by": who(e.actor), "at": fmt_time(e.at, zone), "fields": fields_of(e)}
                                 for e in facts.completions("joint_handle")]
    feedback = facts.completion("feedback")
    feedback_data = (feedback.detail or {}).get("data", {}) if feedback else {}
    context["reply"] = {"text": feedback_data.get("reply") or "", "fields": fields_of(feedback),
                        "by": who(feedback.actor) if feedback else "",
                        "at": fmt_time(feedback.at, zone) if feedback else ""}
    review = facts.completion("review")
    review_data = (review.detail or {}).get("data", {}) if review else {}
    context["approval"] = {"approved": review_data.get("approved") is True, "comment": review_data.get("comment") or "",
                           "by": who(review.actor) if review else "", "at": fmt_time(review.at, zone) if review else "",
                           "date": fmt_date(review.at, zone) if review else ""}
    closed = facts.last("closed")
    context["closure"] = {"on_time": (closed.detail or {}).get("on_time") if closed else None,
                          "at": fmt_time(closed.at if closed else case.closed_at, zone),
                          "escalations": sum(1 for e in facts.events if e.kind == "escalated"),
                          "returns": sum(1 for e in facts.events if e.kind in ("returned", "review_rejected"))}
    if kind in ENFORCEMENT_KINDS:
        context["enforcement"] = enforcement_facts(session, case, zone, step or {})
    if kind == "reply":
        context["photos"] = _reply_photos(session, case, facts, zone, who)
    if kind == "case_file":
        context["timeline"] = _timeline(session, case, zone, facts.events)
        attachments = list_attachments(session, case.id)
        context["photos"] = [{"id": a.id, "filename": a.filename, "uploaded_by": who(a.uploaded_by),
                              "uploaded_at": fmt_time(a.uploaded_at, zone)}
                             for a in attachments if a.content_type in IMAGE_TYPES]
        context["attachments"] = [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                                  for a in attachments if a.content_type not in IMAGE_TYPES]
        context["documents"] = _documents(session, case, zone)
        context["rectification"] = [
            {"seq": i.seq, "what": i.what, "responsible": i.responsible, "days": i.days,
             "due": fmt_deadline(i.due_at, zone), "evidence_required": i.evidence_required,
             "status": word(RECTIFICATION_STATUSES, i.status), "overdue": i.overdue,
             "evidence_note": i.evidence_note or "", "attachments": evidence_ids(i),
             "signed_off_by": who(i.signed_off_by) if i.signed_off_by else "", "signed_off_at": fmt_time(i.signed_off_at, zone)}
            for i in list_items(session, case.id)]
        context["leadership"] = _leadership(session, case, zone, who)
    if not show_identity:
        context = scrub(context, paper_redactor(case))
    return context


def _reply_photos(session: Session, case: Case, facts, zone: ZoneInfo, who) -> list[dict]:
    """The photos of the task forms' file fields marked ``in_reply`` (forms/definition.py), in
    upload order: those the handler and the feedback chose to show the complainant."""
    chosen = reply_photo_ids(session, facts.events)
    return [{"id": a.id, "filename": a.filename, "uploaded_by": who(a.uploaded_by),
             "uploaded_at": fmt_time(a.uploaded_at, zone)}
            for a in list_attachments(session, case.id) if a.id in chosen and a.content_type in IMAGE_TYPES]


def _value(v: Any) -> Any:
    if v is True:
        return "是"
    if v is False:
        return "否"
    return v if isinstance(v, (str, int, float)) or v is None else str(v)


def _case_facts(session: Session, case: Case, zone: ZoneInfo, department_by_id: dict) -> dict:
    leader = _names(session, User.id, User.display_name).get(case.leader_owner_id) \
        if case.leader_owner_id else None
    return {
        "number": case.number, "tracking_code": case.tracking_code, "title": case.title,
        "description": case.description or "", "category": word(CATEGORIES, case.category),
        "channel": word(CHANNELS, case.channel), "subject_type": word(SUBJECT_TYPES, case.subject_type),
        "subject_enterprise": case.subject_enterprise or "", "address": case.address or "",
        "place": " / ".join(place_names(session, case.grid_path)),
        "urgent": bool(case.urgent), "status": word(STATUSES, case.status),
        "stage": word(STAGES, case.stage),
        "stage_due": fmt_deadline(case.stage_due, zone),
        "tier": case.tier, "tier_name": word(TIERS, case.tier),
        "department": department_by_id.get(case.department_id, ""),
        "leader_owner": leader or "",
        "transferred_to": case.transferred_to or "", "extension_days": case.extension_days,
        "satisfaction": word(SATISFACTION, case.satisfaction),
        "received_at": fmt_time(case.received_at, zone), "received_date": fmt_date(case.received_at, zone),
        "accepted_at": fmt_time(case.accepted_at, zone), "accepted_date": fmt_date(case.accepted_at, zone),
        "closed_at": fmt_time(case.closed_at, zone), "closed_on_time": case.closed_on_time,
    }


def _holders(session: Session, case: Case, zone: ZoneInfo, department_by_id: dict) -> list[dict]:
    rows = session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "ready")
                           .order_by(Task.created_at, Task.spec))
    names = _names(session, User.id, User.display_name)
    return [{"task": t.name, "spec": t.spec, "stage": word(STAGES, t.stage),
             "group": word(ROLES, t.candidate_group), "tier": t.tier,
             "department": department_by_id.get(t.department_id, ""), "assignee": names.get(t.assignee_id, ""),
             "due": fmt_deadline(t.due_at, zone), "due_iso": t.due_at.isoformat() if t.due_at else ""}
            for t in rows]


def _supervision(session: Session, case: Case, facts: _Facts, zone: ZoneInfo, step: dict,
                 holders: list[dict]) -> dict:
    tier = step.get("tier")
    escalations = [e for e in facts.events if e.kind == "escalated"]
    event = next((e for e in reversed(escalations) if tier is None or (e.detail or {}).get("to_tier") == tier), None)
    if event is None:
        return {}
    detail = event.detail or {}
    since = datetime.fromisoformat(detail["overdue_since"]) if detail.get("overdue_since") else None
    to_tier = detail.get("to_tier")
    supervise = session.scalars(select(Task).where(Task.case_id == case.id, Task.spec == "supervise",
                                                   Task.tier == to_tier).order_by(Task.created_at.desc())).first()
    overdue = [h for h in holders if h["spec"] != "supervise"]
    return {
        "stage": word(STAGES, event.stage),
        "from_tier": word(TIERS, detail.get("from_tier")), "to_tier": word(TIERS, to_tier),
        "tier": to_tier, "round": escalations.index(event) + 1,
        "overdue_since": fmt_deadline(since, zone),
        "overdue_by": duration_text(event.at - since) if since else "",
        "escalated_at": fmt_time(event.at, zone),
        "new_deadline": fmt_deadline(supervise.due_at if supervise else None, zone),
        "responsible": _names(session, Department.id, Department.name).get(case.department_id, ""),
        "overdue_tasks": [{"task": h["task"], "group": h["group"], "assignee": h["assignee"]} for h in overdue],
    }


def _extension(facts: _Facts, case: Case, zone: ZoneInfo, who) -> dict:
    granted = facts.last("extension_granted")
    if granted is None:
        return {}
    handle = next((e for e in reversed(facts.events) if e.kind == "task_completed" and e.at <= granted.at
                   and (e.detail or {}).get("task") == "handle"), None)
    approval = facts.completion("approve_extension")
    data = (handle.detail or {}).get("data", {}) if handle else {}
    return {"days": (granted.detail or {}).get("days"), "total": (granted.detail or {}).get("total"),
            "reason": data.get("extension_reason") or "", "granted_at": fmt_date(granted.at, zone),
            "approved_by": who(approval.actor) if approval else "",
            "new_deadline": fmt_deadline(case.stage_due, zone) if case.stage == "handle" else ""}


def _timeline(session: Session, case: Case, zone: ZoneInfo, trail: list[AuditEvent]) -> list[dict]:
    entries = []
    # The names as the rest of the snapshot reads them, kept per process (``_names``); the events
    # as it read them, with the step's own not yet written.
    for e in timeline(session, case, events=trail, display=_names(session, User.username, User.display_name),
                      department_names=_names(session, Department.code, Department.name)):
        # Bookkeeping (tasks offered and claimed, timers) has no document wording: the case file
        # records what people and deadlines did.
        text = events.render(e.kind, events.DOCUMENT, detail=e.detail, stage=e.stage, task=e.task_name,
                             time=lambda when: fmt_deadline(when, zone))
        if text is None:
            continue
        entries.append({"at": fmt_time(e.at, zone), "actor": word(ACTORS, e.actor), "stage": word(STAGES, e.stage),
                        "text": text, "fields": [[label, _value(v)] for label, v in e.fields]})
    return entries


def _leadership(session: Session, case: Case, zone: ZoneInfo, who) -> dict:
    """The owning leader's progress checks, meetings and visits (engine/leadership/records.py) and
    the supervision section's flags, as the case file's own section records them; empty when the
    case has none of them."""
    users = _names(session, User.id, User.display_name)
    owner = users.get(case.leader_owner_id) if case.leader_owner_id else None
    checks, meetings, visits = [], [], []
    for row in records_of(session, case.id):
        c = row.content or {}
        base = {"held_on": fmt_date(_at_noon(row.held_on, zone), zone), "leader": users.get(row.leader_id, ""),
                "recorded_by": who(row.recorded_by), "recorded_at": fmt_time(row.recorded_at, zone)}
        if row.kind == "check":
            checks.append({**base, "decisions": c.get("decisions") or "",
                           "next_check": fmt_date(_at_noon(row.next_check, zone), zone) if row.next_check else ""})
        elif row.kind == "meeting":
            attendees = [a.get("name") or "" for a in c.get("attendees") or []] + \
                ([c["outside"]] if c.get("outside") else [])
            items = [{"item": i.get("item") or "", "department": i.get("department_name") or "",
                      "person": i.get("person_name") or "", "days": i.get("days"),
                      "due": fmt_deadline(datetime.fromisoformat(i["due"]), zone) if i.get("due") else ""}
                     for i in c.get("follow_ups") or []]
            meetings.append({**base, "attendees": "、".join(attendees), "decisions": c.get("decisions") or "",
                             "follow_ups": items})
        elif row.kind == "visit":
            visits.append({**base, "place": c.get("place") or "", "visitors": c.get("visitors") or "",
                           "heard": c.get("heard") or "", "outcome": c.get("outcome") or ""})
    flags = [{"flag": word(CASE_FLAGS, f.flag), "reason": f.reason, "set_by": who(f.set_by),
              "set_at": fmt_time(f.set_at, zone)} for f in flags_of(session, [case.id]).get(case.id, [])]
    if not (owner or checks or meetings or visits or flags):
        return {}  # no leader and no flag: the case file has no such section
    return {"owner": owner or "", "checks": checks, "meetings": meetings, "visits": visits, "flags": flags}


def _at_noon(day, zone: ZoneInfo) -> datetime:
    # A record's date is a local calendar date; noon keeps it the same date in any written form.
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone)


def _documents(session: Session, case: Case, zone: ZoneInfo) -> list[dict]:
    """The latest version of every other document of the case, with its snapshot: the case file
    reproduces each one as it was issued."""
    rows = session.scalars(select(Document).where(Document.case_id == case.id, Document.kind != "case_file")
                           .order_by(Document.issued_at, Document.id))
    latest: dict[str, Document] = {}
    for row in rows:
        if row.number not in latest or row.version > latest[row.number].version:
            latest[row.number] = row
    return [{"title": KINDS.get(d.kind, {}).get("zh", d.kind), "number": d.number, "version": d.version,
             "issued_at": fmt_time(d.issued_at, zone), "kind": d.kind, "context": d.context}
            for d in sorted(latest.values(), key=lambda d: (d.issued_at, d.id))]
