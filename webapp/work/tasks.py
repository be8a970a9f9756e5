"""The task page: the case in brief, what earlier steps recorded, and the task's form.

Also claim and release. A task outside the person's task scope answers 404; completing one
someone else already completed raises TaskConflict, which webapp/errors.py turns into a 409
naming who did it. A task a colleague has claimed is theirs: completing it, saving a draft of it
or claiming it answers 409 naming them (TaskClaimed); they release it, or a supervisor reassigns
it from the board (改派).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

import forms
from engine.cases.masking import complainant
from engine.core.errors import FormInvalid, TaskClaimed, TaskConflict
from engine.definitions.form_store import get_form
from engine.models import Case, Department, Grid, Task, User
from engine.work.form_drafts import delete_draft, load_draft, save_draft
from engine.work.inbox import row_for
from engine.work.tasks import claim_task, complete_task, release_task, task_data
from webapp.access import task_scope
from webapp.redirects import safe_next
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction
from webapp.work.form_render import (
    ALL,
    build_fields,
    display_value,
    parse_submission,
    submitted_values,
    to_display,
)
from webapp.work.inbox import lang, template_helpers
from webapp.work.task_labels import CATEGORIES, CHANNELS, COLOURS, STAGES, label, task_title

bp = Blueprint("tasks", __name__)

# Earlier steps whose record the person doing this task should read first.
CONTEXT_FORMS = {
    "handle": ("assign", "review"), "joint_handle": ("assign",), "feedback": ("handle",),
    "approve_extension": ("handle",), "review": ("handle", "feedback"), "follow_up": ("feedback",),
}
# These record one person's own decision: a decision or opinion left in the task data by an
# earlier round (a rejected review, a lower tier's supervision) must not be offered as theirs.
DECISION_FORMS = frozenset({"review", "approve_extension", "follow_up", "follow_up_review", "supervise"})


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("inbox.index"))


def scoped_task(session, task_id: str) -> Task:
    task = session.scalars(select(Task).where(Task.id == task_id, task_scope(current_user))).first()
    if task is None:
        abort(404)
    return task


def _departments(session, kind: str | None = "bureau") -> list[tuple[str, str]]:
    query = select(Department.code, Department.name).order_by(Department.id)
    if kind:
        query = query.where(Department.kind == kind)
    return [tuple(row) for row in session.execute(query)]


def _summary(session, case: Case | None) -> dict | None:
    if case is None:
        return None
    grid = session.get(Grid, case.grid_id) if case.grid_id else None
    department = session.get(Department, case.department_id) if case.department_id else None
    person = complainant(case, current_user.sees_identity)
    return dict(case=case, place=" · ".join(p for p in (case.address, grid.name if grid else None) if p),
                department=department.name if department else "", complainant=person["name"], phone=person["phone"])


def _prefill(task: Task, form: forms.FormDefinition, data: dict, departments: dict[str, str]) -> dict:
    values = {} if task.form in DECISION_FORMS else \
        {k: data[k] for k in form.fields if data.get(k) is not None}
    if task.form == "assign":
        if data.get("route_transfer"):
            values.update(action="transfer",
                          transfer_to=departments.get(data["route_transfer"], data["route_transfer"]))
        elif data.get("route_department"):
            values.update(action="assign", department=data["route_department"])
    return values


def _context(task: Task, data: dict, departments: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(form title, [(label, value)]) for each earlier step this task builds on."""
    sections = []
    with _runtime().db.read() as session:
        earlier_forms = {name: get_form(session, name) for name in CONTEXT_FORMS.get(task.form or "", ())}
    for name, earlier in earlier_forms.items():
        if task.form == "handle" and name == "review" and data.get("approved") is not False:
            # Only a rejected review sends a case back to handling; an approval left in the data
            # by an earlier round (before a reopening) is not what this handler must address.
            continue
        items = [(earlier.label(f, lang()), display_value(earlier, f, data[f], lang(), departments))
                 for f in earlier.fields if data.get(f) not in (None, "", [])]
        if items:
            sections.append((earlier.title["en" if lang() == "en" else "zh_CN"], items))
    return sections


