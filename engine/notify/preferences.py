"""How often each person wants their notifications by e-mail: at once, in one daily digest, or never
(the bell keeps everything either way)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.core.errors import FormInvalid
from engine.models import NotificationPreference

IMMEDIATELY, DAILY, NEVER = "immediately", "daily", "never"
FREQUENCIES = (IMMEDIATELY, DAILY, NEVER)
DEFAULT = IMMEDIATELY


def email_frequency(session: Session, user_id: int) -> str:
    row = session.get(NotificationPreference, user_id)
    return row.email_frequency if row else DEFAULT


def set_email_frequency(session: Session, runtime, user_id: int, frequency: str) -> None:
    """Choosing the daily digest starts its count now: the first digest goes at the next digest
    hour (engine/notify/mail.send_daily_digests), not at once."""
    if frequency not in FREQUENCIES:
        raise FormInvalid({"email_frequency": ["请选择即时、每日汇总或不发送 (choose immediately, daily or never)"]})
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id, email_frequency=DEFAULT)
        session.add(row)
    if frequency == DAILY and row.email_frequency != DAILY:
        row.last_digest_at = runtime.now()
    row.email_frequency = frequency
