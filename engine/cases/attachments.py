"""Case attachments: check uploads by their content, store them outside the web root, record them.

The type comes from the file's first bytes, never from its name or the browser's claim, and
the stored name is a random one: an upload called ``x.jpg`` that is really HTML is refused,
and nothing a person names a file can reach the file system.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.core.db import on_rollback
from engine.core.runtime import Runtime
from engine.models import Attachment, AuditEvent

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_CASE = 30
# content type → stored extension
ALLOWED = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
           "application/pdf": "pdf", "image/heic": "heic"}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


class AttachmentRejected(Exception):
    """One upload was refused. ``reason``: type | size | count | empty (the web app words it)."""

    def __init__(self, filename: str, reason: str):
        self.filename = filename
        self.reason = reason
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


def check_upload(filename: str | None, data: bytes) -> CheckedFile:
    name = display_name(filename)
    if not data:
        raise AttachmentRejected(name, "empty")
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentRejected(name, "size")
    content_type = detect_type(data[:32])
    if content_type is None:
        raise AttachmentRejected(name, "type")
    return CheckedFile(name, data, content_type)


def check_uploads(uploads: list[tuple[str | None, bytes]], existing: int = 0) -> list[CheckedFile]:
    """Check every (filename, bytes) pair; raises AttachmentRejected on the first bad one."""
    checked = [check_upload(name, data) for name, data in uploads]
    if existing + len(checked) > MAX_FILES_PER_CASE:
        raise AttachmentRejected(checked[-1].filename if checked else "", "count")
    return checked


def count_attachments(session: Session, case_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Attachment).where(Attachment.case_id == case_id)) or 0


def store_attachments(session: Session, runtime: Runtime, case_id: int, files: list[CheckedFile], *, root: Path,
                      actor: str, visibility: str = "internal", kind: str | None = None,
                      task_id: str | None = None) -> list[Attachment]:
    """Write the files under ``root/<case_id>/`` and record them (and an audit event each) in the
    caller's transaction; if it rolls back, the files written here are removed again."""
    if not files:
        return []
    # Counted inside the write transaction so two uploads at once cannot pass the limit together.
    if count_attachments(session, case_id) + len(files) > MAX_FILES_PER_CASE:
        raise AttachmentRejected(files[-1].filename, "count")
    folder = Path(root) / str(case_id)
    folder.mkdir(parents=True, exist_ok=True)
    now = runtime.now()
    rows = []
    for item in files:
        relative = f"{case_id}/{uuid.uuid4().hex}.{item.extension}"
        target = Path(root) / relative
        # Rows rolled back would leave files nobody can reach.
        on_rollback(session, lambda path=target: path.unlink(missing_ok=True))
        target.write_bytes(item.data)
        row = Attachment(case_id=case_id, filename=item.filename, content_type=item.content_type,
                         size=item.size, sha256=hashlib.sha256(item.data).hexdigest(),
                         stored_path=relative, visibility=visibility, task_id=task_id,
                         kind=kind or ("document" if item.content_type == "application/pdf" else "photo"),
                         uploaded_by=actor, uploaded_at=now)
        session.add(row)
        session.flush()
        session.add(AuditEvent(case_id=case_id, at=now, actor=actor, kind="attachment_added",
                               task_id=task_id, detail={"attachment_id": row.id, "filename": item.filename,
                                                        "content_type": item.content_type, "size": item.size}))
        rows.append(row)
    return rows


def list_attachments(session: Session, case_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case_id)
                                .order_by(Attachment.uploaded_at, Attachment.id)))


def get_attachment(session: Session, case_id: int, attachment_id: int) -> Attachment | None:
    return session.scalars(select(Attachment).where(Attachment.id == attachment_id,
                                                    Attachment.case_id == case_id)).first()


def stored_file(root: Path, attachment: Attachment) -> Path:
    """Where the file lives; refuses a stored path that would leave the attachments folder."""
    base = Path(root).resolve()
    path = (base / attachment.stored_path).resolve()
    if not path.is_relative_to(base):
        raise ValueError(f"attachment {attachment.id} points outside the attachments folder")
    return path
