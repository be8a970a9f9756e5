"""Flask extensions, created once and bound to the app in create_app (Babel: one per app, see i18n.py)."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
# In-memory counters are per process; the embedded deployment runs one web process.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])
