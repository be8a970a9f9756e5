"""The public portal's services: a resident submits a complaint, follows it by its tracking code,
adds information while it is open, and rates the reply.

Who may do what is decided by the tracking code alone (10 characters from a 32-letter alphabet,
drawn with ``secrets``: 50 bits, about 10^15 codes, and every lookup is rate-limited by the web
app). So the code is the complainant's secret: it is handed to the complainant (the page after
submitting, the intake desk reading it out on the phone, the notices addressed to them, the
Open311 client that submitted the request) and shown to staff only where the complainant's
identity is (intake, supervisors); for everyone else pages leave it out and texts and document
copies mask it (engine/cases/masking.py). No second factor: anonymous complainants have no phone
to check, and the public view holds nothing that identifies anybody (its texts go through the
public redactor).

What the public sees is an allow-list: the audit kinds that have public wording in
engine/vocabulary/events.py, each with only the facts a complainant is told anyway (the
department handling it, the reply, the reason for not accepting). No staff names, no internal
notes, no review round-trips, no escalations, and nothing about the complainant.

Rating: allowed exactly while the case's ``follow_up`` user task is ready, i.e. after the lead
approved the reply and the case was closed (办结 → 回访). Before that there is no approved reply
to rate; after it the follow-up is done (by the public or by the intake desk's phone call). The
rating completes that task through ``engine.tasks.complete_task`` as actor ``public``, so the
process decides what follows (unsatisfied: reopened once, then the supervisor's review). One
rating per reply: after "unsatisfied" reopens the case, its next reply can be rated again.
The rating completes the follow-up even while an intake clerk has claimed it for the phone
call: a claim keeps colleagues from working a task twice, it does not stand between the
complainant and their own answer, which is what the call was going to ask for (the clerk then
finds the task done by ``public``, a 409 naming who did it).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.attachments import MAX_FILES_PER_CASE, CheckedFile, count_attachments, store_attachments
from engine.cases.intake import IntakeSchema, register_case
from engine.cases.masking import public_redactor, scrub
from engine.core.errors import FormInvalid, GreenloopError, NotFound, TaskConflict
from engine.core.runtime import Runtime
from engine.models import OPEN_STATUSES, SET_ASIDE_STATUSES, Attachment, AuditEvent, Case, Department
from engine.models import Task as TaskRow
from engine.notify.delivery import Audience, Message, deliver
from engine.org.places import place_names
from engine.storage import FileStore
from engine.vocabulary.events import public_variant, told
from engine.work.tasks import complete_task

PUBLIC_ACTOR = "public"
MAX_FILES_PER_SUBMISSION = 6
MAX_SUPPLEMENT_CHARS = 2000
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
# The fields a resident may fill in; everything else (channel, urgency) is the bureau's call.
PUBLIC_FIELDS = ("category", "subject_type", "title", "description", "subject_enterprise", "grid_code", "address",
                 "latitude", "longitude", "complainant_name", "complainant_phone", "complainant_anonymous")
_CODE_RE = re.compile(r"[0-9A-Z]{6,32}")

# Messages the web app words for the public (the keys are stable; the text is the fallback).
PLACE_REQUIRED = "请选择地点或填写地址 (choose a place or type an address)"
POSITION_PAIR = "经纬度需同时填写 (latitude and longitude go together)"
REASON_REQUIRED = "请说明不满意的原因 (say why you are unsatisfied)"
SUPPLEMENT_EMPTY = "请填写补充说明或选择照片 (write something or choose a photo)"


class PublicRefused(GreenloopError):
    """The case is not in a state that allows this. ``reason``: closed | not_yet | rated |
    not_applicable (the web app words it)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class PublicSubmissionSchema(IntakeSchema):
    """The intake rules plus what a form filled in by a resident needs: a description worth
    acting on, somewhere to go, and a position given in full or not at all."""

    title = fields.String(load_default="", validate=validate.Length(max=300))
    description = fields.String(required=True, validate=validate.Length(min=5, max=5000))

    # Also when a field failed: the resident hears about the place in the same answer.
    @validates_schema(skip_on_field_errors=False)
    def _public(self, data, **_kwargs):
        if not (data.get("grid_code") or (data.get("address") or "").strip()):
            raise ValidationError(PLACE_REQUIRED, "address")
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError(POSITION_PAIR, "latitude")


def _derived_title(description: str) -> str:
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    return first if len(first) <= 40 else first[:40] + "…"


