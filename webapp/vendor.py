"""Browser libraries served from the npm packages installed by scripts/setup.sh (never copied
into the repository)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
# Only these package folders are reachable; everything else in node_modules stays private.
PACKAGES = {"htmx.org": "dist", "bpmn-js": "dist", "dmn-js": "dist", "echarts": "dist", "leaflet": "dist",
            "leaflet.markercluster": "dist"}

bp = Blueprint("vendor", __name__)


@bp.get("/vendor/<package>/<path:filename>")
def asset(package: str, filename: str):
    if package not in PACKAGES:
        abort(404)
    root = NODE_MODULES / package / PACKAGES[package]
    if not root.is_dir():
        abort(404)
    return send_from_directory(root, filename, max_age=86400)
