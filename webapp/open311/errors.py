"""Every failure under /open311/v2 answered in the spec's error format, in the requested format."""
from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from engine.core.errors import FormInvalid, GreenloopError, WorkflowFault
from webapp.open311.blueprint import bp
from webapp.open311.xml import errors
from webapp.runtime import current_runtime

DESCRIPTIONS = {400: "请求无效 (bad request)", 403: "api_key 无效或无权提交 (invalid api_key)",
                404: "不存在 (not found)", 405: "不支持此方法 (method not allowed)", 409: "操作冲突 (conflict)",
                413: "请求过大 (request too large)", 429: "请求过于频繁，请稍后再试 (too many requests)",
                500: "系统内部错误 (internal error)"}


def request_format() -> str:
    fmt = (request.view_args or {}).get("fmt") or request.path.rsplit(".", 1)[-1]
    return "xml" if fmt == "xml" else "json"


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest: str):
    # Without this, a path under /open311/v2 that matches no route (an unknown format, say)
    # would get the staff pages' HTML 404 instead of the spec's error list.
    fail(404, "不存在 (not found)")


def form_errors(err: FormInvalid) -> list[str]:
    return [f"{field}: {message}" for field, messages in err.errors.items() for message in messages]


@bp.errorhandler(FormInvalid)
def invalid(err: FormInvalid):
    return errors(request_format(), 400, form_errors(err))


@bp.errorhandler(WorkflowFault)
def workflow_fault(err: WorkflowFault):
    # See webapp/errors.py: the request was fine, the diagram failed; nothing was registered.
    current_app.logger.error("workflow fault at %s: %s", err.element, err, exc_info=err)
    return errors(request_format(), 409, [f"流程出错，未登记 (the process could not go on; nothing was saved): {err}"])


@bp.errorhandler(GreenloopError)
def refused(err: GreenloopError):
    return errors(request_format(), 400, [str(err)])


def http_error(err: HTTPException):
    status = err.code or 500
    response = errors(request_format(), status, [getattr(err, "open311_message", None)
                                                 or DESCRIPTIONS.get(status, err.name)])
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


# Flask prefers the app's handler for a status code over a blueprint's for HTTPException in
# general, and the app has HTML pages for most codes: register this one per code as well.
bp.register_error_handler(HTTPException, http_error)
for _status in DESCRIPTIONS:
    bp.register_error_handler(_status, http_error)


def fail(status: int, message: str):
    """Stop the request with ``status`` and this description."""
    from werkzeug.exceptions import default_exceptions

    err = default_exceptions[status]()
    err.open311_message = message
    raise err


def found_or_404(lookup, *args, missing: str):
    """What ``lookup(session, *args)`` finds in a read-only session; nothing found is the spec's
    404 with the description ``missing``."""
    with current_runtime().db.read() as session:
        found = lookup(session, *args)
    if found is None:
        fail(404, missing)
    return found
