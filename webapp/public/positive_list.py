"""The public positive list (正面清单公示): the enterprises listed today with their credit code and
period — nothing else (no contacts, no reasons; engine/enterprises/positive_list.public_list)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template

from engine.enterprises.positive_list import public_list
from webapp.runtime import current_runtime

bp = Blueprint("public_list", __name__, url_prefix="/public")


@bp.get("/positive-list")
def index():
    runtime = current_runtime()
    today = runtime.now().astimezone(ZoneInfo(runtime.timezone)).date()
    with runtime.db.read() as s:
        entries = public_list(s, today, runtime.timezone)
    return render_template("public/positive_list.html", entries=entries, today=today)
