"""API clients and their tokens.

Only the SHA-256 of a token is kept: the token itself is shown once, when it is created, and a
stolen database copy does not let anyone call the API.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.org import User


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so an administrator can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list] = mapped_column(JSON)
    # Set: the token acts on behalf of this staff member and never sees more than they do.
    # Empty: a machine client (an online monitoring system, a partner's Open311 client).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Channel of the cases this client registers (monitoring, higher, public …); None: the
    # endpoint's default.
    channel: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    user: Mapped[User | None] = relationship()
