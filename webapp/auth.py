"""Sign-in and sign-out (Flask-Login, argon2 hashes, sessions kept on the server, rate-limited per
address and backed off per account), and the language switch.

The session cookie holds a session token, not the user id (access.Staff.get_id): the user loader
asks engine/org/login_sessions.py whether the token still signs anyone in, so signing out, a
password reset, deactivation and the administrator's "sign out everywhere" end every copy of the
cookie, and the idle and absolute limits hold on the server's clock.

Session protection is "basic": Flask-Login's "strong" mode applies only to non-permanent sessions
(these are permanent: the cookie expires with the idle limit) and would tie a session to the
client's address, which changes under staff on mobile networks. A copied cookie is dealt with by
ending the session on the server instead.
"""
from __future__ import annotations

import math
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from engine.models import User
from engine.org import login_sessions, login_throttle
from engine.org.passwords import verify_password
from webapp.access import load_staff
from webapp.extensions import limiter, login_manager
from webapp.redirects import safe_next
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("auth", __name__)

# A browser that has signed in to an account keeps a token for it in this cookie, so that its
# attempts count apart from everyone else's for that name (engine/org/login_throttle.py).
KNOWN_BROWSER_COOKIE = "greenloop_known_browser"
KNOWN_BROWSER_DAYS = 90
KNOWN_BROWSER_ACCOUNTS = 5  # a shared office computer remembers a few people


@login_manager.user_loader
def _load(token: str):
    runtime, config = _runtime(), current_app.config
    user_id = login_sessions.resume(runtime, token, idle=config["PERMANENT_SESSION_LIFETIME"],
                                    lifetime=config["SESSION_ABSOLUTE_LIFETIME"])
    if user_id is None:
        return None
    with runtime.db.read() as session_:
        return load_staff(session_, user_id, session_token=token)


# Files that need no one signed in: no session lookup for them.
_ASSET_ENDPOINTS = ("static", "vendor.asset")


@bp.before_app_request
def _resume_session():
    """Find who is signed in before the view runs. The session's bookkeeping commits on its own
    (engine/org/login_sessions.py); were the person first looked up inside the view's write
    transaction, on SQLite the two writes would wait on each other."""
    if "_user_id" in session and request.endpoint not in _ASSET_ENDPOINTS:
        current_user._get_current_object()


login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录")
login_manager.session_protection = "basic"


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("overview.index"))


def check_password(username: str, password: str) -> User | None:
    with _runtime().db.read() as s:
        user = s.scalars(select(User).where(User.username == username, User.active.is_(True))).first()
    return user if verify_password(user.password_hash if user else None, password) else None


def _known_browsers() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="greenloop.known-browser")


def _account_slot(username: str) -> str:
    return login_throttle.account_key(username)[:16]


def _remembered() -> dict[str, str]:
    """This browser's tokens, by account slot (empty if it has none or the cookie is not ours)."""
    raw = request.cookies.get(KNOWN_BROWSER_COOKIE)
    if not raw or len(raw) > 2000:
        return {}
    try:
        found = _known_browsers().loads(raw, max_age=KNOWN_BROWSER_DAYS * 86400)
    except BadSignature:
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def _remember_browser(response, username: str) -> None:
    """A fresh token for this account in this browser (a stolen copy of the old one stops counting)."""
    known = _remembered()
    known.pop(_account_slot(username), None)
    known[_account_slot(username)] = secrets.token_urlsafe(16)
    known = dict(list(known.items())[-KNOWN_BROWSER_ACCOUNTS:])
    response.set_cookie(KNOWN_BROWSER_COOKIE, _known_browsers().dumps(known),
                        max_age=KNOWN_BROWSER_DAYS * 86400, path=url_for("auth.login"), secure=request.is_secure,
                        httponly=True, samesite="Lax")


def _blocked(username: str, wait):
    seconds = max(1, math.ceil(wait.total_seconds()))
    flash(_("登录失败次数过多，请 %(n)s 秒后再试", n=seconds), "error")
    response = current_app.make_response((render_template("login.html", username=username), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if request.method != "POST":
        return render_template("login.html", username="")
    username = (request.form.get("username") or "").strip()[:200]
    password = (request.form.get("password") or "")[:1000]
    runtime = _runtime()
    now = runtime.now()
    # Known user or not, the same keys, checks and writes: the answer and its timing say nothing
    # about whether the name exists.
    browser = _remembered().get(_account_slot(username))
    key = login_throttle.device_key(browser) if browser else login_throttle.account_key(username)
    with runtime.db.read() as s:
        wait = login_throttle.blocked(s, key, now)
    if wait is not None:
        return _blocked(username, wait)
    user = check_password(username, password)
    with transaction() as s:
        if user is None:
            login_throttle.record_failure(s, key, now)
        else:
            login_throttle.clear(s, key)
            token = login_sessions.start_session(s, user.id, now, user_agent=request.user_agent.string,
                                                 address=request.remote_addr)
            staff = load_staff(s, user.id, session_token=token)
    if user is None:
        flash(_("用户名或密码不正确"), "error")
        return render_template("login.html", username=username), 401
    # A new cookie for a new session: nothing from before sign-in carries over (session fixation).
    session.clear()
    session.permanent = True
    login_user(staff)
    response = redirect(_safe_next(request.args.get("next")))
    _remember_browser(response, user.username)
    return response


@bp.post("/logout")
@login_required
def logout():
    with transaction() as s:
        login_sessions.end_session(s, current_user.session_token, _runtime().now())
    logout_user()
    session.clear()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.post("/lang/<code>")
def set_language(code: str):
    from webapp.i18n import LOCALES

    if code in LOCALES:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))
