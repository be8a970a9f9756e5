"""Case list (案件查询), the case page with its timeline, and attachment downloads."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import BuildError

from engine.cases.attachments import get_attachment
from engine.cases.masking import complainant, readable_case, staff_redactor, visible_details
from engine.cases.read_model import (
    CaseFilters,
    load_case_file,
    search_cases,
    town_code,
    towns,
)
from engine.models import Task
from webapp.access import case_scope, task_scope, visible_case
from webapp.cases.attachments import send_attachment
from webapp.runtime import current_runtime as _runtime

bp = Blueprint("cases", __name__)

STAGES = {"receive": _l("受理"), "assign": _l("交办"), "handle": _l("办理"), "extension": _l("延期审批"),
          "feedback": _l("反馈"), "review": _l("审核"), "follow_up": _l("回访"),
          "follow_up_review": _l("不满意件复核"), "supervise": _l("督办")}
TIERS = {1: _l("网格员"), 2: _l("乡镇（街道）"), 3: _l("县局督查科"), 4: _l("局领导")}
CHANNEL_NAMES = {"hotline": _l("12345/12369 热线"), "visit": _l("来访"), "letter": _l("来信"),
                 "grid": _l("网格员上报"), "monitoring": _l("在线监测"), "higher": _l("上级转办"),
                 "public": _l("网上投诉")}
CATEGORY_NAMES = {"air": _l("大气"), "water": _l("水"), "noise": _l("噪声"), "solid_waste": _l("固体废物"),
                  "soil": _l("土壤"), "radiation": _l("辐射"), "ecology": _l("生态"), "other": _l("其他")}
SUBJECT_TYPES = {"enterprise": _l("企业"), "construction": _l("建筑施工"), "catering": _l("餐饮"),
                 "residential": _l("社会生活"), "traffic": _l("交通"), "livestock": _l("畜禽养殖"),
                 "other": _l("其他")}
STATUS_NAMES = {"received": _l("已登记"), "accepted": _l("已受理"), "handling": _l("办理中"),
                "closed": _l("已办结"), "rejected": _l("不予受理"), "transferred": _l("已转办"),
                "merged": _l("已合并"), "reopened": _l("重新办理")}
COLOURS = {"red": _l("红色 超期"), "yellow": _l("黄色 预警"), "blue": _l("蓝色 在办"), "green": _l("绿色 办结")}
GROUPS = {"intake": _l("受理员"), "handler": _l("承办人"), "lead": _l("科室负责人"), "supervisor": _l("督办人员")}
SATISFACTION = {"satisfied": _l("满意"), "basically_satisfied": _l("基本满意"), "unsatisfied": _l("不满意"),
                "unreachable": _l("无法联系")}

LABELS = SimpleNamespace(stage=STAGES, tier=TIERS, channel=CHANNEL_NAMES, category=CATEGORY_NAMES,
                         subject=SUBJECT_TYPES, status=STATUS_NAMES, colour=COLOURS, group=GROUPS,
                         satisfaction=SATISFACTION)
PER_PAGE = 25


@bp.context_processor
def _labels():
    return {"labels": LABELS}


def task_link(task_id: str) -> str | None:
    """The task page, when the tasks blueprint is installed."""
    if "tasks.show" not in current_app.view_functions:
        return None
    try:
        return url_for("tasks.show", task_id=task_id)
    except BuildError:
        return None


def _int_arg(name: str, default: int = 1) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


@bp.get("/cases")
@login_required
def index():
    args = request.args
    allowed = {"status": STATUS_NAMES, "stage": STAGES, "colour": COLOURS, "category": CATEGORY_NAMES,
               "channel": CHANNEL_NAMES}
    # Unknown filter values are dropped rather than matching nothing without saying why.
    chosen = {key: args.get(key, "") if args.get(key, "") in names else "" for key, names in allowed.items()}
    filters = CaseFilters(q=args.get("q", "")[:200], town=args.get("town", "")[:64], **chosen)
    with _runtime().db.read() as session:
        page = search_cases(session, case_scope(current_user), filters, _int_arg("page"), PER_PAGE)
        page = replace(page, items=[readable_case(case, current_user.sees_identity) for case in page.items])
        town_rows = towns(session)
    town_names = {t.code: t.name for t in town_rows}
    query = {k: v for k, v in {**chosen, "q": filters.q, "town": filters.town}.items() if v}
    return render_template("cases.html", page=page, filters=filters, towns=town_rows, town_names=town_names,
                           town_code=town_code, query=query)


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    lang = str(get_locale())
    with _runtime().db.read() as session:
        case = visible_case(session, current_user, case_id)
        redact = staff_redactor(case, current_user.sees_identity)
        casefile = load_case_file(session, case, scope=case_scope(current_user), lang=lang, redact=redact)
        workable = set(session.scalars(select(Task.id).where(Task.case_id == case.id, Task.state == "ready",
                                                             task_scope(current_user))))
    links = {h.task.id: task_link(h.task.id) for h in casefile.holders if h.task.id in workable}
    return render_template("case.html", file=casefile, case=readable_case(case, current_user.sees_identity),
                           complainant=complainant(case, current_user.sees_identity),
                           details=visible_details(case.details, current_user.sees_identity), task_links=links)


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int):
    with _runtime().db.read() as session:
        visible_case(session, current_user, case_id)
        row = get_attachment(session, case_id, attachment_id)
    if row is None:
        abort(404)
    return send_attachment(row)
