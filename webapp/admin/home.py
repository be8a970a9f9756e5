"""The administrator's landing page: a link to every administration page this build has."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from webapp.access import roles_required

bp = Blueprint("admin", __name__)

# endpoint, title, what it is for; pages whose blueprint is not installed are left out.
PAGES = [
    ("admin_diagrams.index", _l("流程图"), _l("编辑流程图，发布新版本，查看历史、回退和迁移在办案件")),
    ("admin_diagrams.decisions", _l("分派规则（决策表）"), _l("编辑按类别、乡镇、渠道分派承办部门的决策表")),
    ("admin_forms.index", _l("表单"), _l("编辑各办理环节的表单")),
    ("admin_calendar.index", _l("工作日历"), _l("节假日与调休上班日")),
    ("admin_people.index", _l("人员与网格"), _l("账号、角色、部门与网格")),
    ("admin_map.index", _l("地图边界"), _l("挂图督办地图的县域、乡镇和网格边界（GeoJSON）：上传、下载、恢复生成的边界")),
    ("case_documents.settings", _l("文书设置"), _l("文书抬头与投诉人信息保密")),
    ("admin_reports.schedule", _l("统计报告计划"), _l("日报、周报、月报的印发时间与接收人")),
    ("admin_sms.index", _l("短信设置"), _l("短信网关，受理、答复、预警和督办短信")),
    ("api.tokens.index", _l("接口令牌"), _l("12345 平台、在线监测等外部系统调用 REST API 与 Open311 的令牌")),
]


@bp.get("/admin")
@roles_required("admin")
def index():
    known = current_app.view_functions
    return render_template("admin/index.html", pages=[p for p in PAGES if p[0] in known])
