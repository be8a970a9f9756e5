"""Build the runtime from settings: the one place that wires database, clock and timezone."""
from __future__ import annotations

from engine.core.clock import Clock, clock_from_env
from engine.core.config import Settings, load_settings
from engine.core.db import Database
from engine.core.runtime import Runtime


def make_runtime(settings: Settings | None = None, clock: Clock | None = None) -> Runtime:
    settings = settings or load_settings()
    if settings.database_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Runtime(Database(settings.database_url), clock or clock_from_env(), settings.timezone)
