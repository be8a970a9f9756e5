"""The phone-width check (conftest.no_horizontal_overflow) measures the page the browser paints,
not a page whose stylesheets are still on their way.

A CI run on a loaded machine failed the grid officer's phone test with "page is 429px wide": it
had measured the inbox before app.css and inbox.css had come back from the test's own server, so
the inbox was an unstyled seven-column table. Here the stylesheets are held back on purpose."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_app, no_horizontal_overflow, serve
from tests.conftest import TEST_PASSWORD

STYLE_DELAY_S = 1.5
# A licence number is one unbroken run: unstyled, the table cannot wrap it into a phone's width.
LONG_TITLE = "排污许可证号91350100MA2YQXXXXX001P企业夜间超标排放"


def slow_stylesheets(wsgi_app):
    """The app with every stylesheet answered STYLE_DELAY_S late, as from a busy server."""
    def app(environ, start_response):
        if environ["PATH_INFO"].endswith(".css"):
            time.sleep(STYLE_DELAY_S)
        return wsgi_app(environ, start_response)
    return app


@pytest.fixture
def live_server(env):
    """This module's server: the app with its stylesheets late (sign_in and phone_page use it)."""
    app = make_app(env)
    app.wsgi_app = slow_stylesheets(app.wsgi_app)
    with serve(app) as url:
        yield url


def test_the_width_is_measured_once_the_stylesheets_are_in(sqlite_only, phone_page: Page, env):
    case = env.register(title=LONG_TITLE)
    env.accept_and_assign(case, "enforcement")
    page = phone_page
    page.goto("/login")
    page.get_by_label("用户名").fill("gridofficer")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text("城关镇网格员 陈静")).to_be_visible()

    page.goto("/inbox", wait_until="commit")
    expect(page.get_by_role("row").filter(has_text=case.number)).to_have_count(1)
    # The race the CI run lost, made certain: the rows are there and no stylesheet is yet.
    assert page.evaluate("document.styleSheets.length") == 0
    no_horizontal_overflow(page, "inbox with its stylesheets late")
    assert page.evaluate("[...document.styleSheets].map((sheet) => sheet.href.split('/').pop())") \
        == ["app.css", "inbox.css"]
