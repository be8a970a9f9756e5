"""Build the runtime from settings: the one place that wires database, clock and timezone."""
from __future__ import annotations

from .clock import Clock, clock_from_env
from .config import Settings, load_settings
from .db import Database
from .runtime import Runtime


def make_runtime(settings: Settings | None = None, clock: Clock | None = None) -> Runtime:
    settings = settings or load_settings()
    if settings.database_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Runtime(Database(settings.database_url), clock or clock_from_env(), settings.timezone)
