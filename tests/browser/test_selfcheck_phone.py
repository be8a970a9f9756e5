"""An enterprise's contact completes a self-inspection on a phone (390×844) through the texted
link: answers, a photo from the file input, a draft saved and found again, the submission, then
the page read-only."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from engine.models.selfcheck import SelfCheckPhoto, SelfCheckTask
from tests.browser.conftest import no_horizontal_overflow
from tests.engine.selfcheck.conftest import add_enterprise, add_template, issue_to, set_clock
from tests.images import jpeg


def test_an_enterprise_completes_its_checklist_with_a_photo_on_a_phone(sqlite_only, env, phone_page, shot, tmp_path):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    add_enterprise(env)
    template = add_template(env)
    _campaign, [(task_id, token)] = issue_to(env, template.id)
    page: Page = phone_page
    page.goto(f"/zc/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("2026年第二季度自查")
    expect(page.get_by_text("示范化工有限公司")).to_be_visible()
    no_horizontal_overflow(page, "self-inspection")
    page.locator("#item-q1").get_by_label("是").check()
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg((64, 48)))
    page.locator("#item-q1").get_by_label("拍照或选择照片").set_input_files(str(photo))
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("已保存草稿")).to_be_visible()
    # The draft is there when the page is opened again.
    page.goto(f"/zc/{token}")
    expect(page.locator("#item-q1").get_by_label("是")).to_be_checked()
    expect(page.locator("#item-q1").get_by_role("link", name="site.jpg")).to_be_visible()
    page.locator("#item-q2").get_by_label("否").check()
    page.get_by_label("危险废物台账情况").fill("台账齐全，转移联单已存档")
    shot(page, "selfcheck-phone")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("已提交，谢谢")).to_be_visible()
    expect(page.locator("#status")).to_have_text("已提交待审核")
    expect(page.get_by_role("button", name="提交", exact=True)).to_have_count(0)
    no_horizontal_overflow(page, "self-inspection submitted")
    with env.db.read() as s:
        task = s.get(SelfCheckTask, task_id)
        assert task.status == "submitted" and task.answers == {"q1": "yes", "q2": "no", "q3": "台账齐全，转移联单已存档"}
        assert s.query(SelfCheckPhoto).filter_by(task_id=task_id).count() == 1