def submit(session: Session, runtime: Runtime, data: dict, files: Sequence[CheckedFile], *,
           root: FileStore | Path, submission_key: str | None = None) -> Case:
    """Register a complaint from the portal (channel ``public``) with its checked photos.
    ``submission_key``: the submitted form; one case per form (engine.cases.intake.register_case)."""
    values = {key: data[key] for key in PUBLIC_FIELDS if key in data and data[key] not in (None, "")}
    values.update(channel="public", urgent=False)
    try:
        clean = PublicSubmissionSchema().load(values)
    except ValidationError as err:
        raise FormInvalid({k: v if isinstance(v, list) else [str(v)] for k, v in err.messages.items()}) from None
    clean["title"] = clean["title"].strip() or _derived_title(clean["description"])
    if len(files) > MAX_FILES_PER_SUBMISSION:
        raise FormInvalid({"attachments": [f"最多 {MAX_FILES_PER_SUBMISSION} 个文件 (too many files)"]})
    case = register_case(session, runtime, clean, PUBLIC_ACTOR, submission_key=submission_key)
    store_attachments(session, runtime, case.id, list(files), root=root, actor=PUBLIC_ACTOR, visibility="public")
    return case


# ---------------------------------------------------------------------------- looking a case up


def normalize_code(raw: str | None) -> str | None:
    """What a person typed (any case, spaces or dashes between groups) → a code, or None."""
    code = re.sub(r"[\s\-]", "", raw or "").upper()
    return code if _CODE_RE.fullmatch(code) else None


def find_case(session: Session, raw_code: str | None) -> Case | None:
    code = normalize_code(raw_code)
    if code is None:
        return None
    return session.scalars(select(Case).where(Case.tracking_code == code)).first()


def _case_by_code(session: Session, raw_code: str) -> Case:
    case = find_case(session, raw_code)
    if case is None:
        raise NotFound("查询码不存在 (no case with this tracking code)")
    return case


@dataclass(frozen=True)
class PublicEntry:
    at: datetime
    kind: str  # the entry's name on the tracking page (engine/vocabulary/events.Told.name)
    detail: dict[str, Any] = field(default_factory=dict)
    event: str = ""  # the audit kind and its public variant: what render() words
    variant: str | None = None


@dataclass(frozen=True)
class PublicView:
    code: str
    title: str
    category: str
    received_at: datetime
    place: list[str]
    status: str
    department: str | None
    timeline: list[PublicEntry]
    attachments: list[Attachment]
    can_add: bool
    rating: str  # open | rated | not_yet | not_applicable
    satisfaction: str | None


def public_status(case: Case) -> str:
    """One word for where the case is, in the complainant's terms."""
    if case.status in ("received", "reopened", *SET_ASIDE_STATUSES):
        return case.status
    if case.status == "closed":
        return {"follow_up": "awaiting_rating", "follow_up_review": "reviewing"}.get(case.stage or "", "finished")
    if case.stage in ("handle", "extension"):
        return "handling"
    if case.stage in ("feedback", "review"):
        return "replying"
    return "accepted"


