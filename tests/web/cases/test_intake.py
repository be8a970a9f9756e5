"""Registering a complaint: the form, the place picker, field errors, duplicate suggestions, merging."""
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from sqlalchemy import func, select

from engine.models import Attachment, AuditEvent
from tests import images

PNG = images.png()
PDF = b"%PDF-1.7\n" + b"0" * 64
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def form(**overrides) -> dict:
    data = {"channel": "hotline", "category": "air", "subject_type": "enterprise", "title": "化工厂夜间排放刺鼻异味",
            "description": "每晚十点以后气味明显", "grid_code": "T01-A01-V01", "address": "工业路 8 号",
            "subject_enterprise": "示范化工有限公司", "complainant_name": "李四", "complainant_phone": "13900001111"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_only_intake_staff_register(as_user):
    assert as_user("handler").get("/intake/new").status_code == 403
    assert as_user("intake").get("/intake/new").status_code == 200


def test_form_works_without_javascript_and_upgrades_with_htmx(as_user):
    html = as_user("intake").get("/intake/new").get_data(as_text=True)
    # Without JS: one select of villages grouped by town and work area.
    assert '<select id="grid-single" name="grid_code"' in html
    assert '<optgroup label="城关镇 · 城关镇第1网格">' in html and 'value="T01-A01-V01"' in html
    # With htmx: replaced by the three linked selects, and duplicates are asked for while typing.
    assert 'hx-get="/intake/grid-picker?selected="' in html and 'hx-trigger="load"' in html
    assert 'hx-post="/intake/duplicates"' in html
    for label in ("12345/12369 热线", "来访", "来信", "网格员上报", "在线监测", "上级转办", "网上投诉", "固体废物", "辐射",
                  "建筑施工", "畜禽养殖", "社会生活"):
        assert label in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html


def test_grid_picker_and_options(as_user):
    browser = as_user("intake")
    picker = browser.get("/intake/grid-picker?selected=T01-A02-V01").get_data(as_text=True)
    assert '<option value="T01" selected>城关镇</option>' in picker
    assert '<option value="T01-A02" selected>' in picker and '<option value="T01-A02-V01" selected>' in picker
    areas = browser.get("/intake/grid-options?town=T02").get_data(as_text=True)
    assert 'value="T02-A01"' in areas and 'value="T01-A01"' not in areas
    assert 'hx-swap-oob="true"' in areas  # a new town empties the village list
    villages = browser.get("/intake/grid-options?area=T01-A01").get_data(as_text=True)
    assert 'value="T01-A01-V01"' in villages and 'value="T01-A02-V01"' not in villages
    assert "hx-swap-oob" not in villages
    assert browser.get("/intake/grid-options?parent=T01").get_data(as_text=True).count("<option value=\"T01-A") == 2
    assert "<option value=\"T" not in browser.get("/intake/grid-options?town=").get_data(as_text=True)


def test_happy_path_registers_starts_the_process_and_stores_attachments(env, as_user, attachments_dir):
    browser = as_user("intake")
    data = form(latitude="34.5", longitude="113.25", urgent="1")
    data["attachments"] = [(BytesIO(PNG), "现场照片.png"), (BytesIO(PDF), "监测报告.pdf")]
    response = browser.post("/intake/new", data=data, page_url="/intake/new", content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    case = env.newest_case()
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert (case.title, case.category, case.grid_path, case.subject_enterprise, case.urgent, case.latitude) == \
        ("化工厂夜间排放刺鼻异味", "air", "/C/T01/T01-A01/T01-A01-V01/", "示范化工有限公司", True, 34.5)
    assert (case.complainant_name, case.complainant_phone, case.status) == ("李四", "13900001111", "received")
    assert [t.spec for t in env.ready(case)] == ["receive"]
    shown = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert f"已登记 {case.number}，查询码 {case.tracking_code}" in shown
    assert "现场照片.png" in shown and "监测报告.pdf" in shown

    with env.db.read() as s:
        rows = list(s.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)))
    assert [(r.filename, r.content_type, r.visibility, r.uploaded_by, r.size) for r in rows] == [
        ("现场照片.png", "image/png", "public", "intake", len(PNG)),
        ("监测报告.pdf", "application/pdf", "public", "intake", len(PDF))]
    for row in rows:
        stored = attachments_dir / row.stored_path
        assert stored.read_bytes() in (PNG, PDF)
        assert stored.parent == attachments_dir / str(case.id) and "现场" not in stored.name
    assert [e.detail["filename"] for e in env.audit(case, "attachment_added")] == ["现场照片.png", "监测报告.pdf"]


