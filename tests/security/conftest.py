"""The web fixtures (tests/web/conftest.py) for the security tests: the app on the test database,
signed-in clients, and the one-write-transaction check on every request."""
from tests.web.conftest import app, as_user, translations  # noqa: F401
