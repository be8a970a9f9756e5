"""The REST API for machine clients and integrations (/api/v1, token auth, OpenAPI document at
/api/v1/openapi.json) and the administrators' token page (/admin/api-tokens).

``bp`` holds both as nested blueprints: the API is exempt from CSRF (a bearer token is not sent
by browsers on their own), the admin page is a normal signed-in form page and keeps CSRF.
"""
from __future__ import annotations

from flask import jsonify

from webapp.api import admin, cases, documents, errors, ledger, openapi, stats, tasks  # noqa: F401  (routes register on import)
from webapp.api.blueprints import bp, v1


@v1.get("/openapi.json")
def openapi_json():
    return jsonify(openapi.spec_document())


@v1.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest: str):
    # Without this, an unknown /api/v1 path would get the app's 404 in another shape.
    return errors.error_response(404)


bp.register_blueprint(v1)
bp.register_blueprint(admin.bp)
