"""Security headers on every answer the app gives: staff and public pages, the diagram editors,
Open311 and API JSON, vendor and static files, error pages.

flask-talisman 1.1 sets them (one policy for the whole app, widened for a few views with the
decorators below; it works with Flask 3.1, tests/security/test_headers.py); the
Cross-Origin-Opener- and -Resource-Policy, which it does not know, are added here after it.

- Content-Security-Policy: scripts and styles only from files this app serves (no inline
  script, no inline style, no ``eval``); tests/security/test_headers.py fails on any inline
  script, style attribute or event handler in a template. Pages cannot be framed
  (``frame-ancestors 'none'``, with X-Frame-Options DENY for old browsers), forms post only
  here and ``<base>`` cannot redirect relative links.
- Referrer-Policy ``same-origin``: nothing leaves for other sites, so the public tracking pages,
  whose address holds the tracking code, never hand it to another site. ``no-referrer`` would
  also keep it from this site, and Flask-WTF's CSRF check refuses a form posted over HTTPS
  without a same-origin Referer (WTF_CSRF_SSL_STRICT), so the portal's forms would stop working.
- Permissions-Policy: no camera, microphone, payment or geolocation, except geolocation on the
  public complaint form ("use my location", webapp/static/public.js), on a grid officer's
  patrol pages (the check-in's position, webapp/static/patrol.js) and the grid officer's report
  (webapp/field/grid_report.py).
- Strict-Transport-Security only on answers served over HTTPS (flask-talisman's rule). Nothing
  here redirects to HTTPS or touches the cookie flags: the demo runs on http://127.0.0.1 and
  the session cookie is configured in webapp/__init__.py.
"""
from __future__ import annotations

from flask import Flask, g
from flask_talisman import DENY, Talisman

SELF = "'self'"
NONE = "'none'"

CSP = {
    "default-src": SELF,
    "script-src": SELF,
    "style-src": SELF,
    "img-src": SELF,
    "font-src": SELF,
    "connect-src": SELF,
    "object-src": NONE,
    "base-uri": NONE,
    "form-action": SELF,
    "frame-ancestors": NONE,
}

# The editors (webapp/templates/admin/diagrams_editor.html) need a little more, and only they get it;
# scripts stay strict everywhere. Found with tests/browser/test_csp.py: bpmn-js and dmn-js load their
# icon fonts as data: URLs from their stylesheets, and dmn-js's decision table sets style attributes
# and its cell editor (CodeMirror) adds <style> elements whose text depends on what is open, so no
# hash or nonce can name them. Inline style cannot run code; what it could leak through url() is
# still held to this site by img-src and font-src.
DIAGRAM_EDITOR_CSP = {**CSP, "font-src": f"{SELF} data:"}
DECISION_EDITOR_CSP = {**DIAGRAM_EDITOR_CSP, "style-src": f"{SELF} 'unsafe-inline'"}

PERMISSIONS = {
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
    "browsing-topics": "()",
}
LOCATING_PERMISSIONS = {**PERMISSIONS, "geolocation": "(self)"}

talisman = Talisman()

# Per-view policies (flask-talisman reads them from the view function).
diagram_editor_page = talisman(content_security_policy=DIAGRAM_EDITOR_CSP)
decision_editor_page = talisman(content_security_policy=DECISION_EDITOR_CSP)
locating_page = talisman(permissions_policy=LOCATING_PERMISSIONS)


def init_app(app: Flask) -> None:
    # A response that brings its own policy (a file download's sandbox, webapp/downloads.py) keeps
    # it: talisman overwrites the header, so it is noted before talisman runs and put back after.
    # Flask runs after_request hooks in the reverse order of registration.
    @app.after_request
    def _restore_own_policy(response):
        own = g.pop("own_content_security_policy", None)
        if own is not None:
            response.headers["Content-Security-Policy"] = own
        return response

    talisman.init_app(
        app,
        content_security_policy=CSP,
        frame_options=DENY,
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS,
        x_content_type_options=True,
        strict_transport_security=True,
        # Never redirect to HTTPS: the demo and the tests run on plain http://127.0.0.1.
        force_https=False,
        # The cookie flags stay as webapp/__init__.py sets them (talisman would overwrite them).
        session_cookie_secure=False,
        session_cookie_http_only=app.config.get("SESSION_COOKIE_HTTPONLY", True),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
    )

    @app.after_request
    def _note_own_policy(response):
        if "Content-Security-Policy" in response.headers:
            g.own_content_security_policy = response.headers["Content-Security-Policy"]
        return response

    @app.after_request
    def _isolation(response):
        # A page opened from another site gets no window handle to it, and other sites cannot
        # embed this app's files (attachments, scripts) in their pages.
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
