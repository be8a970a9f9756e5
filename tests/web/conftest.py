"""Web fixtures: the Flask app on the test database and signed-in clients for each role."""
from __future__ import annotations

import re
import shutil
import sys

import pytest
from babel.messages.frontend import CommandLineInterface
from flask import g, has_request_context, request

from tests.conftest import TEST_PASSWORD
from webapp import create_app
from webapp.i18n import TRANSLATIONS

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture(scope="session")
def translations(tmp_path_factory):
    """The catalogues compiled afresh from the .po files (as scripts/setup.sh does), so the tests
    never read a stale messages.mo left in the checkout."""
    directory = tmp_path_factory.mktemp("translations")
    shutil.copytree(TRANSLATIONS, directory, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mo"))
    failed = CommandLineInterface().run(["pybabel", "-q", "compile", "--use-fuzzy", "-d", str(directory)])
    assert not failed, "the .po files have errors (see the log)"
    return directory


# Entry points that commit apart from the request's one transaction by design
# (docs/architecture.md, transactions): a PDF rendered on first download (a case document's or a
# periodic report's), a token's last use,
# a sign-in session's last activity (at most once a minute) or its end when found idle or too
# old, both checked before the request's own work; instance migration (one transaction per
# moved case).
SEPARATE_UNITS = ("documents/storage.py", "engine/reports/storage.py", "engine/org/api_tokens.py", "engine/org/login_sessions.py",
                  "engine/definitions/migration.py")


@pytest.fixture
def app(env, tmp_path, translations, monkeypatch):
    # Uploaded files go to the test's own folder, never into the repository's instance/.
    app = create_app(runtime=env.runtime, TESTING=True, LOGIN_RATE_LIMIT="1000 per minute",
                     ATTACHMENTS_DIR=str(tmp_path / "attachments"), BABEL_TRANSLATION_DIRECTORIES=str(translations))
    violations = _count_write_transactions(app, env.db, monkeypatch)
    yield app
    assert violations == [], "requests that opened more than one write transaction"


def _count_write_transactions(app, db, monkeypatch) -> list[str]:
    """Every request of every web test keeps the rule: at most one write transaction."""
    violations: list[str] = []
    write = db.write

    def counted():
        if has_request_context():
            caller = sys._getframe(1).f_code.co_filename
            if not caller.endswith(SEPARATE_UNITS):
                g.write_transactions = g.get("write_transactions", 0) + 1
                if g.write_transactions == 2:
                    violations.append(f"{request.method} {request.path}")
        return write()

    monkeypatch.setattr(db, "write", counted)
    return violations


@pytest.fixture
def attachments_dir(app):
    from pathlib import Path

    return Path(app.config["ATTACHMENTS_DIR"])


class Browser:
    """A test client that signs in like a person and posts forms with their CSRF token."""

    def __init__(self, app, username: str | None = None, password: str = TEST_PASSWORD):
        self.client = app.test_client()
        self.username = username
        if username:
            self.login(username, password)

    def login(self, username: str, password: str = TEST_PASSWORD):
        page = self.client.get("/login").get_data(as_text=True)
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": csrf_of(page)})

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, page_url: str | None = None, **kw):
        """POST with the CSRF token taken from ``page_url`` (default: the same URL)."""
        source = self.client.get(page_url or url).get_data(as_text=True)
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_of(source) if CSRF_RE.search(source) else self.any_token())
        return self.client.post(url, data=data, **kw)

    def any_token(self) -> str:
        # "/" takes each role to its own home page (webapp/home/landing.py).
        return csrf_of(self.client.get("/", follow_redirects=True).get_data(as_text=True))


@pytest.fixture
def as_user(app):
    return lambda username=None: Browser(app, username)
