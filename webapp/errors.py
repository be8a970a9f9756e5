"""Error pages and the engine's errors turned into HTTP answers people can act on."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from engine.core.errors import NotFound, PermissionDenied, TaskConflict
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

    @app.errorhandler(NotFound)
    def not_found(err):
        return render_error(404, str(err))

    @app.errorhandler(PermissionDenied)
    def denied(err):
        return render_error(403, str(err))
