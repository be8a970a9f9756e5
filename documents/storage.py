"""Turning issued documents (snapshots) into stored PDFs, outside any engine step.

A document is rendered on its first download, or earlier by the job loop (engine/jobs/worker.py),
which claims the pending ones newest first (engine/core/backlog.py). The result is stored under
``<case id>/`` of the documents store (engine/storage) and its checksum recorded on the row. A
rendered version is never rendered again: if two processes race (a download and the job loop),
the first one stored wins and the other's file is discarded. The document's number was given when
it was issued, so rendering twice never numbers twice.
"""
from __future__ import annotations

import hashlib
import io
import logging
import uuid
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.render import Image, render_pdf
from engine.cases.attachments import image_too_large, list_attachments, removed_attachment_ids, stored_key
from engine.core.backlog import render_pending
from engine.core.config import load_settings
from engine.core.errors import NotFound
from engine.core.runtime import Runtime
from engine.models.documents import Document
from engine.storage import ATTACHMENTS, DOCUMENTS, FileStore, as_store, check_key, store_for

log = logging.getLogger(__name__)
# Photos are printed about 76 mm wide: 900 px is ample, and keeps a 30-photo file small and fast.
THUMB_PX = 900
BACKLOG_BATCH = 5


def _thumbnail(photos: FileStore, key: str, cache: FileStore, sha256: str) -> Image | None:
    """A small JPEG of the photo, or None if it cannot be read (the document then prints a
    placeholder in its place). Thumbnails are kept in the documents store's ``thumbs/``."""
    target = f"thumbs/{sha256}.jpg"
    if cache.exists(target):
        return Image(cache.read(target), "image/jpeg")
    from PIL import Image as PILImage  # Pillow comes with WeasyPrint

    try:
        with PILImage.open(io.BytesIO(photos.read(key))) as img:
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
        log.warning("photo %s could not be read: %s: %s", key, type(err).__name__, err)
        return None
    cache.put(target, out.getvalue())
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


def case_images(session, case_id: int, attachments_dir: FileStore | Path,
                documents_dir: FileStore | Path) -> dict[int, Image]:
    """The case's own photos (not the removed ones), downscaled: the only images a document may
    show. A photo that cannot be read is left out; the document prints a placeholder for it."""
    photos, cache = as_store(attachments_dir), as_store(documents_dir)
    images = {}
    for att in list_attachments(session, case_id):
        if not att.content_type.startswith("image/") or att.content_type == "image/heic":
            continue
        try:
            key = stored_key(att)
        except ValueError:
            continue
        if photos.exists(key):
            image = _thumbnail(photos, key, cache, att.sha256)
            if image is not None:
                images[att.id] = image
    return images


def stored_pdf(row: Document) -> str:
    """The PDF's key in the documents store; refuses a stored path that would leave it."""
    try:
        return check_key(row.stored_path or "")
    except ValueError:
        raise ValueError(f"document {row.id} points outside the documents folder") from None


def _is_stored(store: FileStore, row: Document) -> bool:
    return row.status == "rendered" and bool(row.stored_path) and store.exists(stored_pdf(row))


def ensure_rendered(runtime: Runtime, document_id: int, *, documents_dir: FileStore | Path,
                    attachments_dir: FileStore | Path, claimed: Session | None = None) -> Document:
    """The document with its PDF stored (rendering it now if nobody has yet). ``claimed``: the
    job loop's transaction holding the row's lock, which reads and stores it; otherwise the read
    and the store are transactions of their own, and the render runs outside any."""
    store = as_store(documents_dir)
    with nullcontext(claimed) if claimed is not None else runtime.db.read() as session:
        row = session.get(Document, document_id)
        if row is None:
            raise NotFound(f"文书 {document_id} 不存在 (no such document)")
        if _is_stored(store, row):
            return row
        context = without_removed(session, row.case_id, row.context)
        images = case_images(session, row.case_id, attachments_dir, store) \
            if context.get("photos") else {}
    rendered = render_pdf(context, images)
    if rendered.refused:
        log.warning("document %s: refused to fetch %s", document_id, rendered.refused)
    # A patrol's notice (no case: documents/patrol_notice.py) is kept beside the cases' folders.
    owner = str(row.case_id) if row.case_id is not None else f"patrol-{row.patrol_id}"
    relative = f"{owner}/{row.kind}-v{row.version}-{uuid.uuid4().hex}.pdf"
    store.put(relative, rendered.pdf)
    with nullcontext(claimed) if claimed is not None else runtime.db.write() as session:
        row = session.scalars(select(Document).where(Document.id == document_id).with_for_update()).one()
        if _is_stored(store, row):
            store.delete(relative)  # another process stored it first; versions never change
            return row
        row.stored_path = relative
        row.size = len(rendered.pdf)
        row.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
        row.pages = rendered.pages
        row.status = "rendered"
        row.rendered_at = runtime.now()
        row.error = None
        return row


def render_backlog(runtime: Runtime, limit: int = BACKLOG_BATCH, *,
                   documents_dir: FileStore | Path | None = None,
                   attachments_dir: FileStore | Path | None = None) -> int:
    """Render up to ``limit`` pending documents, newest first; returns how many were rendered.

    Never raises: the job loop calls it every round, and one document must not stop the others."""
    store = store_for(load_settings()) if documents_dir is None or attachments_dir is None else None
    documents_dir = documents_dir or store.child(DOCUMENTS)
    attachments_dir = attachments_dir or store.child(ATTACHMENTS)
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
