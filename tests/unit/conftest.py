"""Unit tests run without a database: the fixtures in tests/conftest.py that create one are
refused here, so a test that needs one belongs under tests/engine or tests/web."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine.core import spiff_clock
from engine.core.clock import ManualClock, active_clock

HERE = Path(__file__).resolve().parent
DATABASE_FIXTURES = {"database_url", "database", "baseline", "env"}
# Monday 2 March 2026, 10:00 in Shanghai, as in tests/conftest.py.
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def pytest_collection_modifyitems(items):
    for item in items:
        wanted = DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if HERE in item.path.parents and wanted:
            raise pytest.UsageError(f"{item.nodeid} asks for {sorted(wanted)}: unit tests use no database")


@pytest.fixture
def clock():
    """The clock SpiffWorkflow's timers read, stopped at START (as Runtime._run installs it)."""
    spiff_clock.install()
    stopped = ManualClock(START)
    token = active_clock.set(stopped)
    yield stopped
    active_clock.reset(token)
