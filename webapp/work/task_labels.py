"""Display names for the codes stored on tasks and cases (stage, colour, category, channel)."""
from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l

import forms
from engine.definitions import form_store
from webapp.runtime import current_runtime

STAGES = {
    "receive": _l("受理"),
    "assign": _l("交办"),
    "handle": _l("办理"),
    "extension": _l("延期审批"),
    "feedback": _l("反馈"),
    "review": _l("审核"),
    "follow_up": _l("回访"),
    "follow_up_review": _l("不满意件复核"),
    "supervise": _l("督办"),
}
COLOURS = {"red": _l("红色 超期"), "yellow": _l("黄色 预警"), "blue": _l("蓝色 在办"), "green": _l("绿色 办结")}
CATEGORIES = {
    "air": _l("大气"), "water": _l("水"), "noise": _l("噪声"), "solid_waste": _l("固体废物"), "soil": _l("土壤"),
    "radiation": _l("辐射"), "ecology": _l("生态"), "other": _l("其他"),
}
CHANNELS = {
    "public": _l("群众投诉"), "hotline": _l("热线"), "grid": _l("网格员上报"), "monitoring": _l("在线监测"),
    "higher": _l("上级转办"), "visit": _l("来访"), "letter": _l("来信"),
}


def label(table: dict, code: str | None) -> str:
    return str(table.get(code, code or ""))


def task_title(task, lang: str) -> str:
    """The task's name as the diagram gives it (Chinese), or its form's English title."""
    if lang == "en" and task.form:
        return _english_title(task.form) or task.name
    return task.name


def _english_title(form: str) -> str | None:
    """The live form's English title (a form created or retitled in the form editor too), looked
    up once per request: the inbox asks for every row, and a handful of forms cover them all."""
    titles = g.setdefault("form_titles_en", {})
    if form not in titles:
        with current_runtime().db.read() as session:
            try:
                titles[form] = form_store.get_form(session, form).title.get("en")
            except forms.FormError:
                titles[form] = None
    return titles[form]
