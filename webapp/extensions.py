"""Flask extensions, created once and bound to the app in create_app (Babel: one per app, see i18n.py)."""
from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
# The store comes from the app's RATELIMIT_STORAGE_URI (create_app, from GREENLOOP_RATE_LIMIT_STORAGE):
# memory counts per process, Redis is shared by every web process (docs/deployment.md).
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Looking a case up by its tracking code — the public portal's tracking page and Open311's
# tokens/CODE — is guessing at a secret (engine/public/portal.py): one configuration value, and
# one counter per address shared by every way of doing it, so the ways cannot be added up.
CODE_LOOKUP_LIMIT = "CASE_CODE_LOOKUP_LIMIT"
CODE_LOOKUP_DEFAULT = "30 per minute;300 per hour"


def code_lookup_limit(**kwargs):
    """The decorator for a view that finds a case by its tracking code."""
    return limiter.shared_limit(lambda: current_app.config.get(CODE_LOOKUP_LIMIT, CODE_LOOKUP_DEFAULT),
                                scope="case-code-lookup", **kwargs)
