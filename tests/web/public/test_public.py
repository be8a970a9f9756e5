"""The public portal over HTTP: submit with a photo, track by code, add information, rate; the
submission in the intake inbox, the rating in the process; limits, CSRF, the honeypot."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from engine.cases.attachments import check_upload, store_attachments
from engine.models import Attachment, Case, Notification, User
from tests import images
from webapp.extensions import limiter

JPEG = images.jpeg()
FORM = {"category": "noise", "description": "工地每晚十一点后还在打桩，噪声很大", "grid_code": "T01-A01-V01",
        "address": "城关镇幸福路 8 号旁工地", "complainant_name": "李四", "complainant_phone": "13900001111",
        "subject_type": "construction"}
CODE_RE = re.compile(r'id="tracking-code">([0-9A-Z]{10})<')


@pytest.fixture(autouse=True)
def _generous_limits(app):
    # The counters are per address and per process; these tests are about behaviour, not limits.
    app.config.update(PUBLIC_SUBMIT_LIMIT="1000 per minute", CASE_CODE_LOOKUP_LIMIT="1000 per minute",
                      PUBLIC_ACTION_LIMIT="1000 per minute")


@pytest.fixture
def visitor(as_user):
    return as_user()  # nobody signed in


def _submit(visitor, **overrides):
    data = {**FORM, **overrides}
    data.setdefault("attachments", (io.BytesIO(JPEG), "工地夜间.jpg"))
    return visitor.post("/public/new", data=data, content_type="multipart/form-data")


def _submitted_code(visitor) -> str:
    response = _submit(visitor)
    assert response.status_code == 303 and response.headers["Location"].endswith("/public/submitted")
    page = visitor.get("/public/submitted").get_data(as_text=True)
    return CODE_RE.search(page).group(1)


def _case(env, code) -> Case:
    with env.db.read() as s:
        return s.scalars(select(Case).where(Case.tracking_code == code)).one()


def _to_reply(env, case):
    env.accept_and_assign(case, "enforcement")
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核实：内部备注勿外传"}, actor="handler2")
    env.complete(case, "feedback", {"reply": "已责令工地夜间停工", "contact_method": "phone"}, actor="handler2")
    env.complete(case, "review", {"approved": True}, actor="lead2")


def test_pages_need_no_sign_in_and_speak_chinese_first(visitor):
    for url in ("/public/", "/public/new", "/public/track"):
        response = visitor.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert 'lang="zh-CN"' in html and "查询进度" in html
        assert "我的待办" not in html and "退出" not in html  # no staff navigation
    visitor.post("/lang/en", data={"next": "/public/"}, page_url="/public/")
    assert 'lang="en"' in visitor.get("/public/").get_data(as_text=True)


def test_submit_with_a_photo_gives_a_code_and_lands_in_the_intake_inbox(env, visitor, as_user):
    code = _submitted_code(visitor)
    case = _case(env, code)
    assert (case.channel, case.complainant_phone, case.subject_type) == ("public", "13900001111", "construction")
    with env.db.read() as s:
        photo = s.scalars(select(Attachment).where(Attachment.case_id == case.id)).one()
    assert (photo.filename, photo.visibility) == ("工地夜间.jpg", "public")

    page = visitor.get(f"/public/track/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert "已提交，待受理" in html and "您的投诉已提交" in html and case.title in html
    assert "李四" not in html and "13900001111" not in html and case.number not in html
    image = visitor.get(f"/public/track/{code}/files/{photo.id}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data == JPEG

    inbox = as_user("intake").get("/inbox").get_data(as_text=True)
    assert case.number in inbox


def test_a_file_is_checked_by_its_content_not_its_name(env, visitor):
    response = _submit(visitor, attachments=(io.BytesIO(b"<html><script>alert(1)</script></html>"), "photo.jpg"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "photo.jpg" in html and "按文件内容识别" in html
    assert 'value="城关镇幸福路 8 号旁工地"' in html  # nothing typed is lost
    assert env.count() == 0


def test_missing_fields_are_marked_and_nothing_is_registered(env, visitor):
    response = _submit(visitor, category="", description="", grid_code="", address="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("category", "description", "address"):
        assert f'id="err-{field}"' in html, field
    assert "请选择地点，或填写详细地址" in html
    assert env.count() == 0


def test_a_filled_honeypot_or_a_missing_csrf_token_registers_nothing(env, visitor):
    assert _submit(visitor, website="http://spam.example").status_code == 400
    bare = visitor.client.post("/public/new", data=FORM)
    assert bare.status_code == 400 and "页面已过期" in bare.get_data(as_text=True)
    assert env.count() == 0


def test_a_wrong_code_answers_like_an_unknown_one(env, visitor):
    code = _submitted_code(visitor)
    unknown = visitor.get("/public/track/ZZZZZZZZZZ")
    malformed = visitor.get("/public/track/%3Cscript%3E")
    typed = visitor.post("/public/track", data={"code": "abc"}, page_url="/public/track")
    for response in (unknown, malformed, typed):
        assert response.status_code == 404
        assert "没有找到这个查询码对应的投诉" in response.get_data(as_text=True)
    looked_up = visitor.post("/public/track", data={"code": f" {code[:5].lower()}-{code[5:]} "},
                             page_url="/public/track")
    assert looked_up.status_code == 303 and looked_up.headers["Location"].endswith(f"/public/track/{code}")
    assert visitor.get(f"/public/track/{code.lower()}").headers["Location"].endswith(f"/public/track/{code}")


def test_timeline_shows_department_and_reply_but_no_staff_or_internal_notes(env, visitor):
    code = _submitted_code(visitor)
    case = _case(env, code)
    _to_reply(env, case)
    html = visitor.get(f"/public/track/{code}").get_data(as_text=True)
    assert "已交办：生态环境保护综合行政执法大队" in html and "已责令工地夜间停工" in html
    assert "已答复，请评价" in html and 'name="satisfaction"' in html
    assert 'action="/public/track/' + code + '/add"' not in html  # closed: no more supplements
    with env.db.read() as s:
        names = [n for n in s.scalars(select(User.display_name))]
    assert "内部备注" not in html
    assert not [n for n in names if n in html]


def test_add_information_reaches_the_staff_case_page_and_the_holders(env, visitor, as_user):
    code = _submitted_code(visitor)
    case = _case(env, code)
    env.accept_and_assign(case, "enforcement")
    url = f"/public/track/{code}"
    response = visitor.post(f"{url}/add", data={"text": "今晚 23:40 又在施工",
                                                "attachments": (io.BytesIO(JPEG), "夜间.jpg")},
                            page_url=url, content_type="multipart/form-data")
    assert response.status_code == 303
    page = visitor.get(url).get_data(as_text=True)
    assert "补充材料已提交" in page and "您补充了材料" in page and "（1 个附件）" in page

    staff = as_user("handler2").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "投诉人补充材料" in staff and "今晚 23:40 又在施工" in staff and "投诉人（网上）" in staff
    with env.db.read() as s:
        handler2 = s.scalars(select(User).where(User.username == "handler2")).one()
        assert s.scalars(select(Notification).where(Notification.user_id == handler2.id,
                                                    Notification.kind == "supplement")).first() is not None

    empty = visitor.post(f"{url}/add", data={"text": ""}, page_url=url)
    assert empty.status_code == 400 and "请填写补充说明，或选择照片" in empty.get_data(as_text=True)


def test_rating_goes_through_the_follow_up_and_only_once(env, visitor, as_user):
    code = _submitted_code(visitor)
    case = _case(env, code)
    url = f"/public/track/{code}"
    early = visitor.post(f"{url}/rate", data={"satisfaction": "satisfied"}, page_url=url)
    assert early.status_code == 409 and "答复后才能评价" in early.get_data(as_text=True)

    _to_reply(env, case)
    no_reason = visitor.post(f"{url}/rate", data={"satisfaction": "unsatisfied"}, page_url=url)
    assert no_reason.status_code == 400 and "请说明原因" in no_reason.get_data(as_text=True)
    done = visitor.post(f"{url}/rate", data={"satisfaction": "satisfied", "comment": "很及时"}, page_url=url)
    assert done.status_code == 303
    assert (env.case(case).status, env.case(case).stage, env.case(case).satisfaction) == ("closed", None, "satisfied")
    page = visitor.get(url).get_data(as_text=True)
    assert "感谢您的评价" in page and "您的评价：满意" in page and "已办结" in page

    again = visitor.post(f"{url}/rate", data={"satisfaction": "unsatisfied", "comment": "x"}, page_url=url)
    assert again.status_code == 409 and "已经评价过了" in again.get_data(as_text=True)
    staff = as_user("intake").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "回访满意度：满意" in staff


def test_unsatisfied_rating_reopens_the_case(env, visitor):
    code = _submitted_code(visitor)
    case = _case(env, code)
    _to_reply(env, case)
    url = f"/public/track/{code}"
    visitor.post(f"{url}/rate", data={"satisfaction": "unsatisfied", "comment": "晚上还在施工"}, page_url=url)
    c = env.case(case)
    assert (c.status, c.stage, c.reopened) == ("handling", "handle", True)
    page = visitor.get(url).get_data(as_text=True)
    assert "对答复不满意，重新办理" in page and "补充材料" in page  # open again: supplements allowed


def test_internal_files_are_not_served_to_the_public(env, visitor, tmp_path, app):
    code = _submitted_code(visitor)
    case = _case(env, code)
    (evidence,) = env.run(store_attachments, case.id, [check_upload("执法记录.jpg", JPEG)],
                                    root=app.config["ATTACHMENTS_DIR"], actor="handler2")
    assert visitor.get(f"/public/track/{code}/files/{evidence.id}").status_code == 404
    assert "执法记录.jpg" not in visitor.get(f"/public/track/{code}").get_data(as_text=True)
    assert visitor.get(f"/public/track/ZZZZZZZZZZ/files/{evidence.id}").status_code == 404


def test_lookups_and_submissions_are_rate_limited_per_address(app, visitor):
    limiter.reset()
    app.config.update(CASE_CODE_LOOKUP_LIMIT="3 per minute", PUBLIC_SUBMIT_LIMIT="1 per minute")
    codes = [visitor.get("/public/track/ZZZZZZZZZZ").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    html = visitor.get("/public/track/ZZZZZZZZZZ").get_data(as_text=True)
    assert "操作过于频繁" in html and "12369" in html and "我的待办" not in html
    assert _submit(visitor).status_code == 303
    assert _submit(visitor).status_code == 429
    assert visitor.get("/public/new").status_code == 200  # only sending is limited
    limiter.reset()


def test_place_picker_partials_work_without_sign_in(visitor):
    picker = visitor.get("/public/grid-picker?selected=T01-A01-V01").get_data(as_text=True)
    assert 'hx-get="/public/grid-options"' in picker and 'name="grid_code"' in picker
    options = visitor.get("/public/grid-options?town=T01").get_data(as_text=True)
    assert "T01-A01" in options


def test_the_coordinate_examples_are_plain_placeholders(as_user):
    html = as_user().get("/public/new").get_data(as_text=True)
    assert re.search(r'id="f-latitude"[^>]* placeholder="\d+\.\d+"', html)
    assert "&#34;" not in html.split('id="f-latitude"', 1)[1].split(">", 1)[0]
