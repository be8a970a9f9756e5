"""Sending a self-inspection photo with the download headers of webapp/downloads.py (inline, as the
case attachments' photos)."""
from __future__ import annotations

from flask import abort

from engine.cases.attachments import ALLOWED, stored_key
from engine.models.selfcheck import SelfCheckPhoto
from webapp.downloads import send_download
from webapp.files import attachments_root


def send_photo(row: SelfCheckPhoto):
    try:
        key = stored_key(row)
    except ValueError:
        abort(404)
    ext = ALLOWED.get(row.content_type, "bin")
    return send_download(attachments_root(), key, mimetype=row.content_type, name=f"photo-{row.id}.{ext}",
                         fallback=f"photo-{row.id}.{ext}", inline=True)
