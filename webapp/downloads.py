"""Sending a stored file (an attachment, a case document) back to a browser or an API client.

Every such response is made harmless on the app's own origin, whatever the file holds:

- ``Content-Disposition: attachment`` for everything but the photo types, so a PDF (which may
  carry scripts, forms and links) opens in the person's PDF viewer, not as a page of this site;
- ``X-Content-Type-Options: nosniff``, so the browser keeps the content type detected at upload;
- ``Content-Security-Policy: sandbox; default-src 'none'``, so even a file a browser renders
  itself runs no script, loads nothing and has no access to the site's origin (the rule GitHub's
  raw file host uses; ``style-src 'unsafe-inline'`` lets browsers style their own image viewer);
- ``Cache-Control: private, no-store``: case files are not kept in shared or disk caches.

The file name follows RFC 6266 with RFC 5987: an ASCII ``filename`` for old clients and the real
(UTF-8, percent-encoded) name in ``filename*``. Werkzeug's ``send_file(download_name=…)`` does the
same but derives the ASCII name by dropping every non-ASCII character (a Chinese name becomes
``-2026.pdf``); callers here give a descriptive ASCII name instead.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response, abort, send_file

from engine.storage import FileStore

# Shown in the browser (the case page and the tracking page show them as <img>); anything else
# is offered as a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
DOWNLOAD_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(disposition: str, name: str, fallback: str) -> str:
    """``disposition`` (inline | attachment) with both forms of the file name."""
    ascii_name = _NOT_TOKEN.sub("_", fallback).strip("._") or "download"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def protect(response: Response, *, name: str, fallback: str, inline: bool = False) -> Response:
    """Give a file response the download headers above; ``inline`` only takes effect for photos."""
    disposition = "inline" if inline and response.mimetype in INLINE_TYPES else "attachment"
    response.headers["Content-Disposition"] = content_disposition(disposition, name, fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_download(store: FileStore, key: str, *, mimetype: str, name: str, fallback: str,
                  inline: bool = False) -> Response:
    """A stored file as a download (or, for a photo with ``inline``, to view); 404 if the key is
    bad or holds nothing. From the data folder Flask answers range and conditional requests; from
    an object store the file is streamed through in pieces, never held whole in memory."""
    try:
        path = store.local_path(key)
        if path is not None:
            if not path.is_file():
                abort(404)
            response = send_file(path, mimetype=mimetype, conditional=True, max_age=0)
        else:
            size = store.size(key)
            response = Response(store.chunks(key), mimetype=mimetype, direct_passthrough=True)
            response.content_length = size
    except (ValueError, FileNotFoundError):
        abort(404)
    return protect(response, name=name, fallback=fallback, inline=inline)
