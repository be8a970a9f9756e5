"""Case attachments: check uploads by their content, store them outside the web root, record them,
and remove a wrongly attached one for the record.

The type comes from the file's first bytes, never from its name or the browser's claim, and
the stored name is a random one: an upload called ``x.jpg`` that is really HTML is refused,
and nothing a person names a file can reach the file system.

An image is also measured from its header before it is accepted: a small file can claim billions
of pixels (a decompression bomb), and every later thumbnail of it for the case file would fail or
exhaust memory. Images over MAX_IMAGE_PIXELS or MAX_IMAGE_SIDE, and images whose header (PNG:
every chunk) cannot be read, are refused at upload. Pixel data is not decoded here: WeasyPrint
makes Pillow accept truncated data process-wide (weasyprint/images.py), so a decode would prove
nothing, and documents/storage.py prints what it can of such a photo, or a placeholder.
HEIC, which Pillow cannot read, is measured with pillow-heif; the server never decodes it (it is
offered as a download and listed, not printed, in documents).
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image as PILImage
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.core.db import on_rollback
from engine.core.errors import GreenloopError, NotFound
from engine.core.runtime import Runtime
from engine.models import Attachment, AuditEvent, Case
from engine.storage import FileStore, as_store, check_key

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_CASE = 30
# content type → stored extension
ALLOWED = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
           "application/pdf": "pdf", "image/heic": "heic"}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
# A 40-megapixel phone photo (7728 × 5152) passes; a panorama may be long but not 12,000 px.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 12_000
_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
REMOVAL_REASON_MAX = 500


class AttachmentRejected(Exception):
    """One upload was refused. ``reason``: type | size | count | empty | pixels | damaged, or
    max_files (a task form's file field, engine/cases/evidence.py; ``limit`` is its maximum); the
    web app words it. ``field``: the task-form field the file was chosen in, if any."""

    def __init__(self, filename: str, reason: str):
        self.filename = filename
        self.reason = reason
        self.field: str | None = None
        self.limit: int | None = None
        super().__init__(f"{filename}: {reason}")


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    data: bytes
    content_type: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return ALLOWED[self.content_type]


def detect_type(head: bytes) -> str | None:
    """The content type the first bytes prove, or None for anything not on the allowed list."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return "image/heic"
    return None


def display_name(filename: str | None, fallback: str = "file") -> str:
    """The uploaded name made safe to show and to send back in a header (never used on disk)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".")
    return name[:200] or fallback


def image_too_large(width: int, height: int) -> bool:
    return width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS


def _heic_sizes(data: bytes) -> list[tuple[int, int]]:
    # Pillow cannot read HEIC; pillow-heif reads the container's boxes without decoding a pixel.
    import pillow_heif

    return [image.size for image in pillow_heif.open_heif(io.BytesIO(data))]


def check_image(name: str, data: bytes, content_type: str) -> None:
    """Refuse an image whose header claims too many pixels or cannot be read, decoding no pixel:
    the size comes from the header; a PNG is also verified chunk by chunk (CRCs, truncation)."""
    try:
        if content_type == "image/heic":
            sizes = _heic_sizes(data)
            if not sizes:
                raise ValueError("no image in the HEIF container")
            if any(image_too_large(*size) for size in sizes):
                raise AttachmentRejected(name, "pixels")
            return
        with PILImage.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[content_type]]) as img:
            if image_too_large(*img.size):
                raise AttachmentRejected(name, "pixels")
            if content_type == "image/png":
                img.verify()
    except AttachmentRejected:
        raise
    except PILImage.DecompressionBombError:  # Pillow's own limit (far above ours) tripped first
        raise AttachmentRejected(name, "pixels") from None
    except Exception:  # noqa: BLE001 — image parsers report a malformed file with many exception types
        raise AttachmentRejected(name, "damaged") from None


def check_upload(filename: str | None, data: bytes) -> CheckedFile:
    name = display_name(filename)
    if not data:
        raise AttachmentRejected(name, "empty")
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentRejected(name, "size")
    content_type = detect_type(data[:32])
    if content_type is None:
        raise AttachmentRejected(name, "type")
    if content_type.startswith("image/"):
        check_image(name, data, content_type)
    return CheckedFile(name, data, content_type)


def check_uploads(uploads: list[tuple[str | None, bytes]], existing: int = 0) -> list[CheckedFile]:
    """Check every (filename, bytes) pair; raises AttachmentRejected on the first bad one."""
    checked = [check_upload(name, data) for name, data in uploads]
    if existing + len(checked) > MAX_FILES_PER_CASE:
        raise AttachmentRejected(checked[-1].filename if checked else "", "count")
    return checked


def count_attachments(session: Session, case_id: int | None, *, inspection_id: int | None = None) -> int:
    """Files the case (or the case-less inspection) holds towards its limit; a removed file no longer counts."""
    owner = Attachment.case_id == case_id if case_id is not None else Attachment.inspection_id == inspection_id
    return session.scalar(select(func.count()).select_from(Attachment).where(
        owner, Attachment.removed_at.is_(None))) or 0


def store_attachments(session: Session, runtime: Runtime, case_id: int | None, files: list[CheckedFile], *,
                      root: FileStore | Path, actor: str, visibility: str = "internal", kind: str | None = None,
                      task_id: str | None = None, inspection_id: int | None = None) -> list[Attachment]:
    """Store the files under ``<case_id>/`` of ``root`` (the attachments store, or a folder) and
    record them (and an audit event each) in the caller's transaction; if it rolls back, the files
    stored here are removed again. A random inspection's evidence has no case: ``case_id`` None
    and ``inspection_id`` given, stored under ``inspection-<id>/`` with the same limit."""
    if not files:
        return []
    if (case_id is None) == (inspection_id is None):
        raise ValueError("a file belongs to a case or to an inspection")
    # Counted inside the write transaction so two uploads at once cannot pass the limit together.
    if count_attachments(session, case_id, inspection_id=inspection_id) + len(files) > MAX_FILES_PER_CASE:
        raise AttachmentRejected(files[-1].filename, "count")
    store = as_store(root)
    place = str(case_id) if case_id is not None else f"inspection-{inspection_id}"
    now = runtime.now()
    rows = []
    for item in files:
        relative = f"{place}/{uuid.uuid4().hex}.{item.extension}"
        # Rows rolled back would leave files nobody can reach.
        on_rollback(session, lambda key=relative: store.delete(key))
        store.put(relative, item.data)
        row = Attachment(case_id=case_id, inspection_id=inspection_id, filename=item.filename,
                         content_type=item.content_type,
                         size=item.size, sha256=hashlib.sha256(item.data).hexdigest(),
                         stored_path=relative, visibility=visibility, task_id=task_id,
                         kind=kind or ("document" if item.content_type == "application/pdf" else "photo"),
                         uploaded_by=actor, uploaded_at=now)
        session.add(row)
        session.flush()
        session.add(AuditEvent(case_id=case_id, at=now, actor=actor, kind="attachment_added",
                               task_id=task_id, detail={"attachment_id": row.id, "filename": item.filename,
                                                        "content_type": item.content_type, "size": item.size,
                                                        **({"inspection": inspection_id} if inspection_id else {})}))
        rows.append(row)
    return rows


def list_attachments(session: Session, case_id: int, *, removed: bool = False) -> list[Attachment]:
    """The case's files in upload order: those in use, or (``removed=True``) those removed."""
    state = Attachment.removed_at.is_not(None) if removed else Attachment.removed_at.is_(None)
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case_id, state)
                                .order_by(Attachment.uploaded_at, Attachment.id)))


