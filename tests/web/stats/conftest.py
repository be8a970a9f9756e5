"""The statistics page's cases (tests/web/stats/cases.py) as a fixture."""
from __future__ import annotations

import pytest

from tests.web.stats.cases import add_stats_cases


@pytest.fixture
def stats_cases(env) -> dict[str, int]:
    return add_stats_cases(env)
