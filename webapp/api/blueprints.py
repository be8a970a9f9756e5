"""The API's blueprints, kept apart from the package so the route modules can import them."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from webapp.api import errors
from webapp.extensions import csrf
from webapp.json_limits import API_BODY_BYTES

bp = Blueprint("api", __name__)
v1 = Blueprint("v1", __name__, url_prefix="/api/v1")
# A bearer token is not sent by browsers on their own, so the API needs no CSRF token.
csrf.exempt(v1)
errors.install(v1)


@v1.before_request
def _body_limit():
    # The app's 25 MB is for the staff pages' uploads; no API body comes near 1 MB.
    limits = (current_app.config.get("MAX_CONTENT_LENGTH"), current_app.config.get("API_MAX_BODY_BYTES", API_BODY_BYTES))
    request.max_content_length = min(limit for limit in limits if limit)
