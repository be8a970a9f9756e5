"""Error pages and the engine's errors turned into HTTP answers people can act on."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from engine.core.errors import (
    GreenloopError,
    NotFound,
    PermissionDenied,
    TaskClaimed,
    TaskConflict,
    WorkflowFault,
)
from webapp.input_hygiene import UnsafeInput

MESSAGES = {
    400: _l("请求无效"),
    403: _l("您没有权限执行此操作"),
    404: _l("页面不存在，或您无权查看"),
    409: _l("操作冲突"),
    413: _l("上传的文件太大"),
    429: _l("操作过于频繁，请稍后再试"),
    500: _l("系统内部错误，请稍后再试或联系管理员"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):
    if request.path.startswith("/open311/"):
        # A path no Open311 route matches (a newline in it, say) never reaches the blueprint's
        # handlers: answer in the spec's error format all the same.
        from webapp.open311.errors import DESCRIPTIONS, errors, request_format

        return errors(request_format(), code, [detail or DESCRIPTIONS.get(code, str(MESSAGES.get(code, "")))])
    if request.path.startswith("/api/v1/"):
        # A path no API route matches (a generated id with a slash in it, say) answers in the API's
        # own documented error format, like the routes do (webapp/api/errors.py).
        from webapp.api.errors import error_response

        return error_response(code, detail)
    message = str(MESSAGES.get(code) or _("出错了"))
    if _wants_json():
        return jsonify(error=code, message=message, detail=detail), code
    return render_template("error.html", code=code, message=message, detail=detail), code


def _display_name(username: str | None) -> str | None:
    """Staff know each other by name; the login name stays in brackets for the unambiguous record."""
    if not username:
        return None
    from flask import current_app
    from sqlalchemy import select

    from engine.models import User
    from webapp.runtime import runtime_of

    with runtime_of(current_app).db.read() as session:
        name = session.scalar(select(User.display_name).where(User.username == username))
    return f"{name}（{username}）" if name else username


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, lambda err, code=code: render_error(code))

    @app.errorhandler(UnsafeInput)
    def unsafe_input(err):
        return render_error(400, _("提交的内容含有空字符（NUL），未保存任何内容。请删除该字符后重试。"))

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return render_error(400, _("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试"))

    @app.errorhandler(TaskConflict)
    def conflict(err):
        who = _display_name(err.completed_by)
        detail = _("该任务已由 %(who)s 办理，您的提交未保存。", who=who) if who else \
            _("该任务已不可办理（流程已继续），您的提交未保存。")
        return render_error(409, detail)

    @app.errorhandler(TaskClaimed)
    def claimed(err):
        return render_error(409, _("该任务已由 %(who)s 认领，只有认领人可以办理（可请其释放，或由督办人员改派），"
                                   "您的操作未执行。", who=err.holder_name))

    @app.errorhandler(WorkflowFault)
    def workflow_fault(err):
        # The request was fine; the diagram could not carry it out (a script that fails or runs
        # past its limit). Nothing was saved: the transaction rolled back. Administrators must
        # hear of it, so it is logged as an error, but the person gets an answer they can act on.
        current_app.logger.error("workflow fault at %s: %s", err.element, err, exc_info=err)
        return render_error(409, _("流程在“%(element)s”处出错，您的操作未保存，请联系管理员：%(message)s",
                                   element=err.element or "—", message=str(err)))

    @app.errorhandler(GreenloopError)
    def refused(err):
        # Every engine error is meant for the person who caused it (engine/core/errors.py); one
        # that no view turned into a page of its own is still their mistake, not a crash.
        return render_error(400, str(err))

    @app.errorhandler(NotFound)
    def not_found(err):
        return render_error(404, str(err))

    @app.errorhandler(PermissionDenied)
    def denied(err):
        return render_error(403, str(err))
