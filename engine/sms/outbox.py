"""Filling the outbox inside the step (an after-step hook, engine/bootstrap.py): nothing is sent
here, so a gateway that is slow or down can neither hold up nor undo a step, and a step that fails
leaves no message behind (its transaction, outbox rows included, rolls back).

Complainants: on acceptance (受理, with the tracking code and link) and when the reply is approved
(办结, with the link where they rate it) — only if they left a phone number; an anonymous
complainant without one gets nothing. Staff: the step's warning and escalation notifications,
to those with a phone.

The stored text carries no signature: the gateway's template adds it where the provider wants it
(the ``{sign}`` placeholder, engine/sms/template.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, Notification, User
from engine.models.sms import SmsMessage
from engine.sms.settings import SmsSettings, load
from engine.vocabulary.sms import SMS_STAFF_KINDS, SMS_TEXTS

COMPLAINANT_EVENTS = {"accepted": "acceptance", "closed": "reply"}
TEXT_MAX = 500


def tracking_link(settings: SmsSettings, case: Case) -> str | None:
    if not settings.public_url:
        return None
    return f"{settings.public_url.rstrip('/')}/public/track/{case.tracking_code}"


def complainant_text(settings: SmsSettings, kind: str, case: Case) -> str:
    link = tracking_link(settings, case)
    template = SMS_TEXTS[kind if link else f"{kind}_no_link"]
    return (template % {"code": case.tracking_code, "link": link or ""})[:TEXT_MAX]


def queue(session: Session, *, phone: str, text: str, kind: str, now: datetime, case_id: int | None = None,
          user_id: int | None = None, notification_id: int | None = None) -> SmsMessage:
    row = SmsMessage(case_id=case_id, user_id=user_id, notification_id=notification_id, kind=kind,
                     phone=phone.strip(), text=text[:TEXT_MAX], status="pending", attempts=0, created_at=now,
                     next_attempt_at=now)
    session.add(row)
    return row


def from_step(outcome) -> None:
    ctx = outcome.context
    case: Case | None = ctx.case
    if case is None:
        return
    session: Session = ctx.session
    settings = load(session)
    if not settings.enabled:
        return
    now = ctx.now()
    phone = (case.complainant_phone or "").strip()
    if phone:
        for event in ctx.audit:
            kind = COMPLAINANT_EVENTS.get(event.kind)
            if kind:
                queue(session, phone=phone, text=complainant_text(settings, kind, case), kind=kind, now=now,
                      case_id=case.id)
    # The notifications this step created (the notification hook runs before this one); the
    # query flushes them. A notification is texted once: the outbox holds its id.
    texted = select(SmsMessage.notification_id).where(SmsMessage.notification_id.is_not(None))
    rows = session.execute(
        select(Notification, User.phone).join(User, User.id == Notification.user_id)
        .where(Notification.case_id == case.id, Notification.created_at == now,
               Notification.kind.in_(SMS_STAFF_KINDS), User.active.is_(True), User.phone.is_not(None),
               User.phone != "", Notification.id.not_in(texted))
        .order_by(Notification.id)).all()
    for note, user_phone in rows:
        queue(session, phone=user_phone, text=note.title, kind=note.kind, now=now,
              case_id=case.id, user_id=note.user_id, notification_id=note.id)
