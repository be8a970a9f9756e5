"""Sending a self-inspection photo with the download headers of webapp/downloads.py (inline, as the
case attachments' photos)."""
from __future__ import annotations

from pathlib import Path

from flask import abort

from engine.cases.attachments import ALLOWED
from engine.models.selfcheck import SelfCheckPhoto
from webapp.cases.attachments import attachments_root
from webapp.downloads import send_download


def send_photo(row: SelfCheckPhoto):
    root = Path(attachments_root()).resolve()
    path = (root / row.stored_path).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    ext = ALLOWED.get(row.content_type, "bin")
    return send_download(path, mimetype=row.content_type, name=f"photo-{row.id}.{ext}",
                         fallback=f"photo-{row.id}.{ext}", inline=True)
