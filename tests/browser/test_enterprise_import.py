"""An administrator imports the pollution-source register in a real browser: the dry run lists a
line's error and imports nothing; the corrected file imports, and the enterprise page shows it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.models.enterprise import Enterprise

HEADER = "统一社会信用代码,企业名称,地址,网格编码,行业,监管类别,排污许可证编号,许可证有效期至,联系人,监测点位\n"
GOOD = "9144030071526726XG,青山造纸厂,青山镇纸业路 8 号,T05,造纸,一般,,2027-06-30,李四 13900000002,ST0101\n"


@pytest.fixture
def admin_page(sqlite_only, sign_in):
    return sign_in("admin")


def test_import_with_a_line_error_then_the_corrected_file(admin_page, env, tmp_path, shot):
    page = admin_page
    bad = tmp_path / "register.csv"
    bad.write_text(HEADER + GOOD + "91330100716105852E,坏代码化工,,T01,化工,重点,,,,\n", encoding="utf-8")
    page.goto("/enterprises/import")
    page.get_by_label("Excel（.xlsx）或 CSV 文件").set_input_files(str(bad))
    page.get_by_role("button", name="预览").click()
    expect(page.get_by_text("统一社会信用代码校验位不正确：91330100716105852E")).to_be_visible()
    expect(page.locator("#error-count")).to_have_text("1")
    expect(page.locator("#apply")).to_have_count(0)
    shot(page, "enterprise_import_errors")
    good = tmp_path / "register_fixed.csv"
    good.write_text(HEADER + GOOD, encoding="utf-8")
    page.get_by_role("link", name="上传其他文件").click()
    page.get_by_label("Excel（.xlsx）或 CSV 文件").set_input_files(str(good))
    page.get_by_role("button", name="预览").click()
    page.locator("#apply").click()
    expect(page.get_by_text("已导入：新增 1 家，修改 0 家")).to_be_visible()
    assert env.count(Enterprise) == 1
    page.goto("/enterprises")
    page.get_by_role("link", name="青山造纸厂").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("青山造纸厂")
    expect(page.get_by_text("ST0101")).to_be_visible()
