"""The Flask web application (staff and public pages), built by ``create_app``."""
from __future__ import annotations

import importlib
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from engine.bootstrap import make_runtime
from engine.core.config import Settings, load_settings
from engine.core.runtime import Runtime
from engine.core.secret_key import session_secret
from engine.core.timefmt import deadline_text

# Each module defines a blueprint ``bp``; the order only matters for the navigation bar.
BLUEPRINTS = ["overview", "auth", "vendor", "home.dashboard", "work.inbox", "work.tasks", "cases.case_pages", "cases.intake",
              "work.approvals", "work.board", "stats.page", "map.views", "ledger.pages", "leadership.pages", "patrol.pages", "patrol.notices", "patrol.point_import", "enforcement.pages", "work.notifications",
              "cases.documents", "reports.pages", "admin.home", "admin.diagrams", "admin.forms", "admin.calendar",
              "admin.people", "admin.sms", "admin.map", "admin.report_schedule", "public.portal", "open311", "api",
              "field.grid_report", "enterprises.pages", "public.positive_list", "selfcheck.pages",
              "selfcheck.enterprise", "inspections.pages", "public.inspections"]

UPLOAD_LIMIT_MB = 25


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, **config) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        # Never a key anyone else knows (engine/core/secret_key.py): GREENLOOP_SECRET_KEY checked,
        # or the installation's own random key in the data folder.
        SECRET_KEY=config.get("SECRET_KEY") or session_secret(settings),
        GREENLOOP_SETTINGS=settings,
        # Idle timeout: a session ends 30 minutes after its last request, on the server
        # (engine/org/login_sessions.py) and in the browser (the cookie expires).
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=30),
        # However active, a session ends this long after sign-in.
        SESSION_ABSOLUTE_LIFETIME=timedelta(hours=12),
        SESSION_REFRESH_EACH_REQUEST=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The session cookie is Secure whenever the request is HTTPS (webapp/https.py). No
        # remember-me cookie is ever set (sign-in never asks for one); should one be, it never
        # travels over plain HTTP.
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT_MB * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        WTF_CSRF_TIME_LIMIT=None,  # the session timeout already bounds a token's life
        LOGIN_RATE_LIMIT="10 per minute",
        RATELIMIT_STORAGE_URI=settings.rate_limit_storage,
    )
    app.config.update(config)
    app.extensions["greenloop_runtime"] = runtime or make_runtime(settings)

    from webapp import files, https, i18n, input_hygiene, rate_limit_store, security_headers

    files.init_app(app)
    from webapp.extensions import csrf, limiter, login_manager

    https.init_app(app, settings.trusted_proxies)
    input_hygiene.init_app(app)
    security_headers.init_app(app)
    csrf.init_app(app)
    rate_limit_store.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)

    local = ZoneInfo(settings.timezone)
    # Stored in UTC, shown in the bureau's local time.
    app.jinja_env.filters["local"] = lambda when, fmt="%Y-%m-%d %H:%M": when.astimezone(local).strftime(fmt) \
        if when else ""
    app.jinja_env.filters["deadline"] = lambda when: deadline_text(when, local)
    from webapp import labels, village_options

    labels.init_app(app)
    village_options.init_app(app)

    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}").bp)

    from webapp import errors, json_limits, navigation

    json_limits.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    return app
