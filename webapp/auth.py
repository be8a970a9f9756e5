"""Sign-in and sign-out (Flask-Login, argon2 hashes, rate-limited), and the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select

from engine.models import User
from engine.org.passwords import verify_password
from webapp.access import load_staff
from webapp.extensions import limiter, login_manager
from webapp.redirects import safe_next
from webapp.runtime import current_runtime as _runtime

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load(user_id: str):
    with _runtime().db.read() as session_:
        return load_staff(session_, int(user_id))


login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录")
login_manager.session_protection = "strong"


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("overview.index"))


def check_password(username: str, password: str) -> User | None:
    with _runtime().db.read() as s:
        user = s.scalars(select(User).where(User.username == username, User.active.is_(True))).first()
    return user if verify_password(user.password_hash if user else None, password) else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        user = check_password(username, request.form.get("password") or "")
        if user is not None:
            with _runtime().db.read() as s:
                staff = load_staff(s, user.id)
            session.clear()
            session.permanent = True
            login_user(staff)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("用户名或密码不正确"), "error")
        return render_template("login.html", username=username), 401
    return render_template("login.html", username="")


@bp.post("/logout")
@login_required
def logout():
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
