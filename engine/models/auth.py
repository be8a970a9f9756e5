"""Staff sign-in on the server: the live sessions and the failed-attempt counters."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class LoginSession(Base):
    """One sign-in in one browser, from sign-in until it ends.

    The signed session cookie carries only a random token; this row, found by the token's SHA-256,
    decides whether the cookie still signs anyone in. Ending the row (sign-out, a password reset,
    deactivation, an administrator, idle or absolute time) ends the session wherever copies of the
    cookie are. Only the hash is kept: a copy of the table signs nobody in.
    """

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    # Written at most once a minute (engine/org/login_sessions.py), so reads stay reads.
    last_seen_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    # signed_out | password_reset | deactivated | ended_by_admin | idle | expired
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # What the administrator's list of sessions shows, as the browser sent it at sign-in.
    user_agent: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(64))


class LoginThrottle(Base):
    """Failed sign-ins counted for one key, shared by every web process: an account name, or one
    browser that has signed in to that account before (engine/org/login_throttle.py)."""

    __tablename__ = "login_throttle"
    # SHA-256 of the key: what people type into the user-name box is not kept.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None] = mapped_column()
