import pytest

from webapp.selfcheck.enterprise import LIMIT_KEY


@pytest.fixture(autouse=True)
def _limits(app):
    # The link's per-address limit is tests/security/test_selfcheck.py's subject, not these tests'.
    app.config[LIMIT_KEY] = "1000 per minute"
