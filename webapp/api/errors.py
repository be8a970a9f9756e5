"""API errors as JSON: {"code": "...", "message": "...", "errors": {"field": ["msg"]}}.

Handlers sit on the /api/v1 blueprint only; the staff pages keep their HTML error pages.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.core.errors import (
    FormInvalid,
    GreenloopError,
    NotFound,
    PermissionDenied,
    TaskClaimed,
    TaskConflict,
    WorkflowFault,
)
from webapp.input_hygiene import UnsafeInput

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
         429: "rate_limited", 500: "internal_error"}
MESSAGES = {400: "请求无效 (bad request)", 401: "需要有效的 API 令牌 (a valid API token is required)",
            403: "令牌无此权限 (the token lacks the scope)", 404: "不存在，或无权查看 (not found)",
            405: "不支持此方法 (method not allowed)", 409: "操作冲突 (conflict)",
            413: "请求过大 (request too large)", 415: "请求体须为 JSON (the body must be JSON)",
            422: "数据无效 (invalid data)", 429: "请求过于频繁，请稍后再试 (too many requests)",
            500: "系统内部错误 (internal error)"}


class ApiError(Exception):
    def __init__(self, status: int, message: str | None = None, errors: dict | None = None,
                 code: str | None = None, headers: dict | None = None):
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message or MESSAGES.get(status, "")
        self.errors = errors or {}
        self.headers = headers or {}
        super().__init__(self.message)


def error_response(status: int, message: str | None = None, errors: dict | None = None, code: str | None = None,
                   headers: dict | None = None):
    body = {"code": code or CODES.get(status, "error"), "message": message or MESSAGES.get(status, ""),
            "errors": _field_errors(errors or {})}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _field_errors(errors: dict) -> dict[str, list[str]]:
    """marshmallow nests messages (monitoring → measured_value → [...]); the API flattens them to
    dotted field names so every value is a list of strings."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, (dict, list, tuple)):
                    walk(prefix, item)
                else:
                    flat.setdefault(prefix or "_schema", []).append(str(item))
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    walk("", errors)
    return flat


def install(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def api_error(err: ApiError):
        return error_response(err.status, err.message, err.errors, err.code, err.headers)

    @bp.errorhandler(ValidationError)
    def invalid(err: ValidationError):
        return error_response(422, errors=err.messages if isinstance(err.messages, dict) else {"_schema": err.messages})

    @bp.errorhandler(FormInvalid)
    def form_invalid(err: FormInvalid):
        return error_response(422, errors=err.errors)

    @bp.errorhandler(TaskConflict)
    def conflict(err: TaskConflict):
        who = f"已由 {err.completed_by} 办理 (completed by {err.completed_by})" if err.completed_by else \
            f"任务已不可办理：{err.state} (no longer ready)"
        return error_response(409, who, {"completed_by": [err.completed_by]} if err.completed_by else None)

    @bp.errorhandler(TaskClaimed)
    def claimed(err: TaskClaimed):
        return error_response(409, f"已由 {err.holder_name} 认领，只有认领人可以办理 (claimed by {err.holder_name}: "
                                   "only they can work it until they release it or a supervisor reassigns it)",
                              {"claimed_by": [err.holder]})

    @bp.errorhandler(WorkflowFault)
    def workflow_fault(err: WorkflowFault):
        # See webapp/errors.py: nothing was saved, the administrators must hear of it.
        current_app.logger.error("workflow fault at %s: %s", err.element, err, exc_info=err)
        return error_response(409, f"流程出错，未保存 (the process could not go on; nothing was saved): {err}",
                              code="workflow_fault")

    @bp.errorhandler(GreenloopError)
    def refused(err: GreenloopError):
        return error_response(400, str(err))

    @bp.errorhandler(NotFound)
    def not_found(err: NotFound):
        return error_response(404, str(err))

    @bp.errorhandler(PermissionDenied)
    def denied(err: PermissionDenied):
        return error_response(403, str(err))

    def http_error(err: HTTPException):
        status = err.code or 500
        headers = {"Retry-After": "60"} if status == 429 else None
        return error_response(status, err.description if isinstance(err, UnsafeInput) else None, headers=headers)

    # Flask prefers the app's handler for a status code over a blueprint's for HTTPException in
    # general, and the app has HTML ones for 400/403/404/409/413/429/500: register per code.
    bp.register_error_handler(HTTPException, http_error)
    for status in CODES:
        bp.register_error_handler(status, http_error)
