"""The Flask web application (staff and public pages), built by ``create_app``."""
from __future__ import annotations

import importlib
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from engine.bootstrap import make_runtime
from engine.core.config import Settings, load_settings
from engine.core.runtime import Runtime
from engine.core.timefmt import deadline_text

# Each module defines a blueprint ``bp``; the order only matters for the navigation bar.
BLUEPRINTS = ["overview", "auth", "vendor", "work.inbox", "work.tasks", "cases.case_pages", "cases.intake",
              "work.approvals", "work.board", "work.notifications", "cases.documents", "admin.home",
              "admin.diagrams", "admin.forms", "admin.calendar", "admin.people", "public.portal", "open311", "api"]

UPLOAD_LIMIT_MB = 25


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, **config) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        GREENLOOP_SETTINGS=settings,
        # Idle timeout: the session cookie expires 30 minutes after the last request.
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=30),
        SESSION_REFRESH_EACH_REQUEST=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT_MB * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        WTF_CSRF_TIME_LIMIT=None,  # the session timeout already bounds a token's life
        LOGIN_RATE_LIMIT="10 per minute",
    )
    app.config.update(config)
    app.extensions["greenloop_runtime"] = runtime or make_runtime(settings)

    from webapp import i18n
    from webapp.extensions import csrf, limiter, login_manager

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)

    local = ZoneInfo(settings.timezone)
    # Stored in UTC, shown in the bureau's local time.
    app.jinja_env.filters["local"] = lambda when, fmt="%Y-%m-%d %H:%M": when.astimezone(local).strftime(fmt) \
        if when else ""
    app.jinja_env.filters["deadline"] = lambda when: deadline_text(when, local)

    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}").bp)

    from webapp import errors, json_limits, navigation

    json_limits.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    return app
