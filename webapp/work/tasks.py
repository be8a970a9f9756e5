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
from engine.cases.attachments import AttachmentRejected
from engine.cases.evidence import attach_evidence, check_field_uploads
from engine.cases.masking import complainant, readable_case, staff_redactor
from engine.core.errors import FormInvalid, GreenloopError, TaskClaimed, TaskConflict
from engine.definitions.form_store import get_form
from engine.enforcement.agency import staffed_agencies
from engine.models import Case, Department, Grid, Task, User
from engine.rectification.items import item_of_case
from engine.work.form_drafts import delete_draft, load_draft, save_draft
from engine.work.inbox import row_for
from engine.work.task_files import file_fields, task_files
from engine.work.task_view import TaskView, task_view
from engine.work.tasks import claim_task, complete_task, release_task, task_data
from webapp.access import task_scope
from webapp.cases.attachments import read_uploads, rejection_message
from webapp.files import attachments_root
from webapp.labels import CATEGORIES, CHANNELS, COLOURS, STAGES, label, task_title
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

bp = Blueprint("tasks", __name__)

# The patrol process's check-in task (workflows/bpmn/patrol.bpmn), worked on webapp/patrol's page.
PATROL_CHECK_IN = "pt_check_in"
# The self-inspection review (workflows/bpmn/selfcheck.bpmn), done beside the answers and photos.
SELFCHECK_REVIEW = "sc_review"


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
    found = [tuple(row) for row in session.execute(query)]
    if kind == "bureau":
        # Outside agencies whose people work in greenloop join the choices (联合执法, 移交公安),
        # named as such (engine/enforcement/agency.py).
        found += [(d.code, _("%(name)s（外部单位）", name=d.name)) for d in staffed_agencies(session)]
    return found


def _summary(session, case: Case | None) -> dict | None:
    if case is None:
        return None
    grid = session.get(Grid, case.grid_id) if case.grid_id else None
    department = session.get(Department, case.department_id) if case.department_id else None
    person = complainant(case, current_user.sees_identity)
    shown = readable_case(case, current_user.sees_identity)
    return dict(case=shown, place=" · ".join(p for p in (shown.address, grid.name if grid else None) if p),
                department=department.name if department else "", complainant=person["name"], phone=person["phone"])


