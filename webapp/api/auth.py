"""Token authentication for /api/v1: ``Authorization: Bearer glt_…``.

A token with a user acts as that staff member: the same Staff object the web app signs in, so
case_scope/task_scope bound what it sees and it can never see more than the person. A machine
client (no user) sees only the cases it registered itself.
"""
from __future__ import annotations

import hashlib

from flask import current_app, g, request

from engine.models import Case
from engine.org.api_tokens import ApiClient, authenticate
from webapp.access import Staff, case_scope, load_staff
from webapp.api.errors import ApiError
from webapp.runtime import current_runtime

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="greenloop"'}


def bearer_token() -> str | None:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def rate_key() -> str:
    """Rate limits count per token (hashed: the token itself is not kept in memory), else per address."""
    token = bearer_token()
    return "api:" + (hashlib.sha256(token.encode()).hexdigest()[:16] if token else request.remote_addr or "-")


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "600 per minute")


def require(scope: str | None) -> ApiClient | None:
    """The calling client, refused with 401 (no valid token) or 403 (token without ``scope``)."""
    if scope is None:
        return None
    client = authenticate(current_runtime(), bearer_token())
    if client is None:
        raise ApiError(401, headers=CHALLENGE)
    if scope not in client.scopes:
        raise ApiError(403, f"令牌缺少权限 {scope} (the token lacks the {scope} scope)", code="insufficient_scope")
    g.api_client = client
    return client


def acting_staff(client: ApiClient) -> Staff | None:
    """The staff member the token acts for, loaded fresh (roles may have changed since)."""
    if client.user_id is None:
        return None
    with current_runtime().db.read() as session:
        staff = load_staff(session, client.user_id)
    if staff is None:
        raise ApiError(401, "令牌对应的用户已停用 (the token's user is no longer active)", headers=CHALLENGE)
    return staff


def require_staff(client: ApiClient) -> Staff:
    staff = acting_staff(client)
    if staff is None:
        raise ApiError(403, "此令牌不代表任何工作人员，无法使用待办任务 (a machine token has no tasks)",
                       code="user_token_required")
    return staff


def visible_cases(client: ApiClient, staff: Staff | None):
    """WHERE clause on Case for this caller."""
    return case_scope(staff) if staff is not None else Case.api_token_id == client.id
