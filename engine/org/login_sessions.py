"""Staff sign-in sessions, kept on the server so that they can be ended.

A signed cookie alone stays valid until it expires, whoever holds a copy. Here the cookie carries
only a random token (32 bytes); the session row found by its SHA-256 decides, on every request,
whether it still signs someone in. A session ends when its holder signs out, when the person's
password is reset, when the account is deactivated or deleted, when an administrator signs the
person out everywhere, after ``idle`` without a request and ``lifetime`` after sign-in — the
last two are checked here on the server's clock, not left to the browser.

``resume`` runs on every signed-in request, before the request's own work. Reading is all it
usually does: the last activity is written at most once a minute, and a session found expired is
ended, each in a short transaction of its own — authentication bookkeeping, like an API token's
last use (docs/architecture.md, transactions). Everything else here takes the caller's session.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from engine.core.runtime import Runtime
from engine.models.auth import LoginSession

# Why a session ended (LoginSession.end_reason).
SIGNED_OUT = "signed_out"
PASSWORD_RESET = "password_reset"
DEACTIVATED = "deactivated"
ENDED_BY_ADMIN = "ended_by_admin"
IDLE = "idle"
EXPIRED = "expired"

# Writing the last activity on every request would make every page view a write; a minute of
# slack on a 30-minute idle limit is what reads cost.
TOUCH_EVERY = timedelta(minutes=1)
# Ended sessions stay this long for the administrator's view, then go at the person's next sign-in.
KEEP_ENDED = timedelta(days=30)
MAX_TOKEN = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, user_id: int, now: datetime, *, user_agent: str | None = None,
                  address: str | None = None) -> str:
    """A new session for ``user_id``; returns its token (the only time it exists outside the cookie)."""
    token = secrets.token_urlsafe(32)
    # The person's long-gone sessions are tidied here, so the table grows with people, not time.
    session.execute(delete(LoginSession).where(
        LoginSession.user_id == user_id,
        or_(LoginSession.ended_at < now - KEEP_ENDED, LoginSession.last_seen_at < now - KEEP_ENDED)))
    session.add(LoginSession(token_hash=hash_token(token), user_id=user_id, created_at=now, last_seen_at=now,
                             user_agent=(user_agent or "")[:300] or None, address=(address or "")[:64] or None))
    session.flush()
    return token


def end_session(session: Session, token: str | None, now: datetime, reason: str = SIGNED_OUT) -> None:
    """End the session ``token`` belongs to (signing out)."""
    if token and len(token) <= MAX_TOKEN:
        session.execute(update(LoginSession).where(LoginSession.token_hash == hash_token(token),
                                                   LoginSession.ended_at.is_(None))
                        .values(ended_at=now, end_reason=reason))


def end_sessions(session: Session, user_id: int, now: datetime, reason: str, *, keep: str | None = None) -> int:
    """End every open session of ``user_id`` (but ``keep``'s, the token of the one acting, if given);
    returns how many were open."""
    query = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    if keep:
        query = query.where(LoginSession.token_hash != hash_token(keep))
    return session.execute(query.values(ended_at=now, end_reason=reason)).rowcount or 0


def _expiry(row: LoginSession, now: datetime, idle: timedelta, lifetime: timedelta) -> str | None:
    if now - row.last_seen_at >= idle:
        return IDLE
    if now - row.created_at >= lifetime:
        return EXPIRED
    return None


def resume(runtime: Runtime, token: str | None, *, idle: timedelta, lifetime: timedelta) -> int | None:
    """The user id a presented session token still signs in, or None (unknown, ended, expired)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    now = runtime.now()
    with runtime.db.read() as session:
        row = session.scalars(select(LoginSession).where(LoginSession.token_hash == hash_token(token))).first()
    if row is None or row.ended_at is not None:
        return None
    reason = _expiry(row, now, idle, lifetime)
    if reason is None and now - row.last_seen_at < TOUCH_EVERY:
        return row.user_id
    with runtime.db.write() as session:
        still_open = update(LoginSession).where(LoginSession.id == row.id, LoginSession.ended_at.is_(None))
        if reason is not None:
            session.execute(still_open.values(ended_at=now, end_reason=reason))
            return None
        # Ended meanwhile (a sign-out racing this request): nothing touched, nobody signed in.
        touched = session.execute(still_open.values(last_seen_at=now)).rowcount
    return row.user_id if touched else None


def open_sessions(session: Session, user_id: int, now: datetime, *, idle: timedelta,
                  lifetime: timedelta) -> list[LoginSession]:
    """The sessions that still sign ``user_id`` in, most recently active first."""
    rows = session.scalars(select(LoginSession).where(LoginSession.user_id == user_id,
                                                      LoginSession.ended_at.is_(None))
                           .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()))
    return [row for row in rows if _expiry(row, now, idle, lifetime) is None]
