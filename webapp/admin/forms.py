"""Administrators edit task forms: a structured editor or raw JSON, a live preview, versioned saves.

Saving goes through engine.form_store.save_form, which refuses a definition that does not parse
or that would break a deployed diagram; the refusal is shown beside the editor with nothing lost.
A new form is created on the list page (blank or a copy) and then opens in the same editor.
"""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

import forms
from engine.core.errors import AdminError, NotFound
from engine.definitions.form_store import (
    FormRefused,
    create_form,
    current_raw,
    form_history,
    form_names,
    form_usage,
    get_form,
    save_form,
    starting_definition,
)
from engine.models import Department
from engine.models.form_versions import FormVersion
from webapp.access import roles_required
from webapp.admin.form_editor import KINDS, EditorState, apply_op, from_definition, from_post, to_definition
from webapp.runtime import current_runtime
from webapp.work.form_render import build_fields
from webapp.work.inbox import lang

bp = Blueprint("admin_forms", __name__, url_prefix="/admin/forms")


def _known(session, name: str) -> None:
    if name not in form_names(session):
        abort(404)


@bp.get("")
@roles_required("admin")
def index():
    return _index_page()


def _index_page(values: dict | None = None, errors: dict | None = None, status: int = 200):
    """The list of forms with the "new form" card (re-shown as typed when creating is refused)."""
    runtime = current_runtime()
    with runtime.db.read() as session:
        names = form_names(session)
        rows = []
        usage = form_usage(session)
        for name in names:
            latest = session.scalars(select(FormVersion).where(FormVersion.name == name)
                                     .order_by(FormVersion.version.desc()).limit(1)).first()
            rows.append(dict(name=name, form=get_form(session, name), latest=latest, used_by=usage.get(name, [])))
    errors = errors or {}
    # Fields are checked in page order, so the first one with an error takes the focus.
    return render_template("admin/forms_index.html", rows=rows, key=lang(), values=values or {},
                           errors=errors, first_error=next(iter(errors), None)), status


# Why a new form was refused, by the problem code engine.form_store gives.
NEW_FORM_PROBLEMS = {
    "form_name_missing": _l("请填写表单名"),
    "form_name_pattern": _l("表单名须以小写字母开头，只含小写字母、数字和下划线，长 2 到 63 个字符"),
    "form_name_taken": _l("已有名为 %(name)s 的表单，请换一个名字或直接编辑它"),
    "form_title_missing": _l("请填写标题"),
    "form_source_unknown": _l("没有名为 %(name)s 的表单可以复制"),
}


@bp.post("")
@roles_required("admin")
def create():
    values = {key: (request.form.get(key) or "").strip() for key in ("name", "title_zh", "title_en", "source")}
    name, source = values["name"], values["source"]
    comment = f"新建，复制自 {source} (created as a copy of {source})" if source else "新建 (created)"
    runtime = current_runtime()
    try:
        with runtime.db.write() as session:
            raw = starting_definition(session, name, {"zh_CN": values["title_zh"], "en": values["title_en"]},
                                      source or None)
            create_form(session, name, raw, current_user.username, comment, runtime.now())
    except AdminError as err:
        errors = {key: [str(NEW_FORM_PROBLEMS[p.code]) % p.params for p in found]
                  for key, found in err.problems.items()}
        return _index_page(values, errors, 422)
    except FormRefused as err:  # a copy of a form whose stored definition no longer parses
        return _index_page(values, {"source": [message for _el, message in err.problems]}, 422)
    flash(_("已新建表单 %(name)s（第 1 版）。在流程图的用户任务中选择它后，发布流程即可使用。", name=name), "info")
    return redirect(url_for("admin_forms.edit", name=name))


# ---------------------------------------------------------------- the editor


def _base(name: str) -> dict:
    with current_runtime().db.read() as session:
        _known(session, name)
        return current_raw(session, name)


def _posted(name: str) -> tuple[EditorState | None, str, dict | None, list[str]]:
    """(structured state, JSON text, definition, problems) from whichever tab was posted."""
    base = _base(name)
    if request.form.get("mode") == "json":
        text = request.form.get("json") or ""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as err:
            return None, text, None, [_("JSON 格式错误：第 %(line)s 行第 %(col)s 列：%(msg)s",
                                        line=err.lineno, col=err.colno, msg=err.msg)]
        return None, text, raw, []
    state = from_post(request.form, base)
    raw = to_definition(state, name)
    if raw is None:
        return state, "", None, [_("请先更正标出的错误")]
    return state, _dump(raw), raw, []


def _dump(raw) -> str:
    return json.dumps(raw, ensure_ascii=False, indent=2)


def _parsed(name: str, raw) -> tuple[forms.FormDefinition | None, list[str]]:
    try:
        return forms.parse_definition(name, raw), []
    except forms.InvalidFormDefinition as err:
        return None, [err.message]