def _context(view: TaskView, case: Case | None,
             departments: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(form title, [(label, value)]) for each earlier step this task builds on, what someone typed
    in it masked for a reader who may not see the complainant."""
    redact = staff_redactor(case, current_user.sees_identity) if case is not None else None
    key = "en" if lang() == "en" else "zh_CN"
    sections = []
    for earlier, values in view.records:
        items = [(earlier.label(f, lang()), display_value(earlier, f, v, lang(), departments))
                 for f, v in values.items()]
        if redact is not None:
            items = [(label, redact(value) if isinstance(value, str) else value) for label, value in items]
        sections.append((earlier.title[key], items))
    return sections


def _suggestion(form: forms.FormDefinition | None, view: TaskView, departments: dict[str, str]) -> str | None:
    """The values the diagram suggests for this form (say, the routing table's department), in words."""
    if form is None or not view.suggested:
        return None
    items = [_("%(label)s：%(value)s", label=form.label(f, lang()), value=display_value(form, f, v, lang(), departments))
             for f, v in view.suggested.items()]
    return _("建议%(items)s", items=_("；").join(items))


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def show(task_id: str):
    runtime = _runtime()
    with runtime.db.read() as session:
        task = scoped_task(session, task_id)
        case = session.get(Case, task.case_id) if task.case_id else None
        form = get_form(session, task.form) if task.form else None
    if task.spec == PATROL_CHECK_IN and task.state == "ready":
        # A check-in records position and photos beside the form (engine/patrol/check_in.py): its own page.
        return redirect(url_for("patrol.check_in", task_id=task.id), 303)
    if task.spec == SELFCHECK_REVIEW and task.state == "ready" and request.method == "GET":
        from webapp.selfcheck.pages import review_page  # noqa: PLC0415 - the one task kind that needs it
        return redirect(review_page(task.instance_id), 303)
    if request.method == "GET":
        return _page(task, case, form)
    if task.state != "ready":
        raise TaskConflict(task.id, task.completed_by, task.state)
    if task.assignee_id not in (None, current_user.id):
        # Checked again under the lock by complete_task; here it also keeps drafts off it.
        with runtime.db.read() as session:
            holder = session.get(User, task.assignee_id)
        raise TaskClaimed(task.id, holder.username, holder.display_name or holder.username)
    draft = bool(request.form.get("save_draft"))
    data = parse_submission(form, request.form, runtime.timezone, keep_unchecked=draft) if form else {}
    uploads = {name: read_uploads(name) for name in file_fields(form)}
    try:
        # Checked before anything is written: a refused file changes nothing.
        checked = check_field_uploads(form, uploads, {n: data.get(n, []) for n in uploads}) if form else {}
    except AttachmentRejected as err:
        return _refused(task, case, form, {err.field or ALL: [rejection_message(err)]}, uploads)
    try:
        with transaction() as session:
            # The files are written in the same transaction as the draft or the completion; if it
            # rolls back (invalid data, a colleague completed the task first: 409) they are
            # removed again (engine/core/db.on_rollback), so nothing is left orphaned.
            if form:
                data = attach_evidence(session, runtime, task, form, data, checked, root=attachments_root(),
                                       actor=current_user.username)
            if draft:
                save_draft(session, runtime, task.id, current_user.id, data)
            else:
                complete_task(session, runtime, task.id, data, current_user.username, lang(),
                              user_id=current_user.id)
                delete_draft(session, task.id)
    except FormInvalid as err:
        # Shown again exactly as typed, each message beside its field; nothing was saved.
        return _refused(task, case, form, err.errors, uploads)
    except AttachmentRejected as err:
        return _refused(task, case, form, {err.field or ALL: [rejection_message(err)]}, uploads)
    if draft:
        flash(_("草稿已保存"), "info")
        return redirect(url_for("tasks.show", task_id=task.id))
    flash(_("已办理：%(task)s（%(case)s）", task=task_title(task, lang()), case=case.number if case else task.id),
          "info")
    return redirect(url_for("inbox.index"))


def _refused(task: Task, case: Case | None, form: forms.FormDefinition | None, errors: dict[str, list[str]],
             uploads: dict[str, list]):
    """The form again (422) with the messages; a browser cannot refill a file input, so a field
    whose new files were not kept says so."""
    errors = {key: list(messages) for key, messages in errors.items()}
    for name, chosen in uploads.items():
        if chosen:
            errors.setdefault(name, []).append(_("本次选择的文件未保存，请重新选择"))
    return _page(task, case, form, submitted_values(form, request.form) if form else {}, errors), 422


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
    view, data, draft, item = TaskView(), {}, None, None
    if ready:
        with runtime.db.read() as session:
            data = task_data(session, runtime, task.id)
            view = task_view(session, task, form, data)
            draft = load_draft(session, task.id, current_user.id)
            item = _rectification_item(session, case, data)
    if form and ready and values is None:
        stored = dict(view.start)
        stored.update(draft.data if draft else {})  # the person's own draft wins over task data
        values = to_display(form, stored, runtime.timezone)
    files = {}
    if form and ready and file_fields(form):
        with runtime.db.read() as session:
            files = task_files(session, task.id)
    fields = build_fields(form, values or {}, errors, lang(), choices, files) if form else []
    key = "en" if lang() == "en" else "zh_CN"
    return render_template(
        "task.html", task=task, form=form, fields=fields, form_errors=errors.get(ALL, []), summary=summary,
        assignee=assignee, ready=ready, draft=draft, held_by_other=bool(assignee and assignee.id != current_user.id),
        context=_context(view, case, names), row=row, suggestion=_suggestion(form, view, names),
        title=task_title(task, lang()),
        form_title=form.title[key] if form else "", stage=label(STAGES, task.stage),
        colour=label(COLOURS, task.colour), category=label(CATEGORIES, case.category) if case else "",
        channel=label(CHANNELS, case.channel) if case else "", case_stage=label(STAGES, case.stage) if case else "",
        case_colour=label(COLOURS, case.colour) if case else "", item=item, **template_helpers())


def _rectification_item(session, case: Case | None, data: dict):
    """The rectification item a task of the item's process is about (its data names it): what,
    who, by when and the evidence required are what the person acts on."""
    item_id = data.get("rectification_id")
    if case is None or not isinstance(item_id, int):
        return None
    try:
        return item_of_case(session, case.id, item_id)
    except GreenloopError:
        return None


def _in_scope(task_id: str) -> Task:
    with _runtime().db.read() as session:
        return scoped_task(session, task_id)


def _hold(service, task: Task) -> None:
    """claim_task or release_task, for the signed-in person, in the request's one transaction."""
    with transaction() as session:
        service(session, _runtime(), task.id, current_user.id, current_user.username)


def _back():
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    _hold(claim_task, _in_scope(task_id))
    flash(_("已认领任务"), "info")
    return _back()


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    task = _in_scope(task_id)
    if task.assignee_id != current_user.id:
        flash(_("此任务不在您名下，无需释放"), "error")
    else:
        _hold(release_task, task)
        flash(_("已释放任务，组内其他人可以认领"), "info")
    return _back()
