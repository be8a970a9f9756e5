"""The administrator's import of patrol points from a CSV file (engine/patrol/point_import.py): a
dry run (试导入) listing each line's action or errors, then the import itself, all or nothing; and
the current points as a sample file."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.core.errors import FormInvalid
from engine.patrol import point_import
from webapp.access import roles_required
from webapp.downloads import protect
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("patrol_import", __name__)


def _page(plan=None, errors=None, status=200):
    return render_template("patrol/point_import.html", plan=plan, errors=errors or {},
                           limits=(point_import.MAX_BYTES // (1024 * 1024), point_import.MAX_ROWS)), status


@bp.route("/patrol/points/import", methods=["GET", "POST"])
@roles_required("admin")
def upload():
    if request.method == "GET":
        return _page()
    file = request.files.get("file")
    if not file or not file.filename:
        return _page(errors={"file": [_("请选择要导入的 CSV 文件")]}, status=422)
    raw = file.stream.read(point_import.MAX_BYTES + 1)
    if request.form.get("action") != "apply":
        with _runtime().db.read() as s:
            plan = point_import.preview(s, raw)
        return _page(plan, status=200 if plan.ok else 422)
    try:
        with transaction() as s:
            plan = point_import.apply(s, raw, actor=current_user.username, now=_runtime().now())
    except FormInvalid as err:
        with _runtime().db.read() as s:
            plan = point_import.preview(s, raw)
        return _page(plan, errors=err.errors, status=422)
    flash(_("已导入巡查点：新增 %(create)s 个，修改 %(update)s 个，未变 %(unchanged)s 个", **plan.counts), "info")
    return redirect(url_for("patrol.point_list"), 303)


@bp.get("/patrol/points/export.csv")
@roles_required("admin")
def export():
    with _runtime().db.read() as s:
        body = point_import.export_csv(s)
    return protect(Response(body, mimetype="text/csv; charset=utf-8"), name="巡查点.csv", fallback="patrol-points.csv")
