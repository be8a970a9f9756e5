"""GET /services and /services/<code>: our categories, each with its optional attributes."""
from __future__ import annotations

from flask import current_app, request, url_for

from engine.public import open311
from webapp.extensions import limiter
from webapp.open311.blueprint import bp
from webapp.open311.errors import found_or_404
from webapp.open311.xml import respond
from webapp.runtime import current_runtime

FORMATS = "any(json, xml)"


def read_limit() -> str:
    return current_app.config.get("OPEN311_READ_RATE_LIMIT", "300 per minute")


@bp.get(f"/discovery.<{FORMATS}:fmt>")
@limiter.limit(read_limit)
def discovery(fmt: str):
    base = request.url_root.rstrip("/") + url_for("open311.discovery", fmt=fmt).rsplit("/", 1)[0] + "/"
    with current_runtime().db.read() as session:
        bureau = open311.agency(session)
    payload = {"changeset": "2026-03-01T00:00:00+08:00", "contact": bureau, "key_service": bureau,
               "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                              "changeset": "2026-03-01T00:00:00+08:00", "type": "production",
                              "formats": ["text/xml", "application/json"]}]}
    return respond(fmt, payload, "discovery")


@bp.get(f"/services.<{FORMATS}:fmt>")
@limiter.limit(read_limit)
def services(fmt: str):
    return respond(fmt, open311.services(), "services", "service")


@bp.get(f"/services/<service_code>.<{FORMATS}:fmt>")
@limiter.limit(read_limit)
def service_definition(service_code: str, fmt: str):
    definition = found_or_404(open311.service_definition, service_code,
                              missing=f"服务代码不存在 (no service {service_code})")
    return respond(fmt, definition, "service_definition")