def _preview_fields(form: forms.FormDefinition | None) -> list:
    if form is None:
        return []
    with current_runtime().db.read() as session:
        departments = [tuple(r) for r in session.execute(
            select(Department.code, Department.name).where(Department.kind == "bureau").order_by(Department.id))]
    return build_fields(form, {}, {}, lang(), departments)


def _page(name: str, tab: str, state: EditorState | None, text: str, raw, *, problems=(), notes=(),
          status: int = 200, comment: str = ""):
    """The editor page. ``problems`` are refusals ((element, message)); ``notes`` stop the preview."""
    form, parse_problems = _parsed(name, raw) if raw is not None else (None, [])
    with current_runtime().db.read() as session:
        history = form_history(session, name)
        used_by = form_usage(session).get(name, [])
    # A re-shown editor keeps the version it started from, so a later save still notices others.
    base_version = request.form.get("base_version", type=int) if request.method == "POST" else None
    if base_version is None:
        base_version = history[0].version if history else 0
    return render_template(
        "admin/forms_edit.html", name=name, tab=tab, state=state, json_text=text, kinds=KINDS, history=history,
        shipped=name in forms.available_forms(),
        base_version=base_version,
        used_by=used_by, problems=list(problems), comment=comment, fields=_preview_fields(form),
        preview_problems=[*notes, *parse_problems], preview_title=form.title[lang()] if form else ""), status


@bp.get("/<name>")
@roles_required("admin")
def edit(name: str):
    raw = _base(name)
    version = request.args.get("version", type=int)
    if version is not None:
        with current_runtime().db.read() as session:
            row = session.scalars(select(FormVersion).where(FormVersion.name == name,
                                                            FormVersion.version == version)).first()
            if row is None:
                abort(404)
            raw = row.definition
        flash(_("已载入第 %(v)s 版，保存后成为新版本", v=version), "info")
    tab = "json" if request.args.get("tab") == "json" else "fields"
    return _page(name, tab, from_definition(raw), _dump(raw), raw)


@bp.post("/<name>/preview")
@roles_required("admin")
def preview(name: str):
    _state, _text, raw, notes = _posted(name)
    form, problems = _parsed(name, raw) if raw is not None else (None, [])
    return render_template("admin/forms_preview.html", fields=_preview_fields(form),
                           preview_problems=[*notes, *problems], preview_title=form.title[lang()] if form else "")


@bp.post("/<name>")
@roles_required("admin")
def update(name: str):
    op = request.form.get("op", "save")
    tab = "json" if request.form.get("mode") == "json" else "fields"
    comment = (request.form.get("comment") or "").strip()
    if tab == "fields" and op.split(":")[0] in ("add", "remove", "up", "down"):
        state = from_post(request.form, _base(name))
        apply_op(state, op)
        raw = to_definition(state, name)
        for f in state.fields:
            f.errors.clear()  # a half-typed new row is not wrong until it is saved
        return _page(name, tab, state, _dump(raw) if raw else "", raw, comment=comment)

    state, text, raw, notes = _posted(name)
    if op == "tab:json":
        if raw is None:
            return _page(name, "fields", state, text, raw, notes=notes, status=422, comment=comment)
        return _page(name, "json", state, text, raw, comment=comment)
    if op == "tab:fields":
        form, problems = _parsed(name, raw) if raw is not None else (None, notes)
        if form is None:
            return _page(name, "json", None, text, raw, notes=problems, status=422, comment=comment,
                         problems=[(None, _("JSON 须是有效的表单定义，才能切换到字段编辑"))])
        return _page(name, "fields", from_definition(raw), text, raw, comment=comment)

    if raw is None:
        return _page(name, tab, state, text, raw, notes=notes, problems=[(None, n) for n in notes], status=422,
                     comment=comment)
    runtime = current_runtime()
    try:
        with runtime.db.write() as session:
            row, created = save_form(session, name, raw, current_user.username, comment, runtime.now(),
                                     base_version=request.form.get("base_version", type=int))
    except FormRefused as err:
        return _page(name, tab, state, text, raw, problems=err.problems, status=422, comment=comment)
    except NotFound:
        abort(404)
    if created:
        flash(_("表单 %(name)s 已保存为第 %(v)s 版", name=name, v=row.version), "info")
    else:
        flash(_("内容没有变化，未生成新版本"), "info")
    return redirect(url_for("admin_forms.edit", name=name, tab="json" if tab == "json" else None))


@bp.get("/<name>/versions/<int:version>")
@roles_required("admin")
def version(name: str, version: int):
    runtime = current_runtime()
    with runtime.db.read() as session:
        row = session.scalars(select(FormVersion).where(FormVersion.name == name,
                                                        FormVersion.version == version)).first()
        if row is None:
            abort(404)
        text = json.dumps(row.definition, ensure_ascii=False, indent=2)
    return render_template("admin/forms_version.html", name=name, row=row, json_text=text)
