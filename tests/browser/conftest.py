"""Browser tests: Playwright drives Debian's Chromium against the real app served on localhost."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext
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


# Runs in every document before the page's own scripts (Playwright injects it outside the page's
# Content-Security-Policy) and reports each violation the browser sees.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 160) : "";
  window.__cspViolation(`${location.pathname}: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` (${e.sourceFile || ""}:${e.lineNumber}) ${e.sample || ""} on ${where}`);
}, true);
"""


def watch_csp(context: BrowserContext, found: list[str]) -> None:
    context.expose_function("__cspViolation", lambda text: found.append(text))
    context.add_init_script(CSP_REPORTER)
    context.on("console", lambda message: found.append(f"console: {message.text}")
               if "Content Security Policy" in message.text else None)


@pytest.fixture(autouse=True)
def csp_violations(monkeypatch):
    """Every browser test fails if a page it opened broke the Content-Security-Policy
    (webapp/security_headers.py): the pages must work without inline script or style."""
    found: list[str] = []
    new_context = Browser.new_context

    def watched(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        watch_csp(context, found)
        return context

    monkeypatch.setattr(Browser, "new_context", watched)
    yield found
    assert found == [], "Content-Security-Policy violations:\n" + "\n".join(found)


def make_app(env):
    """The app the browser tests serve: the test database and injected clock."""
    return create_app(runtime=env.runtime, LOGIN_RATE_LIMIT="1000 per minute")


@contextmanager
def serve(app):
    """`app` on a free localhost port for as long as the block runs."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    stopping = threading.Event()

    def run():
        try:
            server.run()
        except OSError:
            # Closing the listening socket under the poll loop ends it with EBADF: that is the stop.
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.close()
        thread.join(5)
        # close() leaves the worker threads waiting for requests: four more each test otherwise.
        server.task_dispatcher.shutdown()


@pytest.fixture
def live_server(env):
    """The app on a free localhost port, sharing the test database and injected clock."""
    with serve(make_app(env)) as url:
        yield url


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


@pytest.fixture
def phone_page(browser, live_server):
    """A page on a phone-sized screen (PHONE), nobody signed in; closed after the test."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", **PHONE)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


# For a failure message: the elements past the right edge of the screen (a mobile browser's
# innerWidth has grown with them) that no child of theirs reaches beyond, furthest first.
WIDEST = """(screen) => { const right = (el) => Math.round(el.getBoundingClientRect().right);
  return [...document.body.querySelectorAll('*')].map((el) => [right(el), el])
  .filter(([end, el]) => end > screen + 1 && ![...el.children].some((child) => right(child) >= end))
  .sort((a, b) => b[0] - a[0]).slice(0, 5)
  .map(([right, el]) => `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
    + `${el.classList.length ? '.' + [...el.classList].join('.') : ''}> to ${right}px: `
    + JSON.stringify((el.innerText || '').trim().slice(0, 60))); }"""


def no_horizontal_overflow(page, where: str) -> None:
    """The page as the browser paints it is no wider than a phone's screen.

    Measured once the page's stylesheets and fonts are in: script can read the layout of a page
    whose stylesheets are still on their way (the browser paints nothing until they arrive), and
    every page revalidates its static files with the test's own server, which shares the test's
    Python process. On a loaded machine a CI run measured the inbox with no style at all, its
    seven-column table 429px wide (tests/browser/test_overflow_check.py)."""
    page.wait_for_load_state("load")
    wide, inner = page.evaluate("""async () => { await document.fonts.ready;
        return [document.scrollingElement.scrollWidth, window.innerWidth]; }""")
    # A mobile browser widens its layout viewport to fit content that overflows (innerWidth grows
    # with it), so the screen's own width is checked too.
    screen = PHONE["viewport"]["width"]
    if not (wide <= inner + 1 and inner <= screen + 1):
        widest = "\n  ".join(page.evaluate(WIDEST, screen))
        raise AssertionError(f"{where}: page is {wide}px wide on a {screen}px screen; widest:\n  {widest}")


def htmx_ready(locator):
    """The element once htmx has processed it: a control swapped in by htmx does nothing when
    changed before htmx has bound its hx-* attributes (a race a loaded machine loses)."""
    locator.page.wait_for_function("el => !!el['htmx-internal-data']", arg=locator.element_handle())
    return locator
