"""Service requests: POST one (with an api_key), GET many with the spec's filters, GET one, and
look a token up."""
from __future__ import annotations

import hashlib
import re
from zoneinfo import ZoneInfo

from flask import current_app, request

from engine.org.api_tokens import authenticate
from engine.public import open311
from webapp.extensions import code_lookup_limit, limiter
from webapp.open311.blueprint import bp
from webapp.open311.errors import fail, found_or_404
from webapp.open311.services import FORMATS, read_limit
from webapp.open311.xml import respond
from webapp.runtime import current_runtime, transaction

SCOPE = "open311:submit"
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _api_key() -> str:
    return (request.form.get("api_key") or request.args.get("api_key") or "").strip()


def _submit_key() -> str:
    # Per key, so one busy client cannot use up another's allowance; a hash, so the key is
    # not kept in the limiter's memory.
    key = _api_key()
    return "open311:" + (hashlib.sha256(key.encode()).hexdigest()[:16] if key else request.remote_addr or "-")


def _fields() -> dict:
    data = {key: value for key, value in request.form.items() if not key.startswith("attribute[")}
    attributes = {}
    for key in request.form:
        match = _ATTRIBUTE.match(key)
        if match:
            values = request.form.getlist(key)
            attributes[match.group(1)] = ",".join(values) if match.group(2) else values[-1]
    data["attributes"] = attributes
    return data


@bp.post(f"/requests.<{FORMATS}:fmt>")
@limiter.limit(lambda: current_app.config.get("OPEN311_SUBMIT_RATE_LIMIT", "60 per minute"), key_func=_submit_key)
def submit(fmt: str):
    runtime = current_runtime()
    client = authenticate(runtime, _api_key())
    if client is None or SCOPE not in client.scopes:
        fail(403, "api_key 无效或无权提交 (invalid api_key)")
    with transaction() as session:
        case, account_id = open311.submit(session, runtime, _fields(), channel=client.channel or "public",
                                          actor=client.actor, created_by_id=client.user_id, api_token_id=client.id)
    payload = [{"service_request_id": case.number, "token": case.tracking_code,
                "service_notice": open311.service_notice(case), "account_id": account_id}]
    return respond(fmt, payload, "service_requests", "request", status=201)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_runtime().timezone)


@bp.get(f"/requests.<{FORMATS}:fmt>")
@limiter.limit(read_limit)
def search(fmt: str):
    query = open311.parse_query(request.args)
    runtime = current_runtime()
    with runtime.db.read() as session:
        found = open311.find_requests(session, query, runtime.now(), _zone())
    return respond(fmt, found, "service_requests", "request")


@bp.get(f"/requests/<request_id>.<{FORMATS}:fmt>")
@limiter.limit(read_limit)
def show(request_id: str, fmt: str):
    found = found_or_404(open311.request_by_number, request_id, _zone(),
                         missing=f"服务请求不存在 (no service request {request_id})")
    return respond(fmt, [found], "service_requests", "request")


@bp.get(f"/tokens/<token>.<{FORMATS}:fmt>")
@code_lookup_limit()
def token(token: str, fmt: str):
    # A token is the case's tracking code: as limited as the portal's tracking page, with it.
    found = found_or_404(open311.request_by_token, token, missing="令牌不存在 (no such token)")
    return respond(fmt, [found], "service_requests", "request")
