"""One case per submitted form: a double click, a form the browser sends again, or two posts of
the same form at once register one case, and the later ones answer with the first one.

Each complaint form (the public portal's and the intake desk's) carries a random one-time token.
The case is stored with a key derived from that token and a random value kept in the signer's
session (``case.submission_key``, unique in the database: engine/models/case.py). Concurrent
posts race on that unique index, not on a read-then-insert, so exactly one wins; the others get
IntegrityError and look the winner up. The key is bound to the session, so a token copied out of
somebody's page, posted from elsewhere, finds nothing of theirs: it only registers a new case.
"""
from __future__ import annotations

import hashlib
import re
import secrets

from flask import session

from engine.cases.intake import submitted_case
from webapp.runtime import current_runtime

FIELD = "submission_token"
_SALT = "submission_salt"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_token() -> str:
    """A token for a form being shown; also fixes the session's salt, so every post of this page
    (even two at once, before any answer arrived) derives the same key."""
    if _SALT not in session:
        session[_SALT] = secrets.token_hex(16)
    return secrets.token_urlsafe(24)


def submission_key(form) -> str | None:
    """The key of the submitted form, or None (no token, a malformed one, or no session): then the
    post is registered as it is, without the double-submit guard."""
    token = form.get(FIELD) or ""
    salt = session.get(_SALT)
    if not salt or not _TOKEN.fullmatch(token):
        return None
    return hashlib.sha256(f"{salt}:{token}".encode()).hexdigest()


def submitted_before(key: str | None):
    """The case this form already registered, or None (a first post, or no key to tell)."""
    if key is None:
        return None
    with current_runtime().db.read() as db:
        return submitted_case(db, key)
