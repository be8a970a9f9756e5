"""API tokens: issue one (shown once), look one up on every request, revoke it.

A token is ``glt_`` followed by 32 random bytes (URL-safe base64); only its SHA-256 is stored.
A token with a user acts for that staff member (the web app applies their scopes); one without
is a machine client that sees only what it registered itself.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.core.errors import FormInvalid, NotFound
from engine.core.runtime import Runtime
from engine.models import CHANNELS, AuditEvent, User
from engine.models.api import ApiToken

PREFIX = "glt_"
SCOPES = {
    "cases:read": "读取案件 (read cases)",
    "cases:write": "登记案件 (register cases)",
    "tasks:read": "读取待办任务 (read tasks)",
    "tasks:write": "认领、办理任务 (claim and complete tasks)",
    "documents:read": "读取、下载案件文书 (list and download documents)",
    "open311:submit": "通过 Open311 提交投诉 (submit Open311 service requests)",
    # Figures only (webapp/api/stats.py): a staff member's token counts their statistics scope,
    # a machine token the whole county's.
    "stats:read": "读取统计指标 (read statistics)",
    # The four-colour ledger's rows (webapp/api/ledger.py): a staff member's token reads their
    # ledger, a machine token the whole county's with every title masked.
    "ledger:read": "读取四色台账 (read the four-colour ledger)",
}
# Tasks are always someone's: a machine client has no inbox to read or work.
USER_ONLY_SCOPES = frozenset({"tasks:read", "tasks:write"})
# Writing last-used on every call would make every read a write; once a minute is enough to
# tell an administrator whether a token is still in use.
_LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiClient:
    """Who is calling: what the web layer needs from a token, detached from any session."""

    id: int
    name: str
    scopes: frozenset[str]
    user_id: int | None
    channel: str | None

    @property
    def actor(self) -> str:
        """The name audit events carry for machine clients (users act under their username)."""
        return f"api:{self.name}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def parse_scopes(text: str | list[str]) -> list[str]:
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return sorted(dict.fromkeys(item.strip() for item in items if item.strip()))


def create_token(session: Session, runtime: Runtime, name: str, scopes: list[str], *, created_by: str,
                 username: str | None = None, channel: str | None = None) -> tuple[ApiToken, str]:
    """A new token row and the token itself (the only time it exists outside the caller)."""
    name = (name or "").strip()
    scopes = parse_scopes(scopes)
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = ["名称必填，最多 100 个字符 (name required, at most 100 characters)"]
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        errors["scopes"] = [f"权限范围无效：{', '.join(unknown) or '未选择'} (valid: {', '.join(SCOPES)})"]
    elif not username and USER_ONLY_SCOPES.intersection(scopes):
        errors["scopes"] = ["任务权限需指定代表的工作人员 (tasks scopes need --user)"]
    if channel and channel not in CHANNELS:
        errors["channel"] = [f"渠道无效 (valid: {', '.join(CHANNELS)})"]
    if errors:
        raise FormInvalid(errors)
    token = new_token()
    user = None
    if username:
        user = session.scalars(select(User).where(User.username == username.strip())).first()
        if user is None or not user.active:
            raise FormInvalid({"user": [f"用户 {username} 不存在或已停用 (no such active user)"]})
    row = ApiToken(name=name, token_hash=hash_token(token), prefix=token[:len(PREFIX) + 6], scopes=scopes,
                   user_id=user.id if user else None, channel=channel or None, created_by=created_by,
                   created_at=runtime.now())
    session.add(row)
    session.flush()
    session.add(AuditEvent(at=runtime.now(), actor=created_by, kind="api_token_created",
                           detail={"token_id": row.id, "name": name, "scopes": scopes,
                                   "user": user.username if user else None}))
    return row, token


def list_tokens(session: Session) -> list[tuple[ApiToken, str | None]]:
    """Every token, newest first, with the username it acts for."""
    rows = session.execute(select(ApiToken, User.username).outerjoin(User, User.id == ApiToken.user_id)
                           .order_by(ApiToken.id.desc())).all()
    return [(token, username) for token, username in rows]


def revoke_token(session: Session, runtime: Runtime, token_id: int, actor: str) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"令牌 {token_id} 不存在 (no such token)")
    if row.revoked_at is None:
        row.revoked_at = runtime.now()
        session.add(AuditEvent(at=row.revoked_at, actor=actor, kind="api_token_revoked",
                               detail={"token_id": row.id, "name": row.name}))
    return row


def authenticate(runtime: Runtime, token: str | None) -> ApiClient | None:
    """The client a presented token belongs to, or None (unknown, revoked, or its user gone)."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    with runtime.db.read() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
        if row is None or row.revoked_at is not None:
            return None
        if row.user_id is not None:
            user = session.get(User, row.user_id)
            if user is None or not user.active:
                return None
        client = ApiClient(row.id, row.name, frozenset(row.scopes or ()), row.user_id, row.channel)
        last_used = row.last_used_at
    now = runtime.now()
    if last_used is None or now - last_used >= _LAST_USED_GRANULARITY:
        with runtime.db.write() as session:
            session.execute(update(ApiToken).where(ApiToken.id == client.id).values(last_used_at=now))
    return client
