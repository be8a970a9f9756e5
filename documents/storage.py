"""Turning issued documents (snapshots) into stored PDFs, outside any engine step.

A document is rendered on its first download, or earlier by the job loop (engine/jobs/worker.py),
which claims the pending ones newest first (engine/core/backlog.py). The result is stored under
``<documents dir>/<case id>/`` and its checksum recorded on the row. A rendered version is never
rendered again: if two processes race (a download and the job loop), the first one stored wins
and the other's file is discarded. The document's number was given when it was issued, so
rendering twice never numbers twice.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import uuid
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.render import Image, render_pdf
from engine.cases.attachments import image_too_large, list_attachments, removed_attachment_ids, stored_file
from engine.core.backlog import render_pending
from engine.core.config import load_settings
from engine.core.errors import NotFound
from engine.core.runtime import Runtime
from engine.models.documents import Document

log = logging.getLogger(__name__)
# Photos are printed about 76 mm wide: 900 px is ample, and keeps a 30-photo file small and fast.
THUMB_PX = 900
BACKLOG_BATCH = 5


def _thumbnail(source: Path, cache: Path, sha256: str, content_type: str) -> Image | None:
    """A small JPEG of the photo, or None if it cannot be read (the document then prints a
    placeholder in its place)."""
    target = cache / f"{sha256}.jpg"
    if target.is_file():
        return Image(target.read_bytes(), "image/jpeg")
    from PIL import Image as PILImage  # Pillow comes with WeasyPrint

    try:
        with PILImage.open(source) as img:
            # Uploads over the limit are refused (engine/cases/attachments.py), but a file stored
            # before that check, or put there by other means, must not be decoded at full size.
            if image_too_large(*img.size):
                raise ValueError(f"{img.size[0]}×{img.size[1]} pixels is over the limit")
            img.draft("RGB", (THUMB_PX, THUMB_PX))  # JPEG: decode at reduced size, much faster
            img.thumbnail((THUMB_PX, THUMB_PX))
            out = io.BytesIO()
            img.convert("RGB").save(out, "JPEG", quality=80)
    except Exception as err:  # noqa: BLE001 — a damaged photo (truncated, a decompression bomb, any
        # exception of an image parser) must not stop the case file
        log.warning("photo %s could not be read: %s: %s", source.name, type(err).__name__, err)
        return None
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{uuid.uuid4().hex}.tmp"
    tmp.write_bytes(out.getvalue())
    os.replace(tmp, target)
    return Image(out.getvalue(), "image/jpeg")


def without_removed(session, case_id: int, context: dict) -> dict:
    """The snapshot less the files removed from the case since it was taken: a removed file is
    printed in no document rendered after its removal."""
    removed = removed_attachment_ids(session, case_id) if context.get("photos") or context.get("attachments") \
        else set()
    if not removed:
        return context
    context = dict(context)
    for key in ("photos", "attachments"):
        if key in context:
            context[key] = [item for item in context[key] if item.get("id") not in removed]
    return context


def case_images(session, case_id: int, attachments_dir: Path, documents_dir: Path) -> dict[int, Image]:
    """The case's own photos (not the removed ones), downscaled: the only images a document may
    show. A photo that cannot be read is left out; the document prints a placeholder for it."""
    images = {}
    for att in list_attachments(session, case_id):
        if not att.content_type.startswith("image/") or att.content_type == "image/heic":
            continue
        try:
            path = stored_file(attachments_dir, att)
        except ValueError:
            continue
        if path.is_file():
            image = _thumbnail(path, Path(documents_dir) / "thumbs", att.sha256, att.content_type)
            if image is not None:
                images[att.id] = image
    return images


def stored_pdf(documents_dir: Path, row: Document) -> Path:
    base = Path(documents_dir).resolve()
    path = (base / (row.stored_path or "")).resolve()
    if not row.stored_path or not path.is_relative_to(base):
        raise ValueError(f"document {row.id} points outside the documents folder")
    return path


def ensure_rendered(runtime: Runtime, document_id: int, *, documents_dir: Path, attachments_dir: Path,
                    claimed: Session | None = None) -> Document:
    """The document with its PDF stored (rendering it now if nobody has yet). ``claimed``: the
    job loop's transaction holding the row's lock, which reads and stores it; otherwise the read
    and the store are transactions of their own, and the render runs outside any."""
    with nullcontext(claimed) if claimed is not None else runtime.db.read() as session:
        row = session.get(Document, document_id)
        if row is None:
            raise NotFound(f"文书 {document_id} 不存在 (no such document)")
        if row.status == "rendered" and stored_pdf(documents_dir, row).is_file():
            return row
        context = without_removed(session, row.case_id, row.context)
        images = case_images(session, row.case_id, attachments_dir, documents_dir) \
            if context.get("photos") else {}
    rendered = render_pdf(context, images)
    if rendered.refused:
        log.warning("document %s: refused to fetch %s", document_id, rendered.refused)
    # A patrol's notice (no case: documents/patrol_notice.py) is kept beside the cases' folders.
    owner = str(row.case_id) if row.case_id is not None else f"patrol-{row.patrol_id}"
    folder = Path(documents_dir) / owner
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{owner}/{row.kind}-v{row.version}-{uuid.uuid4().hex}.pdf"
    target = Path(documents_dir) / relative
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(rendered.pdf)
    os.replace(tmp, target)
    with nullcontext(claimed) if claimed is not None else runtime.db.write() as session:
        row = session.scalars(select(Document).where(Document.id == document_id).with_for_update()).one()
        if row.status == "rendered" and row.stored_path and stored_pdf(documents_dir, row).is_file():
            target.unlink(missing_ok=True)  # another process stored it first; versions never change
            return row
        row.stored_path = relative
        row.size = len(rendered.pdf)
        row.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
        row.pages = rendered.pages
        row.status = "rendered"
        row.rendered_at = runtime.now()
        row.error = None
        return row


def render_backlog(runtime: Runtime, limit: int = BACKLOG_BATCH, *, documents_dir: Path | None = None,
                   attachments_dir: Path | None = None) -> int:
    """Render up to ``limit`` pending documents, newest first; returns how many were rendered.

    Never raises: the job loop calls it every round, and one document must not stop the others."""
    settings = load_settings() if documents_dir is None or attachments_dir is None else None
    documents_dir = documents_dir or settings.documents_dir
    attachments_dir = attachments_dir or settings.attachments_dir
    return render_pending(
        runtime, Document, (Document.issued_at.desc(), Document.id.desc()), limit,
        lambda document_id, claimed: ensure_rendered(runtime, document_id, documents_dir=documents_dir,
                                                     attachments_dir=attachments_dir, claimed=claimed),
        lambda document_id, err, claimed: mark_failed(runtime, document_id, err, claimed), "document")


def mark_failed(runtime: Runtime, document_id: int, err: Exception, claimed: Session | None = None) -> None:
    """Record why a pending document could not be rendered (the case page shows it)."""
    with nullcontext(claimed) if claimed is not None else runtime.db.write() as session:
        row = session.get(Document, document_id)
        if row is not None:
            row.mark_failed(err)
