"""The Flask web application (staff and public pages), built by ``create_app``."""
from __future__ import annotations

from flask import Flask

from engine.bootstrap import make_runtime
from engine.config import Settings, load_settings
from engine.runtime import Runtime


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["GREENLOOP_SETTINGS"] = settings
    app.extensions["greenloop_runtime"] = runtime or make_runtime(settings)

    from zoneinfo import ZoneInfo

    from .overview import bp as overview_bp

    local = ZoneInfo(settings.timezone)
    # Stored in UTC, shown in the bureau's local time.
    app.jinja_env.filters["local"] = lambda when, fmt="%Y-%m-%d %H:%M": when.astimezone(local).strftime(fmt) \
        if when else ""

    app.register_blueprint(overview_bp)
    return app


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["greenloop_runtime"]
