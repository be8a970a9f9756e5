"""The map page, the open cases it shows (JSON, in the viewer's scope, filtered like the board)
and the boundary layer it draws (engine/geo).

The board's people see it (supervisors, bureau leaders, administrators). The page works without
the map too: its filter form is an ordinary GET form, and webapp/static/map.js lists the cases in
view as a table with links, for the keyboard and screen readers.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.core.timefmt import deadline_text
from engine.geo import boundaries, case_points
from engine.org.places import town_choices
from engine.work import board as board_queries
from webapp import labels
from webapp.access import case_scope, roles_required
from webapp.runtime import current_runtime as _runtime
from webapp.work.board import board_filters

bp = Blueprint("map", __name__)

# The marker's text, so a colour is never told by colour alone (a shape in map.css, too).
MARKS = {"red": _l("超"), "yellow": _l("警"), "blue": _l("办"), "green": _l("结")}
FILTER_NAMES = ("town", "department", "stage", "tier", "category", "colour")


def _query(filters: board_queries.BoardFilters) -> dict:
    values = {"town": filters.town, "department": filters.department_id, "stage": filters.stage,
              "tier": filters.tier, "category": filters.category, "colour": filters.colour}
    return {k: v for k, v in values.items() if v}


def _case_url(case_id: int) -> str:
    endpoint = "cases.show" if "cases.show" in current_app.view_functions else "board.case"
    return url_for(endpoint, case_id=case_id)


@bp.get("/map")
@roles_required("supervisor")
def index():
    filters = board_filters()
    with _runtime().db.read() as session:
        towns = town_choices(session, current_user.grid_path if not current_user.is_admin else "/")
        departments = board_queries.department_choices(session)
        stored = boundaries.current(session)
    query = _query(filters)
    text = {"mark": {c: str(m) for c, m in MARKS.items()}, "colour": {c: str(w) for c, w in labels.COLOURS.items()},
            "open": _("打开案件"), "locate": _("在地图上显示"), "approximate": _("位置按所在网格估计"),
            "stage": _("阶段"), "tier": _("督办层级"), "deadline": _("阶段期限"), "department": _("承办部门"),
            "town": _("乡镇"), "urgent": _("紧急"), "none": _("地图范围内没有案件"),
            "cluster": _("%(n)s 件案件，其中红色 %(red)s、黄色 %(yellow)s、蓝色 %(blue)s"),
            "shown": _("地图范围内 %(n)s 件案件"), "first": _("列出前 %(n)s 件"),
            "failed": _("案件数据加载失败，请刷新页面重试"), "colour_heading": _("颜色"), "number": _("案件编号"),
            "title": _("标题"), "unplaced": _("另有 %(n)s 件没有位置信息，未在地图上显示。"),
            "more": _("另有 %(n)s 件未显示，请用筛选缩小范围。")}
    return render_template("map.html", filters=filters, towns=towns, departments=departments,
                           stages=board_queries.STAGES, colours=board_queries.COLOURS, stored=stored,
                           query=query, text=text, marks=MARKS)


@bp.get("/map/cases.json")
@roles_required("supervisor")
def cases():
    runtime = _runtime()
    filters = board_filters()
    tz = ZoneInfo(runtime.timezone)
    now = runtime.now()
    with runtime.db.read() as session:
        stored = boundaries.current(session)
        found = case_points.map_cases(session, case_scope(current_user), filters,
                                      stored.anchors if stored is not None else {})
    counts = {colour: 0 for colour in board_queries.COLOURS}
    items = []
    for case in found.cases:
        counts[case.colour] = counts.get(case.colour, 0) + 1
        items.append({
            "id": case.id, "number": case.number, "title": case.title, "url": _case_url(case.id),
            "colour": case.colour, "colour_label": labels.label(labels.COLOURS, case.colour),
            "stage": labels.label(labels.STAGES, case.stage) if case.stage else "—",
            "tier": labels.label(labels.TIERS, case.tier), "category": labels.label(labels.CATEGORIES, case.category),
            "department": case.department or "—", "town": case.town or "—", "urgent": case.urgent,
            "deadline": deadline_text(case.stage_due, tz) or "—",
            "overdue": bool(case.stage_due and now > case.stage_due),
            "lon": case.lon, "lat": case.lat, "approximate": case.approximate,
        })
    response = jsonify({"cases": items, "counts": counts, "unplaced": found.unplaced, "more": found.more})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/map/boundaries.json")
@roles_required("supervisor")
def boundary_layer():
    with _runtime().db.read() as session:
        stored = boundaries.current(session)
        if stored is None:
            return jsonify({"type": "FeatureCollection", "features": []})
        version = boundaries.layer_version(session, stored)
        if request.if_none_match.contains(version):
            response = make_response("", 304)
        else:
            response = jsonify(boundaries.map_layer(session, stored))
    response.set_etag(version)
    # Revalidated on every load: an upload or a renamed town shows at once, an unchanged file costs a 304.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
