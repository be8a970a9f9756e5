"""HTTPS as the browser sees it: the Secure cookie flag, and believing a reverse proxy.

Behind a reverse proxy that ends TLS, the app itself is reached over plain HTTP; only the proxy's
X-Forwarded-Proto says the browser used HTTPS, X-Forwarded-For who the browser is and
X-Forwarded-Host (when the proxy does not pass Host on) which site it asked for. Anyone can
send those headers, so they are believed only for as many proxies as the operator declares
(GREENLOOP_TRUSTED_PROXIES, werkzeug's ProxyFix); with none declared they are ignored. The
address then decides the per-address sign-in limit and what the administrator's list of
sessions shows; the scheme decides the Secure flag.
"""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the Secure flag on whenever the request came over HTTPS
    (SESSION_COOKIE_SECURE still forces it on everywhere)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_app(app: Flask, trusted_proxies: int) -> None:
    app.session_interface = SessionInterface()
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies,
                                x_host=trusted_proxies)
