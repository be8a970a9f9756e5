"""The Open311 blueprint the route modules add to (kept apart from the package so they can import it)."""
from __future__ import annotations

from flask import Blueprint

from webapp.extensions import csrf

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
# Machine clients authenticate with api_key, not a session cookie.
csrf.exempt(bp)