def removed_attachment_ids(session: Session, case_id: int) -> set[int]:
    return set(session.scalars(select(Attachment.id).where(Attachment.case_id == case_id,
                                                           Attachment.removed_at.is_not(None))))


def get_attachment(session: Session, case_id: int, attachment_id: int, *,
                   include_removed: bool = False) -> Attachment | None:
    """One file of the case; a removed one only when asked (an administrator inspecting it)."""
    query = select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case_id)
    if not include_removed:
        query = query.where(Attachment.removed_at.is_(None))
    return session.scalars(query).first()


class RemovalRefused(GreenloopError):
    """``code``: reason_required | reason_too_long | already_removed (the web app words it)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def remove_attachment(session: Session, runtime: Runtime, case_id: int, attachment_id: int, *, actor: str,
                      reason: str, scope) -> Attachment:
    """Take a wrongly attached file off the case, for the record: the row and the file stay
    (marked removed, with who, when and why, and an audit event), but no page, download, API
    answer or document shows it any more. ``scope`` limits the cases the actor may do this on
    (engine/org/scopes.attachment_removal_scope); outside it the file is "not found"."""
    reason = (reason or "").strip()
    if not reason:
        raise RemovalRefused("reason_required", "请填写移除原因 (a reason is required)")
    if len(reason) > REMOVAL_REASON_MAX:
        raise RemovalRefused("reason_too_long", f"移除原因不能超过 {REMOVAL_REASON_MAX} 字 (reason too long)")
    row = session.scalars(select(Attachment).join(Case, Case.id == Attachment.case_id)
                          .where(Attachment.id == attachment_id, Attachment.case_id == case_id, scope)
                          .with_for_update(of=Attachment)).first()
    if row is None:
        raise NotFound(f"附件 {attachment_id} 不存在 (no such attachment)")
    if row.removed_at is not None:
        raise RemovalRefused("already_removed", "该附件已被移除 (already removed)")
    now = runtime.now()
    row.removed_at, row.removed_by, row.removed_reason = now, actor, reason
    session.add(AuditEvent(case_id=case_id, at=now, actor=actor, kind="attachment_removed",
                           stage=session.get(Case, case_id).stage,
                           detail={"attachment_id": row.id, "filename": row.filename, "reason": reason}))
    session.flush()
    return row


def stored_key(attachment) -> str:
    """The file's key in the attachments store (an attachment, patrol or self-check photo row);
    refuses a stored path that would leave it."""
    try:
        return check_key(attachment.stored_path)
    except ValueError:
        raise ValueError(f"attachment {attachment.id} points outside the attachments folder") from None
