"""Browser tests: Playwright drives Debian's Chromium against the real app served on localhost."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from waitress.server import create_server

from tests.conftest import TEST_PASSWORD
from webapp import create_app

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium floods a closed network with refused
# connections (README, browser tests).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh installs it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def live_server(env):
    """The app on a free localhost port, sharing the test database and injected clock."""
    app = create_app(runtime=env.runtime, LOGIN_RATE_LIMIT="1000 per minute")
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


@pytest.fixture
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def sqlite_only(database):
    # Checked before the app, the database and the browser are set up for nothing.
    if database.is_postgres:
        pytest.skip("browser tests run on SQLite only (the engine and web tests cover PostgreSQL)")


@pytest.fixture
def sign_in(browser, live_server):
    """Open a signed-in page for a person: a context of their own (own cookies, as on their own
    computer), desktop-sized unless other context options are given."""
    contexts = []

    def open_page(username: str = "admin", timeout_ms: int = 10_000, **options):
        context = browser.new_context(base_url=live_server, locale="zh-CN", **(options or DESKTOP))
        context.set_default_timeout(timeout_ms)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(TEST_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    yield open_page
    for context in contexts:
        context.close()