def test_three_select_picker_may_stop_at_a_work_area(env, as_user):
    browser = as_user("intake")
    response = browser.post("/intake/new", data=form(grid_code="", town="T02", area="T02-A01"), page_url="/intake/new")
    assert response.status_code == 302
    assert env.newest_case().grid_path == "/C/T02/T02-A01/"


def test_missing_title_is_shown_beside_the_field_and_input_is_kept(env, as_user):
    response = as_user("intake").post("/intake/new", data=form(title="", description="保留我输入的描述"),
                                      page_url="/intake/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<p class="field-error" id="err-title">请填写此项</p>' in html
    assert 'aria-invalid="true" aria-describedby="err-title"' in html
    assert "保留我输入的描述</textarea>" in html and 'value="示范化工有限公司"' in html
    assert '<option value="T01-A01-V01" selected>' in html
    assert "附件需要重新选择" not in html  # no files were chosen, so none are lost
    assert env.count() == 0


def test_bad_phone_and_missing_contact(env, as_user):
    browser = as_user("intake")
    html = browser.post("/intake/new", data=form(complainant_phone="call me <maybe>"),
                        page_url="/intake/new").get_data(as_text=True)
    assert 'id="err-complainant_phone">电话号码格式不正确' in html
    assert 'value="call me &lt;maybe&gt;"' in html
    html = browser.post("/intake/new", data=form(complainant_name="", complainant_phone=""),
                        page_url="/intake/new").get_data(as_text=True)
    assert 'id="err-complainant_name">实名投诉需填写姓名或电话' in html
    html = browser.post("/intake/new", data=form(latitude="north"), page_url="/intake/new").get_data(as_text=True)
    assert 'id="err-latitude">请输入数字' in html
    html = browser.post("/intake/new", data=form(grid_code="NOWHERE"), page_url="/intake/new").get_data(as_text=True)
    assert 'id="err-grid_code">所选地点不存在' in html
    assert env.count() == 0


def test_anonymous_complaint_needs_no_contact(env, as_user):
    response = as_user("intake").post("/intake/new", data=form(complainant_name="", complainant_phone="",
                                                               complainant_anonymous="1"), page_url="/intake/new")
    assert response.status_code == 302
    assert env.newest_case().complainant_anonymous is True


def test_bad_attachment_keeps_the_typed_input_and_registers_nothing(env, as_user):
    data = form(description="不要丢失")
    data["attachments"] = [(BytesIO(b"<html><script>alert(1)</script></html>"), "photo.jpg")]
    response = as_user("intake").post("/intake/new", data=data, page_url="/intake/new",
                                      content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="err-attachments">文件“photo.jpg”不是允许的类型' in html
    assert "不要丢失</textarea>" in html and "附件需要重新选择" in html
    assert env.count() == 0


# ------------------------------------------------------------------ duplicates


def suggestions(browser, **values) -> str:
    response = browser.post("/intake/duplicates", data=values, page_url="/intake/new")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_duplicate_suggestions_rank_similar_cases_in_the_same_area(env, as_user):
    too_old = env.register(title="化工厂夜间排放刺鼻异味")
    env.clock.advance(timedelta(days=31))
    similar = env.register(title="化工厂夜间排放刺鼻气味", description="晚上十点后很臭")
    unalike = env.register(title="道路扬尘", description="渣土车")
    other_category = env.register(category="water", title="化工厂夜间排放刺鼻异味")
    other_area = env.register(title="化工厂夜间排放刺鼻异味", grid_code="T02-A01-V01")
    env.clock.advance(hours=1)
    html = suggestions(as_user("intake"), category="air", grid_code="T01-A01-V02",
                       title="化工厂夜间排放异味", description="十点后气味刺鼻")
    assert similar.number in html and unalike.number in html
    assert html.index(similar.number) < html.index(unalike.number)
    for unrelated in (too_old, other_category, other_area):
        assert unrelated.number not in html
    assert "合并到此件" in html and f'name="merge_into" value="{similar.id}"' in html
    assert 'form="intake-form"' in html


def test_duplicate_suggestions_by_enterprise_ignore_case_and_place(env, as_user):
    same = env.register(title="废气", subject_enterprise="Acme Chemical", grid_code="T02-A01-V01")
    other = env.register(title="废气", subject_enterprise="Other Works", grid_code="T02-A01-V01")
    html = suggestions(as_user("intake"), category="air", grid_code="T03-A01-V01",
                       subject_enterprise="  acme chemical ", title="废气")
    assert same.number in html and other.number not in html


def test_duplicate_suggestions_need_a_category_and_a_place_or_enterprise(env, as_user):
    env.register()
    html = suggestions(as_user("intake"), title="化工厂夜间排放刺鼻异味")
    assert "选择问题类别并填写地点或被投诉单位后" in html
    html = suggestions(as_user("intake"), category="noise", grid_code="T01-A01-V01")
    assert "未发现可能重复的案件" in html


def test_duplicate_suggestions_escape_user_text(env, as_user):
    env.register(title=SCRIPT, description=SCRIPT)
    html = suggestions(as_user("intake"), category="air", grid_code="T01-A01-V01", title="x")
    assert SCRIPT not in html and ESCAPED in html


def test_merge_registers_the_case_and_merges_it_through_the_process(env, as_user, attachments_dir):
    parent = env.register(title="化工厂夜间排放刺鼻异味")
    data = form(merge_into=str(parent.id))
    data["attachments"] = [(BytesIO(PNG), "again.png")]
    browser = as_user("intake")
    response = browser.post("/intake/new", data=data, page_url="/intake/new", content_type="multipart/form-data")
    assert response.status_code == 302
    merged = env.newest_case()
    assert merged.id != parent.id and response.headers["Location"].endswith(f"/cases/{merged.id}")
    assert (merged.status, merged.parent_id, merged.stage) == ("merged", parent.id, None)
    assert env.ready(merged) == []
    receive = env.audit(merged, "task_completed")[0]
    assert receive.actor == "intake"
    assert receive.detail["data"] == {"decision": "duplicate", "duplicate_of": parent.number}
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert f"并作为重复件并入 {parent.number}" in html and "again.png" in html
    assert merged.number in browser.get(f"/cases/{parent.id}").get_data(as_text=True)


def test_merge_into_an_unknown_case_registers_nothing(env, as_user):
    response = as_user("intake").post("/intake/new", data=form(merge_into="999999"), page_url="/intake/new")
    assert response.status_code == 404
    assert env.count() == 0



def test_a_failing_photo_step_registers_nothing_and_leaves_no_file(env, as_user, attachments_dir, monkeypatch):
    """The case, its photos and the merge are one transaction: the disk filling up while the
    second photo is written leaves no case, no counter step, no audit event and no file."""
    parent = env.register(title="化工厂夜间排放刺鼻异味")
    before_cases, before_events = env.count(), len(env.audit(parent))
    real_write = Path.write_bytes
    writes = []

    def disk_full_on_second(path, data):
        writes.append(path)
        if len(writes) == 2:
            raise OSError(28, "No space left on device")
        return real_write(path, data)

    data = form(merge_into=str(parent.id))
    data["attachments"] = [(BytesIO(PNG), "第一张.png"), (BytesIO(PNG), "第二张.png")]
    browser = as_user("intake")
    with monkeypatch.context() as patched:
        patched.setattr(Path, "write_bytes", disk_full_on_second)
        response = browser.post("/intake/new", data=data, page_url="/intake/new", content_type="multipart/form-data")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "未能登记，未保存任何内容" in page and "附件需要重新选择" in page
    assert 'value="化工厂夜间排放刺鼻异味"' in page  # what was typed is kept
    assert len(writes) == 2
    assert env.count() == before_cases
    assert env.count(Attachment) == 0
    with env.db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id != parent.id)) == 0
    assert len(env.audit(parent)) == before_events
    assert [p for p in attachments_dir.rglob("*") if p.is_file()] == []
    # The next registration takes the number the failed one would have had.
    assert env.register().number == parent.number.replace("000001", "000002")
