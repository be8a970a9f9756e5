"""四色台账 in Chromium, on a desktop and on a 390 px phone: the table with its colour words, an
Excel export started from the page (by keyboard on the desktop), the <progress> bar reaching the
end through the status endpoint (webapp/static/ledger.js), and the downloaded file a valid
workbook with the ledger, summary and town sheets."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from engine.ledger.xlsx import LEDGER_SHEET, SUMMARY_SHEET
from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.engine.ledger.conftest import ledger_cases  # noqa: F401

MID_MARCH = datetime(2026, 3, 16, 2, tzinfo=timezone.utc)


@pytest.fixture
def ledger_setup(sqlite_only, env, ledger_cases, tmp_path, monkeypatch):  # noqa: F811
    # The live server's app keeps generated files in this test's folder (its data folder).
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path / "data"))
    env.clock.set(MID_MARCH)
    return tmp_path


def _download(page, tmp_path, name: str):
    bar = page.locator("#ledger-progress")
    expect(page.locator("#ledger-download")).to_be_visible(timeout=60_000)
    expect(bar).to_have_attribute("value", "100")
    expect(page.locator("#ledger-progress-text")).to_have_text("已完成")
    with page.expect_download() as info:
        page.locator("#ledger-download-link").click()
    download = info.value
    assert download.suggested_filename == "四色台账_20260301-20260331.xlsx"
    path = tmp_path / name
    download.save_as(path)
    return load_workbook(path)


def test_desktop_ledger_and_export_by_keyboard(ledger_setup, sign_in, shot):
    page = sign_in("supervisor")
    page.get_by_role("link", name="四色台账").click()
    expect(page.get_by_role("heading", name="四色台账", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="共 6 件")).to_be_visible()
    expect(page.locator("table.ledger .badge.red").first).to_have_text("红色 超期")
    shot(page, "ledger-desktop")
    button = page.get_by_role("button", name="导出 Excel")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ledger/exports/*")
    expect(page.locator("progress#ledger-progress")).to_be_visible()
    book = _download(page, ledger_setup, "desktop.xlsx")
    assert book.sheetnames[:2] == [LEDGER_SHEET, SUMMARY_SHEET]
    assert book[LEDGER_SHEET].max_row == 7  # header + six cases
    assert "城关镇" in book.sheetnames and "东城街道" in book.sheetnames


def test_phone_ledger_fits_and_exports(ledger_setup, sign_in, shot):
    page = sign_in("town", **PHONE)
    page.goto("/ledger")
    expect(page.get_by_role("heading", name="四色台账", level=1)).to_be_visible()
    no_horizontal_overflow(page, "/ledger")
    expect(page.get_by_role("status").filter(has_text="共 3 件")).to_be_visible()
    shot(page, "ledger-phone")
    page.get_by_label("颜色").select_option("red")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("status").filter(has_text="共 2 件")).to_be_visible()
    no_horizontal_overflow(page, "/ledger?colour=red")
    page.get_by_role("button", name="导出 Excel").tap()
    page.wait_for_url("**/ledger/exports/*")
    no_horizontal_overflow(page, "export progress")
    book = _download(page, ledger_setup, "phone.xlsx")
    assert book[LEDGER_SHEET].max_row == 3  # header + the town's two red cases
    assert book.sheetnames == [LEDGER_SHEET, SUMMARY_SHEET, "城关镇"]
