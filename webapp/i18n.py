"""Chinese by default, English on request: the locale of the signed-in user, or the one chosen
with the language switch (kept in the session).

The compiled catalogues (messages.mo) are built by scripts/setup.sh in a checkout and by the
build step in setup.py in a wheel; the app only reads them, so it runs from a read-only install.
"""
from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, g, session
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user

LOCALES = ("zh_CN", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
_HELD = "greenloop_translations"


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "zh_CN"


def _translations():
    """The catalogue of the request's locale. Flask-Babel finds it again for every message a
    template translates (about 10 µs; a page has 20 to 100), so it is kept on ``g`` beside the
    locale it belongs to, and found again only if that changes."""
    if not g:
        return get_translations()
    locale = get_locale()
    held = g.get(_HELD)
    if held is None or held[0] is not locale:
        held = (locale, get_translations())
        setattr(g, _HELD, held)
    return held[1]


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
    # What Flask-Babel installs, with the catalogue looked up once per request (_translations).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(LOCALES=LOCALES, get_locale=get_locale)
    warn_about_missing_catalogs(app, babel)
