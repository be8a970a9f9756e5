"""The ledger's web tests: the engine tests' small ledger, the export folder in the test's own
directory, and the clock in mid-March (the page's default period is the current month)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.engine.ledger.conftest import ledger_cases  # noqa: F401

MID_MARCH = datetime(2026, 3, 16, 2, tzinfo=timezone.utc)


@pytest.fixture
def ledger_app(app, env, ledger_cases, tmp_path):  # noqa: F811
    app.config["LEDGER_DIR"] = str(tmp_path / "ledger")
    env.clock.set(MID_MARCH)
    return app
