"""/api/v1/cases/<id>/documents: a case's documents and their PDFs (engine/document_issue.py
and engine/document_render.py do the work; a PDF not rendered yet is rendered on download).

A document printed with the complainant's name and phone follows the web's identity rule: a
person's token without identity rights (a handler, a lead) gets its masked copy (脱敏副本,
engine/document_mask.py), listed as ``copy: masked`` without the official file's size, pages and
checksum; a machine client acting for nobody neither sees nor downloads it.
"""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from documents.issue import get_document, list_documents
from documents.mask import masked_pdf
from documents.storage import ensure_rendered, stored_pdf
from engine.cases.masking import gets_masked_copy
from engine.models import Case
from engine.vocabulary.document_kinds import KINDS
from webapp.api.auth import acting_staff, visible_cases
from webapp.api.blueprints import v1
from webapp.api.cases import CASE_ID
from webapp.api.errors import ApiError
from webapp.api.openapi import operation
from webapp.api.schemas.documents import DocumentListSchema
from webapp.downloads import send_download
from webapp.files import attachments_root, documents_root
from webapp.runtime import current_runtime


def _visible_case(session, client, staff, case_id: int) -> Case:
    case = session.scalars(select(Case).where(Case.id == case_id, visible_cases(client, staff))).first()
    if case is None:
        raise ApiError(404)
    return case


def _copy(row, staff) -> str | None:
    """Which file the caller gets: the official one, the masked copy, or (None) nothing."""
    if not gets_masked_copy(bool(row.identity_shown), staff is not None and staff.sees_identity):
        return "official"
    return "masked" if staff is not None else None


def _listed(row, copy: str, case_id: int) -> dict:
    official = copy == "official"
    return {
        "id": row.id, "case_id": row.case_id, "kind": row.kind, "title": KINDS.get(row.kind, {}).get("zh", row.kind),
        "number": row.number, "version": row.version, "status": row.status, "issued_at": row.issued_at,
        "rendered_at": row.rendered_at, "copy": copy, "size": row.size if official else None,
        "pages": row.pages if official else None, "sha256": row.sha256 if official else None,
        "download": url_for("api.v1.download_document", case_id=case_id, document_id=row.id),
    }


@operation(v1, f"/cases/{CASE_ID}/documents", summary="案件文书 (a case's documents)", tag="documents",
           scope="documents:read", response=DocumentListSchema)
def list_case_documents(client, case_id: int):
    staff = acting_staff(client)
    with current_runtime().db.read() as session:
        _visible_case(session, client, staff, case_id)
        rows = [(row, _copy(row, staff)) for row in list_documents(session, case_id)]
    return {"items": [_listed(row, copy, case_id) for row, copy in rows if copy]}


@operation(v1, f"/cases/{CASE_ID}/documents/<int:document_id>/pdf",
           summary="下载文书 PDF (download a document)", tag="documents", scope="documents:read",
           media="application/pdf")
def download_document(client, case_id: int, document_id: int):
    staff = acting_staff(client)
    runtime = current_runtime()
    with runtime.db.read() as session:
        _visible_case(session, client, staff, case_id)
        row = get_document(session, case_id, document_id)
    copy = _copy(row, staff) if row is not None else None
    if copy is None:
        raise ApiError(404)
    name = f"{KINDS.get(row.kind, {}).get('zh', row.kind)}-{row.number}-v{row.version}"
    if copy == "masked":
        key = masked_pdf(runtime, row.id, documents_dir=documents_root(), attachments_dir=attachments_root())
        name += "-脱敏副本"
    else:
        row = ensure_rendered(runtime, row.id, documents_dir=documents_root(), attachments_dir=attachments_root())
        key = stored_pdf(row)
    response = send_download(documents_root(), key, mimetype="application/pdf", name=name + ".pdf",
                             fallback=f"{row.kind}-{row.id}" + ("-masked" if copy == "masked" else "") + ".pdf")
    response.headers["X-Document-Copy"] = copy
    return response
