"""Uploads in, downloads out: the web side of engine.attachments (no blueprint of its own; the
download route lives in cases.py, the upload in intake.py)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import abort, current_app, request, send_file
from flask_babel import gettext as _

from engine.cases.attachments import (
    ALLOWED,
    MAX_FILE_BYTES,
    MAX_FILES_PER_CASE,
    AttachmentRejected,
    stored_file,
)
from engine.models import Attachment

FIELD = "attachments"
# Shown inline in the browser; anything else (HEIC) is offered as a download.
INLINE = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}


def attachments_root() -> Path:
    # Tests (and unusual deployments) may point attachments elsewhere than the data dir.
    return Path(current_app.config.get("ATTACHMENTS_DIR") or current_app.config["GREENLOOP_SETTINGS"].attachments_dir)


def read_uploads(field: str = FIELD) -> list[tuple[str, bytes]]:
    """(filename, bytes) of each file chosen in ``field``; an untouched file input sends none."""
    uploads = []
    for storage in request.files.getlist(field):
        if not storage or not storage.filename:
            continue
        # One byte past the limit is enough to know a file is too big without reading it all.
        uploads.append((storage.filename, storage.stream.read(MAX_FILE_BYTES + 1)))
    return uploads


def rejection_message(err: AttachmentRejected) -> str:
    if err.reason == "size":
        return _("文件“%(name)s”超过 %(mb)s MB，未上传", name=err.filename, mb=MAX_FILE_BYTES // (1024 * 1024))
    if err.reason == "count":
        return _("每件案件最多 %(n)s 个附件", n=MAX_FILES_PER_CASE)
    if err.reason == "empty":
        return _("文件“%(name)s”是空文件", name=err.filename)
    return _("文件“%(name)s”不是允许的类型：只接受 JPEG、PNG、GIF、WebP、HEIC 图片和 PDF（按文件内容识别，不看扩展名）",
             name=err.filename)


def _download_name(row: Attachment) -> str:
    ext = ALLOWED.get(row.content_type, "bin")
    stem = row.filename.rsplit(".", 1)[0] if "." in row.filename else row.filename
    return f"{stem or 'file'}.{ext}"


def send_attachment(row: Attachment):
    try:
        path = stored_file(attachments_root(), row)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=row.content_type, conditional=True, max_age=0)
    name = _download_name(row)
    fallback = f"attachment-{row.id}.{ALLOWED.get(row.content_type, 'bin')}"
    disposition = "inline" if row.content_type in INLINE else "attachment"
    # RFC 6266/5987: an ASCII name for old clients, the real (UTF-8) one for everyone else.
    response.headers["Content-Disposition"] = f"{disposition}; filename=\"{fallback}\"; " \
                                              f"filename*=UTF-8''{quote(name, safe='')}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
