"""workflows/bpmn/selfcheck.bpmn end to end on the engine: issue → reminder → submit → review
(accept; or send back, which reopens the link) — and overdue across the Qingming holiday to the
grid officer, then one tier up."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine.core.errors import FormInvalid, NotFound
from engine.models import Case, Notification
from engine.models.sms import SmsMessage
from engine.selfcheck import review, tokens
from engine.selfcheck.answers import ReadOnly
from engine.timers.fire import fire_due
from engine.work.tasks import complete_task
from tests.engine.selfcheck.conftest import GOOD, events, ready, sc, set_clock, staff, submit, user_id


def _review(env, selfcheck_id, decision, comment=None, category=None):
    member = staff(env, "supervisor")
    return env.run(lambda s, rt: review.review(s, rt, selfcheck_id, {"decision": decision, "review_comment": comment},
                                               staff=member, actor="督查科 吴刚", case_category=category))


def test_issue_gives_each_enterprise_a_task_a_hashed_token_and_a_text_with_the_link(env, campaign):
    [(selfcheck_id, token)] = campaign["links"]
    task = sc(env, selfcheck_id)
    assert task.status == "waiting" and task.token_hash == tokens.digest(token) and token not in task.token_hash
    assert len(token) == 32  # 24 random bytes
    # 5 working days from Thursday 2 April over Qingming (4–6 April): Friday 3, Tue 7 … Fri 10 April, 24:00.
    assert task.due_at == datetime.fromisoformat("2026-04-11T00:00:00+08:00")
    assert task.token_expires_at > task.due_at
    with env.db.read() as s:
        [text] = s.scalars(select(SmsMessage).where(SmsMessage.kind == "selfcheck"))
    assert text.phone == "13800000001" and f"https://hb.example.gov.cn/zc/{token}" in text.text
    assert ready(env, selfcheck_id) == []  # nobody's inbox holds the enterprise's part


def test_submit_then_accept_closes_it_on_time(env, campaign):
    [(selfcheck_id, _)] = campaign["links"]
    set_clock(env, "2026-04-08T09:00:00+08:00")
    submit(env, selfcheck_id, campaign["root"])
    task = sc(env, selfcheck_id)
    assert task.status == "submitted" and task.on_time is True
    [row] = ready(env, selfcheck_id)
    assert row.spec == "sc_review" and row.tier == 3 and row.grid_path == task.grid_path
    _review(env, selfcheck_id, "accept")
    assert sc(env, selfcheck_id).status == "accepted" and sc(env, selfcheck_id).colour == "green"
    assert events(env, selfcheck_id)[-1] == "selfcheck_accepted"
    with pytest.raises(ReadOnly):
        submit(env, selfcheck_id, campaign["root"])


def test_submission_is_refused_until_every_item_and_photo_is_there(env, campaign):
    [(selfcheck_id, _)] = campaign["links"]
    with pytest.raises(FormInvalid) as refused:
        submit(env, selfcheck_id, campaign["root"], values={"q1": "yes"}, photos={})
    assert set(refused.value.errors) == {"q1", "q2", "q3"}
    assert sc(env, selfcheck_id).status == "waiting"


def test_send_back_reopens_the_link_with_a_new_deadline_then_accept(env, campaign):
    [(selfcheck_id, token)] = campaign["links"]
    set_clock(env, "2026-04-03T09:00:00+08:00")
    submit(env, selfcheck_id, campaign["root"])
    with pytest.raises(FormInvalid):  # sending back needs a comment
        _review(env, selfcheck_id, "correct")
    _review(env, selfcheck_id, "correct", "请补充危废转移联单照片")
    task = sc(env, selfcheck_id)
    assert task.status == "correcting" and task.corrections == 1 and task.review_comment == "请补充危废转移联单照片"
    # Reopened Friday 3 April: three working days skip Qingming → Thursday 9 April, 24:00.
    assert task.due_at == datetime.fromisoformat("2026-04-10T00:00:00+08:00")
    with env.db.read() as s:
        assert tokens.task_for_token(s, token, env.clock.now()).id == selfcheck_id
        assert s.scalars(select(SmsMessage).where(SmsMessage.text.contains("补正"))).first() is not None
    submit(env, selfcheck_id, campaign["root"], values={**GOOD, "q3": "已补充"}, photos={})
    assert sc(env, selfcheck_id).status == "submitted" and sc(env, selfcheck_id).on_time is True
    _review(env, selfcheck_id, "accept", "好")
    assert sc(env, selfcheck_id).status == "accepted"


def test_overdue_across_qingming_goes_to_the_grid_officer_then_one_tier_up(env, campaign):
    [(selfcheck_id, _)] = campaign["links"]
    officer = user_id(env, "gridofficer")
    # Warning: the last working day (Friday 10 April) — nothing fires over the holiday.
    set_clock(env, "2026-04-07T12:00:00+08:00")
    fire_due(env.runtime)
    assert sc(env, selfcheck_id).colour == "blue"
    set_clock(env, "2026-04-10T08:00:00+08:00")
    fire_due(env.runtime)
    assert sc(env, selfcheck_id).colour == "yellow" and "selfcheck_warning" in events(env, selfcheck_id)
    with env.db.read() as s:
        assert s.scalars(select(SmsMessage).where(SmsMessage.text.contains("到期"))).first() is not None
    set_clock(env, "2026-04-10T23:59:00+08:00")
    fire_due(env.runtime)
    assert ready(env, selfcheck_id) == []
    set_clock(env, "2026-04-11T00:01:00+08:00")
    fire_due(env.runtime)
    task = sc(env, selfcheck_id)
    assert task.overdue and task.colour == "red" and task.officer_id == officer
    [contact] = ready(env, selfcheck_id)
    assert contact.spec == "sc_contact" and contact.reserved_for_id == officer
    # Overdue on Saturday: two working days to reach the enterprise, Monday 13 and Tuesday 14 April.
    assert contact.due_at == datetime.fromisoformat("2026-04-15T00:00:00+08:00")
    with env.db.read() as s:
        assert s.scalars(select(Notification).where(Notification.user_id == officer,
                                                    Notification.kind == "escalation")).first()
    set_clock(env, "2026-04-14T23:00:00+08:00")
    fire_due(env.runtime)
    assert sc(env, selfcheck_id).escalated_tier == 1
    set_clock(env, "2026-04-15T00:01:00+08:00")
    fire_due(env.runtime)
    assert sc(env, selfcheck_id).escalated_tier == 2
    town = user_id(env, "town")
    with env.db.read() as s:
        assert s.scalars(select(Notification).where(Notification.user_id == town,
                                                    Notification.title.contains("企业自查"))).first()
    # The officer records the call; the enterprise can still submit within the link's grace.
    env.run(lambda s, rt: complete_task(s, rt, contact.id, {"outcome": "已电话联系，承诺明日提交"}, "陈静",
                                        user_id=officer))
    assert sc(env, selfcheck_id).contact_outcome == "已电话联系，承诺明日提交"
    submit(env, selfcheck_id, campaign["root"])
    task = sc(env, selfcheck_id)
    assert task.status == "submitted" and task.on_time is False and task.overdue


def test_the_link_expires_after_the_deadline_and_grace_and_a_new_one_replaces_it(env, campaign):
    [(selfcheck_id, token)] = campaign["links"]
    task = sc(env, selfcheck_id)
    set_clock(env, task.token_expires_at.isoformat())
    with env.db.read() as s, pytest.raises(tokens.LinkExpired):
        tokens.task_for_token(s, token, env.clock.now())

    def renew(s, rt):
        from engine.calendar.store import load_calendar
        return tokens.renew(s, load_calendar(s, rt.timezone), s.get(type(task), selfcheck_id), "督查科", rt.now())
    fresh = env.run(renew)
    with env.db.read() as s:
        with pytest.raises(NotFound):
            tokens.task_for_token(s, token, env.clock.now())
        assert tokens.task_for_token(s, fresh, env.clock.now()).id == selfcheck_id


def test_problem_answers_open_a_case_linked_to_the_enterprise(env, campaign):
    [(selfcheck_id, _)] = campaign["links"]
    submit(env, selfcheck_id, campaign["root"], values={"q1": "no", "q2": "yes", "q3": "无"})
    case = _review(env, selfcheck_id, "accept", "立案查处", category="air")
    with env.db.read() as s:
        stored = s.get(Case, case.id)
        assert stored.enterprise_id == campaign["enterprise"].id and stored.channel == "grid"
        assert "废气治理设施是否正常运行：否" in stored.description and "是否存在超标排放：是" in stored.description
    assert sc(env, selfcheck_id).case_id == case.id
