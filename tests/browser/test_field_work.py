"""Field work on a phone (390 × 844): a grid officer reports with a camera photo and the phone's
position; a draft made without a connection survives a reload and is sent once back online; a
handler attaches evidence to a task."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import Attachment, Case
from tests.browser.conftest import PHONE, no_horizontal_overflow


@pytest.fixture(autouse=True)
def _own_data_dir(monkeypatch, tmp_path):
    # The live server's uploads go to this test's folder, not the repository's instance/.
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path / "data"))


def _photo(path) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 60)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


# True once the browser's draft (webapp/static/grid_report.js) holds this description and a photo.
SAVED = """description => new Promise((resolve) => {
  const open = indexedDB.open("greenloop-field", 1);
  open.onsuccess = () => {
    const get = open.result.transaction("drafts").objectStore("drafts").get("grid-report");
    get.onsuccess = () => resolve(!!get.result && get.result.values.description === description
                                  && get.result.photos.length === 1);
  };
})"""


def _grid_cases(env) -> list[Case]:
    with env.db.read() as s:
        return list(s.scalars(select(Case).where(Case.channel == "grid")))


def _photos_of(env, case_id) -> list[str]:
    with env.db.read() as s:
        return list(s.scalars(select(Attachment.filename).where(Attachment.case_id == case_id)))


def test_grid_officer_reports_with_a_photo_and_the_phones_position(sqlite_only, sign_in, env, shot, tmp_path):
    page = sign_in("gridofficer", **PHONE, geolocation={"latitude": 30.12, "longitude": 120.21},
                   permissions=["geolocation"])
    page.get_by_role("link", name="网格员上报").first.click()
    page.wait_for_url("**/field/report")
    no_horizontal_overflow(page, "grid report")
    page.get_by_label("问题类别").select_option("water")
    page.get_by_label("现场照片（拍照或从相册选择）").set_input_files(_photo(tmp_path / "排污口.jpg"))
    expect(page.locator("#photo-count")).to_have_text("已选照片：1 张")
    page.get_by_role("button", name="使用手机定位").click()
    expect(page.get_by_label("纬度")).to_have_value("30.120000")
    expect(page.get_by_label("经度")).to_have_value("120.210000")
    page.get_by_label("问题描述").fill("河道排污口排放黑水")
    shot(page, "field-1-report")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator(".flash", has_text="已上报")).to_be_visible()
    [case] = _grid_cases(env)
    assert (case.status, case.latitude, case.longitude) == ("handling", 30.12, 120.21)
    assert _photos_of(env, case.id) == ["排污口.jpg"]


def test_an_offline_report_is_kept_and_sent_when_back_online(sqlite_only, sign_in, env, tmp_path):
    page = sign_in("gridofficer", **PHONE)
    page.goto("/field/report")
    page.context.set_offline(True)
    page.get_by_label("问题类别").select_option("air")
    page.get_by_label("现场照片（拍照或从相册选择）").set_input_files(_photo(tmp_path / "烟囱.jpg"))
    expect(page.locator("#photo-count")).to_have_text("已选照片：1 张")
    page.get_by_label("纬度").fill("30.2")
    page.get_by_label("经度").fill("120.3")
    page.get_by_label("问题描述").fill("烟囱冒黑烟")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator("#report-status")).to_have_text("未联网：草稿已保存在本机，联网后自动发送")
    assert _grid_cases(env) == []

    # Back online: the browser's "online" event sends the waiting draft by itself.
    page.context.set_offline(False)
    expect(page.locator(".flash", has_text="已上报")).to_be_visible()
    [case] = _grid_cases(env)
    assert (case.category, case.description, case.latitude, case.longitude) == ("air", "烟囱冒黑烟", 30.2, 120.3)
    assert _photos_of(env, case.id) == ["烟囱.jpg"]
    page.reload()
    expect(page.get_by_label("问题描述")).to_have_value("")  # the draft was cleared after success
    assert len(_grid_cases(env)) == 1


def test_a_draft_not_yet_sent_is_restored_and_sent_by_hand(sqlite_only, sign_in, env, tmp_path):
    page = sign_in("gridofficer", **PHONE)
    page.goto("/field/report")
    page.context.set_offline(True)
    page.get_by_label("问题类别").select_option("noise")
    page.get_by_label("现场照片（拍照或从相册选择）").set_input_files(_photo(tmp_path / "工地.jpg"))
    page.get_by_label("问题描述").fill("工地夜间施工")
    expect(page.locator("#photo-count")).to_have_text("已选照片：1 张")
    page.wait_for_function(SAVED, arg="工地夜间施工")  # the draft is in IndexedDB before the reload
    page.context.set_offline(False)
    page.reload()
    expect(page.locator("#report-status")).to_have_text("已恢复未发送的草稿")
    expect(page.get_by_label("问题描述")).to_have_value("工地夜间施工")
    expect(page.get_by_label("问题类别")).to_have_value("noise")
    expect(page.locator("#photo-count")).to_have_text("已选照片：1 张")
    assert _grid_cases(env) == []
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator(".flash", has_text="已上报")).to_be_visible()
    [case] = _grid_cases(env)
    assert _photos_of(env, case.id) == ["工地.jpg"]


def test_a_handler_attaches_evidence_on_the_task_page(sqlite_only, sign_in, env, tmp_path):
    case = env.register()
    env.accept_and_assign(case)
    task = env.task(case, "handle")
    page = sign_in("handler", **PHONE)
    page.goto(f"/tasks/{task.id}")
    no_horizontal_overflow(page, "task with evidence")
    page.get_by_label("办理完毕").check()
    page.get_by_label("核查情况").fill("现场核查属实")
    page.get_by_label("核查方式").select_option("drone")
    page.get_by_label("添加文件（最多 10 个）").set_input_files(_photo(tmp_path / "航拍.jpg"))
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(lambda url: "/tasks/" not in url)
    assert _photos_of(env, case.id) == ["航拍.jpg"]
