"""The map's boundaries for administrators (地图边界): upload the county's real GeoJSON, download
what is stored, or go back to the shapes generated from the grid tree (engine/geo).

A refused file changes nothing and the page lists why, feature by feature; every change is
audited (map_boundaries_uploaded / map_boundaries_generated).
"""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from engine.core.errors import Problem
from engine.geo import boundaries, geojson
from engine.models import Grid
from webapp import labels
from webapp.access import roles_required
from webapp.downloads import protect
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("admin_map", __name__, url_prefix="/admin/map")

MESSAGES = {
    "file_too_large": _l("文件超过 %(mb)s MB，请简化边界（减少折点）后再上传"),
    "file_empty": _l("文件是空的"),
    "file_encoding": _l("文件不是 UTF-8 编码；GeoJSON 须为 UTF-8"),
    "not_json": _l("文件不是有效的 JSON（第 %(line)s 行第 %(column)s 列附近有错误）"),
    "too_deep": _l("JSON 嵌套超过 %(n)s 层，不是边界文件"),
    "unsafe_text": _l("文件中含有空字符（NUL），已拒绝"),
    "not_feature_collection": _l("文件须为 GeoJSON 要素集合（type 为 FeatureCollection），此文件为 %(type)s"),
    "no_features": _l("要素集合中没有要素（features 为空）"),
    "too_many_features": _l("要素超过 %(n)s 个"),
    "too_many_positions": _l("坐标点超过 %(n)s 个，请简化边界后再上传"),
    "not_a_feature": _l("第 %(feature)s 个要素不是 Feature"),
    "code_missing": _l("第 %(feature)s 个要素没有网格编码（properties.code）"),
    "duplicate_code": _l("第 %(feature)s 个要素的编码 %(code)s 与第 %(first)s 个要素重复"),
    "geometry_type": _l("第 %(feature)s 个要素的几何类型为 %(type)s；只接受 Polygon（面）或 MultiPolygon（多面）"),
    "bad_coordinates": _l("第 %(feature)s 个要素的坐标结构不正确"),
    "bad_position": _l("第 %(feature)s 个要素有坐标点不是 [经度, 纬度] 数值"),
    "not_lonlat": _l("第 %(feature)s 个要素的坐标 %(position)s 不在经纬度范围内（经度 −180～180、纬度 −90～90）；"
                     "文件可能是投影坐标（如高斯－克吕格），请导出为 WGS 84 或 CGCS2000 经纬度"),
    "ring_too_short": _l("第 %(feature)s 个要素有边界环少于 4 个点"),
    "ring_not_closed": _l("第 %(feature)s 个要素有边界环未闭合（首尾点须相同）"),
    "code_level": _l("第 %(feature)s 个要素 %(code)s 是%(level)s；只有县、乡镇（街道）和网格有边界"),
    "unknown_codes": _l("%(n)s 个要素的编码不在网格中：%(codes)s"),
    "towns_without_shape": _l("%(n)s 个乡镇（街道）在文件中没有边界，其案件按坐标显示：%(codes)s"),
}


def describe(problem: Problem) -> str:
    params = dict(problem.params)
    if params.get("level") in labels.GRID_LEVELS:
        params["level"] = str(labels.GRID_LEVELS[params["level"]])
    text = str(MESSAGES.get(problem.code, problem.code))
    try:
        text = text % params
    except (KeyError, TypeError, ValueError):
        pass
    if params.get("more"):
        text += _("（另有 %(n)s 个未列出）", n=params["more"])
    return text


def _page(problems: list[Problem] | None = None, status: int = 200):
    with _runtime().db.read() as session:
        stored = boundaries.current(session)
        grid = {g.code: g for g in session.scalars(select(Grid).where(Grid.level.in_(geojson.SHAPED_LEVELS)))}
        rows = []
        if stored is not None:
            for feature in json.loads(stored.geojson)["features"]:
                code = geojson.feature_code(feature) or ""
                named = feature.get("properties", {}).get("name")
                rows.append((code, grid[code].name if code in grid else None, grid[code].level if code in grid else None,
                             named if isinstance(named, str) else None))
        missing = [g for g in grid.values() if g.level == "town" and stored is not None and g.code not in stored.anchors]
    return render_template("admin/map.html", stored=stored, rows=rows, missing=sorted(missing, key=lambda g: g.code),
                           problems=problems or [], describe=describe,
                           limits=(geojson.MAX_BYTES // (1024 * 1024), geojson.MAX_FEATURES)), status


@bp.get("")
@roles_required("admin")
def index():
    return _page()


@bp.post("/upload")
@roles_required("admin")
def upload():
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("请选择要上传的 GeoJSON 文件"), "error")
        return _page(status=422)
    raw = file.read(geojson.MAX_BYTES + 1)
    try:
        with transaction() as session:
            row, notes = boundaries.upload(session, raw, file.filename, current_user.username, _runtime().now())
            features = row.features
    except geojson.BoundariesRefused as err:
        return _page(err.problems[""], 422)
    flash(_("已上传边界：%(n)s 个要素；地图即刻使用新边界", n=features), "info")
    for note in notes:
        flash(describe(note), "info")
    return redirect(url_for(".index"), 303)


@bp.post("/generate")
@roles_required("admin")
def generate():
    with transaction() as session:
        features = boundaries.use_generated(session, current_user.username, _runtime().now()).features
    flash(_("已按网格生成示意边界：%(n)s 个要素", n=features), "info")
    return redirect(url_for(".index"), 303)


@bp.get("/boundaries.geojson")
@roles_required("admin")
def download():
    with _runtime().db.read() as session:
        text = boundaries.stored_text(session)
    if text is None:
        abort(404)
    response = make_response(text)
    response.mimetype = "application/geo+json"
    return protect(response, name="boundaries.geojson", fallback="boundaries.geojson")
