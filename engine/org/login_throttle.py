"""Back-off after failed sign-ins, per account name and per known browser.

The web app also limits sign-in attempts per address (webapp/auth.py), but a whole office behind
one NAT shares an address, and an attacker with many addresses is not slowed by it. So failures
are also counted per key, in the database so that every web process sees the same count:

- the first ``FREE_FAILURES - 1`` failures cost nothing; each further one blocks the key for
  ``FIRST_BLOCK``, doubling with every failure up to ``MAX_BLOCK`` (a few minutes, never more);
- while a key is blocked its attempts are refused without checking the password and without
  being counted, so hammering a name cannot push its block past ``MAX_BLOCK`` after the last
  counted failure: a person is never locked out indefinitely;
- a success clears the key; a key left alone for ``FORGET_AFTER`` starts again from nothing.

Keys are an account name (``account_key``: whatever was typed, known account or not, so an
unknown name is answered exactly like a known one) and a browser that has signed in to that
account before (``device_key``; webapp/auth.py keeps its token in a signed cookie). Attempts from
such a browser count against its own key, not the account's: an attacker hammering a name blocks
the name everywhere but where its owner usually signs in. Only SHA-256 digests of the keys are
stored: a password typed into the name box is not kept.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.models.auth import LoginThrottle

FREE_FAILURES = 5
FIRST_BLOCK = timedelta(seconds=15)
MAX_BLOCK = timedelta(minutes=5)
FORGET_AFTER = timedelta(hours=1)


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def account_key(username: str) -> str:
    return _digest("account", username.strip().lower())


def device_key(device_token: str) -> str:
    return _digest("device", device_token)


def block_for(failures: int) -> timedelta | None:
    """How long a key is blocked after its ``failures``-th failure in a row."""
    if failures < FREE_FAILURES:
        return None
    return min(FIRST_BLOCK * 2 ** min(failures - FREE_FAILURES, 16), MAX_BLOCK)


def blocked(session: Session, key: str, now: datetime) -> timedelta | None:
    """How much longer ``key`` is blocked, or None if it may try now."""
    until = session.scalar(select(LoginThrottle.blocked_until).where(LoginThrottle.key == key))
    return until - now if until is not None and until > now else None


def record_failure(session: Session, key: str, now: datetime) -> timedelta | None:
    """Count a failed attempt for ``key``; returns the block it starts, if any."""
    dialect = session.get_bind().dialect.name
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    # Make sure the row exists, then lock it: two processes counting at once each add one.
    session.execute(insert(LoginThrottle).values(key=key, failures=0, last_failure_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
    if now - row.last_failure_at >= FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    block = block_for(row.failures)
    row.blocked_until = now + block if block else None
    # Counts nobody has added to for a while mean nothing any more; tidying here bounds the table.
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER,
                                                LoginThrottle.key != key))
    return block


def clear(session: Session, *keys: str) -> None:
    """A successful sign-in: its keys start again from nothing."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
