"""Sending the outbox, from the worker's job loop (engine/jobs/worker.py), like e-mail
(engine/notify/mail.py): each message is claimed, sent and marked in its own transaction
(FOR UPDATE SKIP LOCKED, so several workers never send one twice). A message the gateway does not
take is tried again after a growing pause, and given up (status ``failed``, with the error) after
MAX_ATTEMPTS.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from engine.cases.masking import mask_phone
from engine.models.sms import SmsMessage
from engine.sms import gateway
from engine.sms.settings import load

log = logging.getLogger(__name__)

# Pause before the 2nd, 3rd … attempt; the last one's failure gives the message up.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
           timedelta(hours=4))
MAX_ATTEMPTS = len(BACKOFF) + 1


def send_pending(runtime, limit: int = 100, timeout: float = gateway.TIMEOUT) -> int:
    """Send due pending messages (up to ``limit`` attempts); returns how many were sent."""
    with runtime.db.read() as session:
        settings = load(session)
    if not settings.enabled:
        return 0  # kept pending: switching a gateway on sends them
    sent = attempts = 0
    after_id = 0
    while attempts < limit:
        with runtime.db.write() as session:
            now = runtime.now()
            row = session.scalars(
                select(SmsMessage).where(SmsMessage.status == "pending", SmsMessage.next_attempt_at <= now,
                                         SmsMessage.id > after_id)
                .order_by(SmsMessage.id).limit(1).with_for_update(skip_locked=True)).first()
            if row is None:
                break
            after_id = row.id
            attempts += 1
            row.attempts += 1
            try:
                gateway.send(settings, row.phone, row.text, timeout=timeout)
            except gateway.GatewayError as err:
                row.last_error = str(err)[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                    log.warning("SMS %s to %s given up after %s attempts: %s", row.id, mask_phone(row.phone),
                                row.attempts, err)
                else:
                    row.next_attempt_at = now + BACKOFF[row.attempts - 1]
                    log.info("SMS %s to %s not taken, retry at %s: %s", row.id, mask_phone(row.phone),
                             row.next_attempt_at, err)
                continue
            row.status = "sent"
            row.sent_at = now
            row.gateway = settings.kind
            row.last_error = None
            sent += 1
    return sent
