"""A missed patrol's supervision notices (督办单, documents/patrol_notice.py): listed on the patrol
ledger and downloaded as PDF (rendered on first request, as a case's documents are). A notice of
a patrol outside the person's patrol scope answers 404 (engine/org/scopes.patrol_scope)."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from documents.storage import ensure_rendered, mark_failed, stored_pdf
from engine.models import Patrol, PatrolPoint
from engine.models.documents import Document
from engine.org.scopes import may_read_patrols, patrol_scope
from webapp.cases.documents import _pdf_response
from webapp.files import attachments_root, documents_root
from webapp.runtime import current_runtime as _runtime

bp = Blueprint("patrol_notices", __name__)
log = logging.getLogger(__name__)
LISTED = 20


def _in_scope():
    return select(Document, PatrolPoint.name).join(Patrol, Patrol.id == Document.patrol_id) \
        .join(PatrolPoint, PatrolPoint.id == Patrol.point_id).where(patrol_scope(current_user, Patrol))


@bp.app_context_processor
def _helpers():
    def patrol_notices():
        """The latest notices the person may read (the ledger page lists them)."""
        if not (current_user.is_authenticated and may_read_patrols(current_user)):
            return []
        with _runtime().db.read() as session:
            return session.execute(_in_scope().order_by(Document.issued_at.desc(), Document.id.desc())
                                   .limit(LISTED)).all()

    return {"patrol_notices": patrol_notices}


@bp.get("/patrol/notices/<int:document_id>.pdf")
@login_required
def download(document_id: int):
    if not may_read_patrols(current_user):
        abort(404)
    runtime = _runtime()
    with runtime.db.read() as session:
        found = session.execute(_in_scope().where(Document.id == document_id)).first()
    if found is None:
        abort(404)
    try:
        row = ensure_rendered(runtime, document_id, documents_dir=documents_root(), attachments_dir=attachments_root())
    except Exception as err:  # a message and the ledger, not a bare 500
        log.exception("rendering patrol notice %s failed", document_id)
        mark_failed(runtime, document_id, err)
        flash(_("文书生成失败，请稍后重试或联系管理员"), "error")
        return redirect(url_for("patrol.ledger"))
    return _pdf_response(stored_pdf(row), row, masked=False)
