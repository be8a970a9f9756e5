"""执法办案 pages. An enforcement case outside the person's case scope answers 404; nothing here
changes anything (the steps are tasks), so there is no form to forge."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.core.errors import NotFound
from engine.enforcement.listing import get_enforcement, list_enforcement, open_tasks
from engine.models import Department, Task
from engine.models.documents import Document
from engine.org.scopes import case_scope, task_scope
from engine.vocabulary.document_kinds import KINDS
from engine.vocabulary.words import (
    ENFORCEMENT_SOURCES,
    ENFORCEMENT_STEPS,
    POLICE_DECISIONS,
    PRODUCTION_LIMITS,
)
from webapp.runtime import current_runtime as _runtime

bp = Blueprint("enforcement", __name__)
ENFORCEMENT_DOCUMENTS = ("correction_order", "penalty_decision", "case_transfer_letter")
WORDS = {"step": ENFORCEMENT_STEPS, "source": ENFORCEMENT_SOURCES, "limit": PRODUCTION_LIMITS,
         "police": POLICE_DECISIONS}


@bp.get("/enforcement")
@login_required
def index():
    step = request.args.get("step") or None
    with _runtime().db.read() as s:
        rows = list_enforcement(s, scope=case_scope(current_user), step=step)
    return render_template("enforcement/index.html", rows=rows, step=step, words=WORDS)


@bp.get("/enforcement/<int:enforcement_id>")
@login_required
def show(enforcement_id: int):
    with _runtime().db.read() as s:
        try:
            row, case = get_enforcement(s, enforcement_id, scope=case_scope(current_user))
        except NotFound:
            abort(404)
        tasks = open_tasks(s, row)
        ids = [t.id for t in tasks]
        workable = set(s.scalars(select(Task.id).where(Task.id.in_(ids), task_scope(current_user)))) if ids else set()
        documents = list(s.scalars(select(Document).where(Document.case_id == case.id,
                                                          Document.kind.in_(ENFORCEMENT_DOCUMENTS))
                                   .order_by(Document.issued_at, Document.id)))
        names = dict(s.execute(select(Department.id, Department.name)).all())
    return render_template("enforcement/show.html", row=row, case=case, tasks=tasks, workable=workable,
                           documents=documents, kinds=KINDS, words=WORDS,
                           department=names.get(row.department_id, ""), police=names.get(row.police_department_id, ""))
