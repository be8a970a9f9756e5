"""Security tests attack the web app like the web tests do: the same app and signed-in clients."""
from tests.web.conftest import app, as_user, attachments_dir, translations  # noqa: F401 — fixtures
