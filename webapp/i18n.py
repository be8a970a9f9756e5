"""Chinese by default, English on request: the locale of the signed-in user, or the one chosen
with the language switch (kept in the session).

The compiled catalogues (messages.mo) are built by scripts/setup.sh in a checkout and by the
build step in setup.py in a wheel; the app only reads them, so it runs from a read-only install.
"""
from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LOCALES = ("zh_CN", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "zh_CN"


def warn_about_missing_catalogs(app: Flask, babel: Babel) -> None:
    """A missing catalogue leaves that language's pages in Chinese (the source language), which
    every user can still work with; so the app starts, and says once how to fix it."""
    with app.app_context():
        available = babel.list_translations()  # the default (source) language always counts
        directories = "; ".join(babel.domain_instance.translation_directories)
    missing = [code for code in LOCALES if Locale.parse(code) not in available]
    if missing:
        app.logger.warning(
            "no compiled translation catalogue (messages.mo) for %s in %s: those pages will show Chinese. "
            "Run scripts/setup.sh to compile them.",
            ", ".join(missing), directories)


def init_app(app: Flask) -> None:
    # One Babel per app: Flask-Babel caches loaded catalogues per Babel instance by locale alone, so
    # a shared instance would serve every app the catalogue of whichever app loaded it first.
    babel = Babel(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.globals.update(LOCALES=LOCALES, get_locale=get_locale)
    warn_about_missing_catalogs(app, babel)
