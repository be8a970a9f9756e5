"""Uploads in, downloads out: the web side of engine.attachments (no blueprint of its own; the
download route lives in cases.py, the upload in intake.py)."""
from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

from engine.cases.attachments import (
    ALLOWED,
    MAX_FILE_BYTES,
    MAX_FILES_PER_CASE,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    AttachmentRejected,
    stored_key,
)
from engine.models import Attachment
from webapp.downloads import send_download
from webapp.files import attachments_root

FIELD = "attachments"


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
    if err.reason == "max_files":
        return _("此处最多 %(n)s 个文件", n=err.limit)
    if err.reason == "empty":
        return _("文件“%(name)s”是空文件", name=err.filename)
    if err.reason == "pixels":
        return _("图片“%(name)s”尺寸过大，未上传：每边不超过 %(side)s 像素、总计不超过 %(mp)s 百万像素，请缩小后再上传",
                 name=err.filename, side=MAX_IMAGE_SIDE, mp=MAX_IMAGE_PIXELS // 1_000_000)
    if err.reason == "damaged":
        return _("图片“%(name)s”已损坏或不完整，无法读取，未上传", name=err.filename)
    return _("文件“%(name)s”不是允许的类型：只接受 JPEG、PNG、GIF、WebP、HEIC 图片和 PDF（按文件内容识别，不看扩展名）",
             name=err.filename)


def _download_name(row: Attachment) -> str:
    ext = ALLOWED.get(row.content_type, "bin")
    stem = row.filename.rsplit(".", 1)[0] if "." in row.filename else row.filename
    return f"{stem or 'file'}.{ext}"


def send_attachment(row: Attachment):
    """The file, with webapp/downloads.py's headers: photos may show inline, a PDF or HEIC is a
    download."""
    try:
        key = stored_key(row)
    except ValueError:
        abort(404)
    return send_download(attachments_root(), key, mimetype=row.content_type, name=_download_name(row),
                         fallback=f"attachment-{row.id}.{ALLOWED.get(row.content_type, 'bin')}", inline=True)