def _route_hint(task: Task, data: dict, departments: dict[str, str]) -> str | None:
    if task.form != "assign" or not (data.get("route_department") or data.get("route_transfer")):
        return None
    if data.get("route_transfer"):
        return _("建议转办：%(to)s", to=departments.get(data["route_transfer"], data["route_transfer"]))
    return _("建议承办部门：%(d)s；督办层级：%(t)s", d=departments.get(data["route_department"], data["route_department"]),
             t=data.get("route_tier") or "—")


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def show(task_id: str):
    runtime = _runtime()
    with runtime.db.read() as session:
        task = scoped_task(session, task_id)
        case = session.get(Case, task.case_id) if task.case_id else None
        form = get_form(session, task.form) if task.form else None
    if request.method == "GET":
        return _page(task, case, form)
    if task.state != "ready":
        raise TaskConflict(task.id, task.completed_by, task.state)
    if task.assignee_id not in (None, current_user.id):
        # Checked again under the lock by complete_task; here it also keeps drafts off it.
        with runtime.db.read() as session:
            holder = session.get(User, task.assignee_id)
        raise TaskClaimed(task.id, holder.username, holder.display_name or holder.username)
    if request.form.get("save_draft"):
        with transaction() as session:
            save_draft(session, runtime, task.id, current_user.id,
                       parse_submission(form, request.form, runtime.timezone, keep_unchecked=True) if form else {})
        flash(_("草稿已保存"), "info")
        return redirect(url_for("tasks.show", task_id=task.id))
    data = parse_submission(form, request.form, runtime.timezone) if form else {}
    try:
        with transaction() as session:
            complete_task(session, runtime, task.id, data, current_user.username, lang(), user_id=current_user.id)
            delete_draft(session, task.id)
    except FormInvalid as err:
        # Shown again exactly as typed, each message beside its field; nothing was saved.
        return _page(task, case, form, submitted_values(form, request.form) if form else {}, err.errors), 422
    flash(_("已办理：%(task)s（%(case)s）", task=task_title(task, lang()), case=case.number if case else task.id),
          "info")
    return redirect(url_for("inbox.index"))


def _page(task: Task, case: Case | None, form: forms.FormDefinition | None, values: dict | None = None,
          errors: dict[str, list[str]] | None = None) -> str:
    runtime = _runtime()
    ready = task.state == "ready"
    errors = errors or {}
    with runtime.db.read() as session:
        summary = _summary(session, case)
        choices = _departments(session)
        names = dict(_departments(session, kind=None))
        assignee = session.get(User, task.assignee_id) if task.assignee_id else None
        row = row_for(session, task, now=runtime.now(), tz=runtime.timezone)
    with runtime.db.read() as session:
        data = task_data(session, runtime, task.id) if ready else {}
        draft = load_draft(session, task.id, current_user.id) if ready else None
    if form and ready and values is None:
        stored = _prefill(task, form, data, names)
        stored.update(draft.data if draft else {})  # the person's own draft wins over task data
        values = to_display(form, stored, runtime.timezone)
    fields = build_fields(form, values or {}, errors, lang(), choices) if form else []
    key = "en" if lang() == "en" else "zh_CN"
    return render_template(
        "task.html", task=task, form=form, fields=fields, form_errors=errors.get(ALL, []), summary=summary,
        assignee=assignee, ready=ready, draft=draft, held_by_other=bool(assignee and assignee.id != current_user.id), context=_context(task, data, names), row=row,
        route_hint=_route_hint(task, data, names), title=task_title(task, lang()),
        form_title=form.title[key] if form else "", stage=label(STAGES, task.stage),
        colour=label(COLOURS, task.colour), category=label(CATEGORIES, case.category) if case else "",
        channel=label(CHANNELS, case.channel) if case else "", case_stage=label(STAGES, case.stage) if case else "",
        case_colour=label(COLOURS, case.colour) if case else "", **template_helpers())


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    runtime = _runtime()
    with runtime.db.read() as session:
        task = scoped_task(session, task_id)
    with transaction() as session:
        claim_task(session, runtime, task.id, current_user.id, current_user.username)
    flash(_("已认领任务"), "info")
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    runtime = _runtime()
    with runtime.db.read() as session:
        task = scoped_task(session, task_id)
    if task.assignee_id != current_user.id:
        flash(_("此任务不在您名下，无需释放"), "error")
    else:
        with transaction() as session:
            release_task(session, runtime, task.id, current_user.id, current_user.username)
        flash(_("已释放任务，组内其他人可以认领"), "info")
    return redirect(_safe_next(request.form.get("next")))
