"""Case documents (文书) on the case page: list, download (rendered on first request), issue and
regenerate; and the administrator's document settings page."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from documents import settings as document_settings
from documents.issue import get_document, issue_now, list_documents, regenerate
from documents.mask import masked_pdf
from documents.storage import ensure_rendered, mark_failed, stored_pdf
from engine.cases.masking import gets_masked_copy
from engine.vocabulary.document_kinds import KINDS
from webapp.access import case_scope, roles_required, visible_case
from webapp.downloads import send_download
from webapp.files import attachments_root, documents_root
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("case_documents", __name__)
log = logging.getLogger(__name__)
ISSUERS = ("intake", "lead", "supervisor")


def may_issue() -> bool:
    return current_user.is_authenticated and current_user.has(*ISSUERS)


def gets_masked(row) -> bool:
    return gets_masked_copy(bool(row.identity_shown), current_user.sees_identity)


@bp.app_context_processor
def _case_documents_helpers():
    def case_documents(case_id: int):
        # Only called from the case page, which has already checked the case is visible.
        with _runtime().db.read() as session:
            return list_documents(session, case_id)

    return {"case_documents": case_documents, "document_kinds": KINDS, "may_issue_documents": may_issue,
            "gets_masked_document": gets_masked}


@bp.get("/cases/<int:case_id>/documents/<int:document_id>.pdf")
@login_required
def download(case_id: int, document_id: int):
    runtime = _runtime()
    with runtime.db.read() as session:
        visible_case(session, current_user, case_id)
        row = get_document(session, case_id, document_id)
    if row is None:
        abort(404)
    if gets_masked(row):
        return _send_masked(runtime, case_id, row)
    try:
        row = ensure_rendered(runtime, row.id, documents_dir=documents_root(), attachments_dir=attachments_root())
    except Exception as err:  # the person gets a message and the case page, not a bare 500
        log.exception("rendering document %s failed", row.id)
        mark_failed(runtime, row.id, err)
        flash(_("文书生成失败，请稍后重试或联系管理员"), "error")
        return redirect(url_for("cases.show", case_id=case_id) + "#h-documents")
    response = _pdf_response(stored_pdf(row), row, masked=False)
    response.headers["X-Document-SHA256"] = row.sha256 or ""
    return response


def _send_masked(runtime, case_id: int, row):
    try:
        key = masked_pdf(runtime, row.id, documents_dir=documents_root(), attachments_dir=attachments_root())
    except Exception:  # the official document's status is not this copy's business: no mark_failed
        log.exception("rendering the masked copy of document %s failed", row.id)
        flash(_("文书生成失败，请稍后重试或联系管理员"), "error")
        return redirect(url_for("cases.show", case_id=case_id) + "#h-documents")
    return _pdf_response(key, row, masked=True)


def _pdf_response(key: str, row, *, masked: bool):
    name = f"{KINDS[row.kind]['zh']}-{row.number}" + (f"-v{row.version}" if row.version > 1 else "") \
        + ("-脱敏副本" if masked else "") + ".pdf"
    fallback = f"{row.kind}-{row.id}" + ("-masked" if masked else "") + ".pdf"
    # Always a download (webapp/downloads.py): a PDF shown inline would run in this site's origin.
    response = send_download(documents_root(), key, mimetype="application/pdf", name=name, fallback=fallback)
    response.headers["X-Document-Copy"] = "masked" if masked else "official"
    return response


@bp.post("/cases/<int:case_id>/documents")
@roles_required(*ISSUERS)
def issue(case_id: int):
    kind = request.form.get("kind", "")
    runtime = _runtime()
    with runtime.db.read() as session:
        visible_case(session, current_user, case_id)
    if kind not in KINDS:
        flash(_("请选择要制发的文书"), "error")
    else:
        with transaction() as session:
            row = issue_now(session, runtime, case_id, kind, actor=current_user.username,
                            scope=case_scope(current_user))
        flash(_("已制发《%(title)s》%(number)s", title=KINDS[kind]["zh"], number=row.number), "info")
    return redirect(url_for("cases.show", case_id=case_id) + "#h-documents")


@bp.post("/cases/<int:case_id>/documents/<int:document_id>/regenerate")
@roles_required(*ISSUERS)
def regenerate_document(case_id: int, document_id: int):
    runtime = _runtime()
    with runtime.db.read() as session:
        visible_case(session, current_user, case_id)
        if get_document(session, case_id, document_id) is None:
            abort(404)
    with transaction() as session:
        row = regenerate(session, runtime, case_id, document_id, actor=current_user.username,
                         scope=case_scope(current_user))
    flash(_("已重新生成《%(title)s》%(number)s 第 %(v)s 版", title=KINDS[row.kind]["zh"], number=row.number,
            v=row.version), "info")
    return redirect(url_for("cases.show", case_id=case_id) + "#h-documents")


@bp.route("/admin/documents", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    runtime = _runtime()
    if request.method == "POST":
        bureau = request.form.get("bureau_name", "").strip()
        if len(bureau) > document_settings.BUREAU_MAX:
            flash(_("机关名称不能超过 %(n)s 个字", n=document_settings.BUREAU_MAX), "error")
        else:
            new = document_settings.DocumentSettings(
                show_identity_external=request.form.get("show_identity_external") == "1", bureau_name=bureau)
            with transaction() as session:
                document_settings.save(session, new, actor=current_user.username, now=runtime.now())
            flash(_("文书设置已保存"), "info")
            return redirect(url_for("case_documents.settings"))
    with runtime.db.read() as session:
        current = document_settings.load(session)
        default_bureau = document_settings.bureau_name(session, document_settings.DocumentSettings())
        updated = document_settings.updated(session)
    return render_template("documents_settings.html", settings=current, default_bureau=default_bureau,
                           updated=updated, kinds=KINDS)
