"""Case list (案件查询), the case page with its timeline, and attachment downloads."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import BuildError

from engine.cases.attachments import (
    REMOVAL_REASON_MAX,
    RemovalRefused,
    get_attachment,
    list_attachments,
    remove_attachment,
)
from engine.cases.masking import case_redactor, complainant, visible_details
from engine.cases.read_model import (
    CaseFilters,
    load_case_file,
    search_cases,
    town_code,
    towns,
)
from engine.models import Task
from webapp.access import (
    attachment_removal_scope,
    case_scope,
    may_remove_attachments,
    roles_required,
    task_scope,
    visible_case,
)
from webapp.cases.attachments import send_attachment
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

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
REMOVAL_REFUSED = {
    "reason_required": (_l("请填写移除原因"), 400),
    "reason_too_long": (_l("移除原因过长，请精简"), 400),
    "already_removed": (_l("该附件已被移除"), 409),
}


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
        town_rows = towns(session)
    town_names = {t.code: t.name for t in town_rows}
    query = {k: v for k, v in {**chosen, "q": filters.q, "town": filters.town}.items() if v}
    return render_template("cases.html", page=page, filters=filters, towns=town_rows, town_names=town_names,
                           town_code=town_code, query=query)


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    return _show(case_id)


def _show(case_id: int, removal: dict | None = None, status: int = 200):
    """The case page; ``removal`` re-opens a refused removal form with its message."""
    lang = str(get_locale())
    with _runtime().db.read() as session:
        case = visible_case(session, current_user, case_id)
        redact = None if current_user.sees_identity else case_redactor(case)
        casefile = load_case_file(session, case, scope=case_scope(current_user), lang=lang, redact=redact)
        workable = set(session.scalars(select(Task.id).where(Task.case_id == case.id, Task.state == "ready",
                                                             task_scope(current_user))))
        # Removed files stay on record; only an administrator is shown them.
        removed = list_attachments(session, case.id, removed=True) if current_user.is_admin else []
    links = {h.task.id: task_link(h.task.id) for h in casefile.holders if h.task.id in workable}
    return render_template("case.html", file=casefile, case=casefile.case,
                           complainant=complainant(case, current_user.sees_identity),
                           details=visible_details(case.details, current_user.sees_identity), task_links=links,
                           may_remove=may_remove_attachments(current_user, case), removed_attachments=removed,
                           removal=removal or {}, reason_max=REMOVAL_REASON_MAX), status


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int):
    with _runtime().db.read() as session:
        visible_case(session, current_user, case_id)
        # A removed file answers 404 to everyone but an administrator, who may inspect the record.
        row = get_attachment(session, case_id, attachment_id, include_removed=current_user.is_admin)
    if row is None:
        abort(404)
    return send_attachment(row)


@bp.post("/cases/<int:case_id>/attachments/<int:attachment_id>/remove")
@roles_required("intake", "supervisor")
def remove(case_id: int, attachment_id: int):
    """Take a wrongly attached file off the case (kept for the record, audited with the reason).
    A case outside the person's intake / supervisor scope answers 404 (engine.core.errors.NotFound)."""
    reason = request.form.get("reason", "")
    try:
        with transaction() as session:
            row = remove_attachment(session, _runtime(), case_id, attachment_id, actor=current_user.username,
                                    reason=reason, scope=attachment_removal_scope(current_user))
    except RemovalRefused as err:
        message, status = REMOVAL_REFUSED.get(err.code, (str(err), 400))
        return _show(case_id, {"id": attachment_id, "error": str(message), "reason": reason[:REMOVAL_REASON_MAX]},
                     status)
    flash(_("已移除附件“%(name)s”，文件已留档备查", name=row.filename), "info")
    return redirect(url_for("cases.show", case_id=case_id) + "#h-attachments", 303)
