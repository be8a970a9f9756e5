"""The supervisors' map in Chromium, on a desktop and on a 390 px phone: boundaries drawn without
tiles, markers and clusters, a popup whose link opens the case, text never run as markup, the
list of cases in view worked with the keyboard, and no console or CSP error."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from engine.geo import boundaries
from engine.models import Case
from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.conftest import START

# Would run if a title were ever put in as HTML.
TRAP = '<img src="/x" onerror="window.__mapXss = 1">河道排污'


@pytest.fixture
def map_cases(sqlite_only, env):
    """Generated boundaries; three cases a hundred metres apart (a cluster when zoomed out), one
    of them red with markup in its title, and a yellow one placed by its work area in T02."""
    with env.db.write() as s:
        boundaries.use_generated(s, "admin", START)
    cases = {
        "trap": env.register(title=TRAP, longitude=112.91, latitude=27.71),
        "near1": env.register(title="化工厂异味", longitude=112.911, latitude=27.711),
        "near2": env.register(title="搅拌站扬尘", longitude=112.909, latitude=27.7105),
        "area": env.register(title="东城街道施工噪声", grid_code="T02-A01-V01"),
    }
    with env.db.write() as s:
        s.execute(update(Case).where(Case.id == cases["trap"].id).values(colour="red", tier=2))
        s.execute(update(Case).where(Case.id == cases["area"].id).values(colour="yellow"))
    return cases


def watch_errors(page: Page) -> list[str]:
    """Script errors, console errors and failed requests of the map's own files."""
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(f"pageerror: {err}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}")
            if m.type == "error" and "favicon" not in m.text and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


def open_map(page: Page, query: str = "") -> None:
    page.goto("/map" + query)
    expect(page.locator("#case-map[data-ready=true]")).to_be_attached()


def test_the_map_on_a_desktop_draws_the_county_clusters_the_cases_and_opens_a_case(sign_in, map_cases, shot):
    page = sign_in("supervisor")
    errors = watch_errors(page)
    open_map(page)
    # Boundaries as SVG paths (county, 14 towns, 28 work areas in the test grid) and no tile images.
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(1 + 14 + 28)
    assert page.locator(".leaflet-tile").count() == 0
    expect(page.locator(".town-label-text", has_text="城关镇")).to_have_count(1)
    # The three neighbours are one cluster whose name counts them by colour; the fourth stands alone.
    cluster = page.locator(".case-cluster-host")
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_attribute("aria-label", "3 件案件，其中红色 1、黄色 0、蓝色 2")
    expect(cluster.locator(".case-cluster.k-red")).to_have_count(1)
    expect(page.locator(".case-marker-host")).to_have_count(1)
    expect(page.locator("#count-red")).to_have_text("1")
    expect(page.locator("#visible-count")).to_have_text("地图范围内 4 件案件")
    shot(page, "map-desktop")

    zoom = page.evaluate("() => document.querySelector('.leaflet-proxy') && "
                         "getComputedStyle(document.querySelector('.leaflet-proxy')).transform")
    cluster.focus()  # a cluster is reached with Tab and opened with Enter, as a click does
    page.keyboard.press("Enter")  # zooms in until the three stand apart
    for name in ("trap", "near1", "near2"):
        expect(page.locator(f".case-marker-host[aria-label^='{map_cases[name].number}']")).to_be_visible()
    expect(page.locator(".case-cluster-host")).to_have_count(0)
    assert page.evaluate("() => getComputedStyle(document.querySelector('.leaflet-proxy')).transform") != zoom

    trap = map_cases["trap"]
    marker = page.locator(f".case-marker-host[aria-label^='{trap.number}']")
    expect(marker).to_have_count(1)
    expect(marker.locator(".case-marker.m-red")).to_have_text("超")  # not colour alone
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator(".case-popup-title")).to_have_text(TRAP)  # the markup as text
    assert popup.locator("img").count() == 0 and page.evaluate("() => window.__mapXss") is None
    expect(popup).to_contain_text("红色 超期")
    expect(popup).to_contain_text("乡镇（街道）")  # the tier
    popup.get_by_role("link", name="打开案件").click()
    page.wait_for_url(re.compile(rf"/cases/{trap.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TRAP)
    assert errors == []


def test_the_map_on_a_phone_with_the_keyboard_and_the_filters(sign_in, map_cases, shot):
    page = sign_in("supervisor", **PHONE)
    errors = watch_errors(page)
    open_map(page)
    expect(page.locator(".leaflet-overlay-pane path").first).to_be_attached()
    expect(page.locator(".case-cluster-host, .case-marker-host").first).to_be_visible()
    no_horizontal_overflow(page, "map")
    shot(page, "map-phone")

    # The list of cases in view: a keyboard user reaches a case's "show on the map" and its popup.
    area = map_cases["area"]
    row = page.locator("#visible-cases tbody tr", has_text=area.number)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="在地图上显示").focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(area.number)
    expect(popup).to_contain_text("位置按所在网格估计")
    no_horizontal_overflow(page, "map with a popup")

    # A marker takes the focus and opens with Enter.
    page.keyboard.press("Escape")
    marker = page.locator(f".case-marker-host[aria-label^='{area.number}']")
    marker.focus()
    page.keyboard.press("Enter")
    expect(popup).to_contain_text(area.number)

    # The filter form is an ordinary form: red only leaves the red case.
    page.get_by_label("颜色").select_option("red")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"colour=red"))
    expect(page.locator("#case-map[data-ready=true]")).to_be_attached()
    expect(page.locator("#visible-cases tbody tr")).to_have_count(1)
    expect(page.locator("#visible-cases tbody tr")).to_contain_text(map_cases["trap"].number)
    no_horizontal_overflow(page, "filtered map")
    assert errors == []
