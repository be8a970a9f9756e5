"""The API's blueprints, kept apart from the package so the route modules can import them."""
from __future__ import annotations

from flask import Blueprint

from webapp.api import errors
from webapp.extensions import csrf

bp = Blueprint("api", __name__)
v1 = Blueprint("v1", __name__, url_prefix="/api/v1")
# A bearer token is not sent by browsers on their own, so the API needs no CSRF token.
csrf.exempt(v1)
errors.install(v1)