def public_timeline(session: Session, case: Case) -> list[PublicEntry]:
    """The events engine/vocabulary/events.py words for the public, each with only the facts the
    complainant is told (``_public_detail``)."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                             .order_by(AuditEvent.at, AuditEvent.id))
    departments = dict(session.execute(select(Department.code, Department.name)).all())
    entries: list[PublicEntry] = []
    reply: str | None = None
    handling_shown = False
    for event in events:
        d = event.detail or {}
        if event.kind == "task_completed" and d.get("task") == "feedback":
            # Only the reply the lead approved is shown, when the case closes.
            reply = (d.get("data") or {}).get("reply")
            continue
        variant = public_variant(event.kind, stage=event.stage, detail=d, actor=event.actor, channel=case.channel)
        shown = told(event.kind, variant)
        if shown is None:
            continue
        if shown.name == "handling":
            # Re-entering handling after an extension or an internal review is one "in progress".
            if handling_shown:
                continue
            handling_shown = True
        elif shown.name in ("assigned", "reopened"):
            handling_shown = False
        entries.append(PublicEntry(event.at, shown.name, _public_detail(shown.name, event, departments, reply),
                                   event.kind, variant))
    return entries


def _public_detail(name: str, event: AuditEvent, departments: dict[str, str], reply: str | None) -> dict:
    d = event.detail or {}
    if name == "rejected":
        # The reason is what the notice of non-acceptance (不予受理告知书) tells the complainant.
        return {"reason": d.get("reason")}
    if name == "assigned":
        return {"department": departments.get(d.get("department"), d.get("department")),
                "joint": [departments.get(code, code) for code in d.get("joint") or []]}
    if name == "transferred":
        return {"agency": d.get("agency")}
    if name == "extended":
        return {"days": d.get("days")}
    if name == "replied":
        return {"reply": reply}
    if name == "rated":
        by_public = event.actor == PUBLIC_ACTOR
        # A staff member's follow-up note is theirs; the resident's own comment is shown back.
        return {"value": d.get("value"), "by_public": by_public, "comment": d.get("comment") if by_public else None}
    if name == "supplement":
        return {"files": len(d.get("attachments") or []), "text": bool(d.get("text"))}
    return {}


def rating_state(session: Session, case: Case) -> str:
    if _ready_follow_up(session, case) is not None:
        return "open"
    if case.status in SET_ASIDE_STATUSES:
        return "not_applicable"
    if case.status == "closed":
        return "rated"
    return "not_yet"


def _ready_follow_up(session: Session, case: Case) -> TaskRow | None:
    return session.scalars(select(TaskRow).where(TaskRow.case_id == case.id, TaskRow.spec == "follow_up",
                                                 TaskRow.state == "ready")).first()


def public_view(session: Session, raw_code: str) -> PublicView:
    """What the tracking page shows. Its texts go through the public redactor like Open311's: a
    tracking page is a link that travels (a shared screenshot, a relative's phone), and a reply
    or a comment may name the complainant or repeat a phone number."""
    case = _case_by_code(session, raw_code)
    redact = public_redactor(case)
    attachments = list(session.scalars(select(Attachment).where(Attachment.case_id == case.id,
                                                                 Attachment.visibility == "public",
                                                                 Attachment.removed_at.is_(None))
                                       .order_by(Attachment.uploaded_at, Attachment.id)))
    return PublicView(
        code=case.tracking_code, title=redact(case.title), category=case.category, received_at=case.received_at,
        place=place_names(session, case.grid_path), status=public_status(case),
        department=case.department.name if case.department is not None else None,
        timeline=[replace(e, detail=scrub(e.detail, redact)) for e in public_timeline(session, case)],
        attachments=attachments,
        can_add=case.status in OPEN_STATUSES, rating=rating_state(session, case),
        satisfaction=case.satisfaction)


def public_attachment(session: Session, raw_code: str, attachment_id: int) -> Attachment:
    case = _case_by_code(session, raw_code)
    row = session.scalars(select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case.id,
                                                   Attachment.visibility == "public",
                                                   Attachment.removed_at.is_(None))).first()
    if row is None:
        raise NotFound("附件不存在 (no such attachment)")
    return row


# ---------------------------------------------------------------------------- acting on a case


def add_information(session: Session, runtime: Runtime, raw_code: str, text: str, files: Sequence[CheckedFile], *,
                    root: FileStore | Path) -> AuditEvent:
    """补充材料: a note and/or photos while the case is open; the people holding it are told."""
    text = (text or "").strip()
    if not text and not files:
        raise FormInvalid({"text": [SUPPLEMENT_EMPTY]})
    if len(text) > MAX_SUPPLEMENT_CHARS:
        raise FormInvalid({"text": [f"最多 {MAX_SUPPLEMENT_CHARS} 字 (too long)"]})
    if len(files) > MAX_FILES_PER_SUBMISSION:
        raise FormInvalid({"attachments": [f"最多 {MAX_FILES_PER_SUBMISSION} 个文件 (too many files)"]})
    case = _case_by_code(session, raw_code)
    if case.status not in OPEN_STATUSES:
        raise PublicRefused("closed")
    stored = store_attachments(session, runtime, case.id, list(files), root=root, actor=PUBLIC_ACTOR,
                               visibility="public")
    now = runtime.now()
    event = AuditEvent(case_id=case.id, at=now, actor=PUBLIC_ACTOR, kind="public_supplement", stage=case.stage,
                       detail={"text": text, "attachments": [row.id for row in stored]})
    session.add(event)
    holders = list(session.scalars(select(TaskRow).where(TaskRow.case_id == case.id, TaskRow.state == "ready")))
    body = "投诉人通过网上补充了材料" + (f"（{len(stored)} 个附件）" if stored else "") + "，请查看案件。"
    deliver(session, case, [Message("supplement", f"补充材料：{case.number} {case.title}", body,
                                    Audience.of_task(task)) for task in holders], now)
    session.flush()
    return event


def supplement_room(session: Session, raw_code: str) -> int:
    """How many more files the case can take (the per-case attachment limit)."""
    case = _case_by_code(session, raw_code)
    return max(0, MAX_FILES_PER_CASE - count_attachments(session, case.id))


def rate(session: Session, runtime: Runtime, raw_code: str, satisfaction: str, comment: str = "", lang: str = "zh_CN") -> Case:
    """The complainant's rating of the reply, as the follow-up (回访) of the process."""
    comment = (comment or "").strip()
    errors: dict[str, list[str]] = {}
    if satisfaction not in RATINGS:
        errors["satisfaction"] = ["请选择满意度 (choose a rating)"]
    elif satisfaction == "unsatisfied" and not comment:
        errors["comment"] = [REASON_REQUIRED]
    if len(comment) > MAX_SUPPLEMENT_CHARS:
        errors["comment"] = [f"最多 {MAX_SUPPLEMENT_CHARS} 字 (too long)"]
    if errors:
        raise FormInvalid(errors)
    case = _case_by_code(session, raw_code)
    state = rating_state(session, case)
    task = _ready_follow_up(session, case)
    if state != "open" or task is None:
        raise PublicRefused(state)
    data = {"satisfaction": satisfaction}
    if comment:
        data["comment"] = comment
    try:
        complete_task(session, runtime, task.id, data, PUBLIC_ACTOR, lang)
    except TaskConflict:
        # The intake desk recorded a phone follow-up a moment earlier.
        raise PublicRefused("rated") from None
    return case
