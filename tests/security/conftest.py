"""The security tests use the web tests' fixtures (the app on the test database, signed-in
browsers); tests/conftest.py's env and database fixtures are found by pytest on its own."""
from tests.web.conftest import app, as_user, attachments_dir, translations  # noqa: F401
