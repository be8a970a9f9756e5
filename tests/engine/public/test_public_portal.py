"""The public portal's services: submit, track by code, add information, rate the reply."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases.attachments import check_upload
from engine.core.errors import FormInvalid, NotFound
from engine.models import Attachment, Notification, User
from engine.public.portal import (
    PLACE_REQUIRED,
    POSITION_PAIR,
    REASON_REQUIRED,
    PublicRefused,
    add_information,
    find_case,
    public_view,
    rate,
    submit,
)
from tests import images

JPEG = images.jpeg()
FORM = {"category": "noise", "description": "工地每晚十一点后还在打桩，噪声很大", "grid_code": "T01-A01-V01",
        "address": "城关镇幸福路 8 号旁工地", "complainant_name": "李四", "complainant_phone": "13900001111"}


def _submit(env, tmp_path, **overrides):
    return env.run(submit, {**FORM, **overrides}, [check_upload("工地.jpg", JPEG)], root=tmp_path)


def _to_reply(env, case, reply="已责令工地夜间停工，并处罚款"):
    env.accept_and_assign(case, "enforcement")
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核实：王科员发现夜间施工，内部备注勿外传"},
                 actor="handler2")
    env.complete(case, "feedback", {"reply": reply, "contact_method": "phone"}, actor="handler2")
    env.complete(case, "review", {"approved": True}, actor="lead2")


def test_submission_registers_a_public_case_with_its_photo(env, tmp_path):
    case = _submit(env, tmp_path)
    c = env.case(case)
    assert (c.channel, c.category, c.status, c.urgent) == ("public", "noise", "received", False)
    assert c.title == FORM["description"]  # no title given: the description's first line
    assert len(c.tracking_code) == 10
    assert env.audit(case, "process_started")[0].actor == "public"
    receive = env.task(case, "receive")
    assert receive.candidate_group == "intake" and receive.channel == "public"
    with env.db.read() as s:
        (photo,) = s.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
        assert (photo.visibility, photo.uploaded_by, photo.content_type) == ("public", "public", "image/jpeg")
        # Typed in lower case with a dash in the middle, as people read codes out.
        code = c.tracking_code
        assert find_case(s, f"{code[:5].lower()}-{code[5:]}").id == case.id
        assert find_case(s, "ZZZZZZZZZZ") is None and find_case(s, "<script>") is None


def test_long_description_gives_a_short_title_and_the_resident_cannot_set_channel_or_urgency(env, tmp_path):
    case = _submit(env, tmp_path, description="噪" * 80, channel="hotline", urgent=True)
    c = env.case(case)
    assert c.title == "噪" * 40 + "…"
    assert (c.channel, c.urgent) == ("public", False)


@pytest.mark.parametrize("overrides, field, message", [
    ({"grid_code": "", "address": ""}, "address", PLACE_REQUIRED),
    ({"latitude": "26.1"}, "latitude", POSITION_PAIR),
    ({"latitude": "126.1", "longitude": "119.3"}, "latitude", None),
    ({"description": "吵"}, "description", None),
    ({"complainant_name": "", "complainant_phone": ""}, "complainant_name", None),
    ({"category": "weather"}, "category", None),
])
def test_bad_submissions_say_which_field_and_register_nothing(env, tmp_path, overrides, field, message):
    with pytest.raises(FormInvalid) as err:
        _submit(env, tmp_path, **overrides)
    assert field in err.value.errors
    if message:
        assert err.value.errors[field] == [message]
    with env.db.read() as s:
        assert s.scalars(select(Attachment)).first() is None
    assert not list(tmp_path.iterdir())


def test_anonymous_submission_keeps_no_contact(env, tmp_path):
    case = _submit(env, tmp_path, complainant_name="", complainant_phone="", complainant_anonymous=True,
                   latitude="26.08", longitude="119.30")
    c = env.case(case)
    assert (c.complainant_anonymous, c.complainant_name, c.complainant_phone) == (True, None, None)
    assert (c.latitude, c.longitude) == (26.08, 119.30)


def test_public_timeline_tells_the_steps_without_names_notes_or_the_complainant(env, tmp_path):
    case = _submit(env, tmp_path)
    code = env.case(case).tracking_code
    with env.db.read() as s:
        view = public_view(s, code)
    assert [e.kind for e in view.timeline] == ["submitted"]
    assert (view.status, view.rating, view.can_add) == ("received", "not_yet", True)

    _to_reply(env, case)
    with env.db.read() as s:
        view = public_view(s, code)
        staff_names = set(s.scalars(select(User.display_name))) | set(s.scalars(select(User.username)))
    assert [e.kind for e in view.timeline] == ["submitted", "accepted", "assigned", "handling", "replied"]
    assigned, replied = view.timeline[2], view.timeline[4]
    assert assigned.detail["department"] == view.department == "生态环境保护综合行政执法大队"
    assert replied.detail["reply"] == "已责令工地夜间停工，并处罚款"
    assert (view.status, view.rating, view.can_add) == ("awaiting_rating", "open", False)
    shown = repr(view.timeline)
    for secret in ["李四", "13900001111", "内部备注", "王科员", *(n for n in staff_names if n != "public")]:
        assert secret not in shown


def test_only_the_approved_reply_is_shown(env, tmp_path):
    case = _submit(env, tmp_path)
    env.accept_and_assign(case, "enforcement")
    env.complete(case, "handle", {"outcome": "done", "findings": "初查"})
    env.complete(case, "feedback", {"reply": "草稿答复", "contact_method": "phone"})
    code = env.case(case).tracking_code
    with env.db.read() as s:
        assert "草稿答复" not in repr(public_view(s, code).timeline)
        assert public_view(s, code).status == "replying"
    env.complete(case, "review", {"approved": False, "comment": "证据不足"}, actor="lead2")
    env.complete(case, "handle", {"outcome": "done", "findings": "复查"})
    env.complete(case, "feedback", {"reply": "正式答复", "contact_method": "sms"})
    env.complete(case, "review", {"approved": True}, actor="lead2")
    with env.db.read() as s:
        timeline = public_view(s, code).timeline
    # One "in progress" although handling ran twice; the lead's rejection stays internal.
    assert [e.kind for e in timeline] == ["submitted", "accepted", "assigned", "handling", "replied"]
    assert timeline[-1].detail["reply"] == "正式答复" and "证据不足" not in repr(timeline)


def test_rating_reaches_the_follow_up_and_closes_the_case(env, tmp_path):
    case = _submit(env, tmp_path)
    code = env.case(case).tracking_code
    with pytest.raises(PublicRefused) as refused:
        env.run(rate, code, "satisfied")
    assert refused.value.reason == "not_yet"

    _to_reply(env, case)
    rated = env.run(rate, code, "basically_satisfied", "处理及时")
    assert (rated.status, rated.stage, rated.satisfaction) == ("closed", None, "basically_satisfied")
    done = env.audit(case, "task_completed")[-1]
    assert (done.actor, done.detail["task"], done.detail["data"]) == \
        ("public", "follow_up", {"satisfaction": "basically_satisfied", "comment": "处理及时"})
    assert env.audit(case, "satisfaction")[0].actor == "public"
    assert env.instance(case).status == "completed"

    with pytest.raises(PublicRefused) as again:
        env.run(rate, code, "unsatisfied", "改主意了")
    assert again.value.reason == "rated"
    with env.db.read() as s:
        view = public_view(s, code)
    assert [e.kind for e in view.timeline][-2:] == ["rated", "finished"]
    assert view.timeline[-2].detail == {"value": "basically_satisfied", "by_public": True, "comment": "处理及时"}


def test_unsatisfied_reopens_once_and_the_new_reply_can_be_rated_again(env, tmp_path):
    case = _submit(env, tmp_path)
    code = env.case(case).tracking_code
    _to_reply(env, case)
    with pytest.raises(FormInvalid) as err:
        env.run(rate, code, "unsatisfied")
    assert err.value.errors == {"comment": [REASON_REQUIRED]}
    with pytest.raises(FormInvalid):
        env.run(rate, code, "unreachable")  # a staff-only choice

    reopened = env.run(rate, code, "unsatisfied", "晚上还在施工")
    assert (reopened.status, reopened.stage, reopened.reopened) == ("handling", "handle", True)
    assert env.audit(case, "reopened")[0].detail == {"comment": "晚上还在施工"}
    with pytest.raises(PublicRefused) as refused:
        env.run(rate, code, "satisfied")
    assert refused.value.reason == "not_yet"

    env.complete(case, "handle", {"outcome": "done", "findings": "再次查处"})
    env.complete(case, "feedback", {"reply": "已查封打桩机", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True}, actor="lead2")
    env.run(rate, code, "unsatisfied", "仍不满意")
    assert [t.spec for t in env.ready(case)] == ["follow_up_review"]
    with env.db.read() as s:
        view = public_view(s, code)
    kinds = [e.kind for e in view.timeline]
    assert kinds[-4:] == ["handling", "replied", "rated", "reviewing"] and "reopened" in kinds
    assert view.status == "reviewing"


def test_phone_follow_up_by_staff_still_works_and_then_the_public_cannot_rate(env, tmp_path):
    case = _submit(env, tmp_path)
    code = env.case(case).tracking_code
    _to_reply(env, case)
    env.complete(case, "follow_up", {"satisfaction": "satisfied", "comment": "电话回访：投诉人表示满意"}, actor="intake")
    with pytest.raises(PublicRefused) as refused:
        env.run(rate, code, "unsatisfied", "x")
    assert refused.value.reason == "rated"
    with env.db.read() as s:
        rated = [e for e in public_view(s, code).timeline if e.kind == "rated"][0]
    assert rated.detail == {"value": "satisfied", "by_public": False, "comment": None}  # the note is staff's


def test_add_information_while_open_reaches_the_holders(env, tmp_path):
    case = _submit(env, tmp_path)
    code = env.case(case).tracking_code
    env.accept_and_assign(case, "enforcement")
    event = env.run(add_information, code, "今晚 23:40 又在施工，补充照片", [check_upload("夜间.png", images.png())],
                            root=tmp_path)
    assert (event.kind, event.actor, event.stage) == ("public_supplement", "public", "handle")
    with env.db.read() as s:
        photo = s.get(Attachment, event.detail["attachments"][0])
        assert (photo.visibility, photo.content_type, photo.filename) == ("public", "image/png", "夜间.png")
        notes = list(s.scalars(select(Notification).where(Notification.kind == "supplement")))
        told = {s.get(User, n.user_id).username for n in notes}
        view = public_view(s, code)
    assert "handler2" in told and "intake" not in told  # the enforcement handlers hold the case now
    assert view.timeline[-1].kind == "supplement" and view.timeline[-1].detail == {"files": 1, "text": True}
    assert "今晚" not in repr(view.timeline)

    with pytest.raises(FormInvalid):
        env.run(add_information, code, "  ", [], root=tmp_path)
    with pytest.raises(NotFound):
        env.run(add_information, "ZZZZZZZZZZ", "x", [], root=tmp_path)


def test_add_information_is_refused_once_closed_and_rating_on_rejected_cases(env, tmp_path):
    case = _submit(env, tmp_path)
    code = env.case(case).tracking_code
    env.complete(case, "receive", {"decision": "reject", "reason": "不属于生态环境部门职责，请向住建部门反映"})
    with pytest.raises(PublicRefused) as closed:
        env.run(add_information, code, "补充", [], root=tmp_path)
    assert closed.value.reason == "closed"
    with pytest.raises(PublicRefused) as rated:
        env.run(rate, code, "satisfied")
    assert rated.value.reason == "not_applicable"
    with env.db.read() as s:
        view = public_view(s, code)
    assert view.status == "rejected"
    assert view.timeline[-1].kind == "rejected"
    assert view.timeline[-1].detail["reason"] == "不属于生态环境部门职责，请向住建部门反映"
