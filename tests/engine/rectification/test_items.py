"""Rectification item by item (逐项整改销号) in the shipped complaint diagram: the handler's list
opens one item each, each with its own working-day timers and escalation (the real worker,
engine/timers/fire.py, on a ManualClock), evidence by the case's attachment ids, the lead's sign-off,
and no closing while an item is open."""
import pytest
from sqlalchemy import select

from engine.core.errors import FormInvalid
from engine.models import Attachment
from engine.models.rectification import RectificationItem

# START (tests/conftest.py) is Monday 2 March 2026, 10:00 Shanghai: an item of 2 working days
# ends at 24:00 on Wednesday 4 March (16:00 UTC).
TWO_DAYS_END = "2026-03-04T16:00:00+00:00"
ITEMS = "停用破损的除尘布袋并更换｜某化工厂｜2｜更换后照片\n补办排污许可变更 | 某化工厂 | 5 | 许可证复印件"


def handled_with_items(env, text=ITEMS):
    case = env.register()
    env.accept_and_assign(case)
    env.sign_for(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "除尘设施破损", "rectification": text})
    return case


def items(env, case):
    with env.db.read() as s:
        return list(s.scalars(select(RectificationItem).where(RectificationItem.case_id == case.id)
                              .order_by(RectificationItem.seq)))


def attach(env, case, name="after.jpg"):
    with env.db.write() as s:
        a = Attachment(case_id=case.id, filename=name, content_type="image/jpeg", size=10,
                       sha256="0" * 64, stored_path=f"{case.id}/{name}", uploaded_by="handler",
                       uploaded_at=env.clock.now())
        s.add(a)
        s.flush()
        return a.id


def rectify(env, case, attachment_id, *, sign=True):
    env.complete(case, "rectify_evidence", {"evidence_note": "已更换", "evidence_attachments": str(attachment_id)})
    data = {"signed_off": True} if sign else {"signed_off": False, "signoff_comment": "照片看不清"}
    env.complete(case, "rectify_signoff", data)


def test_each_item_runs_on_its_own_and_the_case_waits_for_every_sign_off(env):
    case = handled_with_items(env)
    first, second = items(env, case)
    assert [(i.seq, i.responsible, i.days, i.status) for i in (first, second)] == [
        (1, "某化工厂", 2, "open"), (2, "某化工厂", 5, "open")]
    evidence = [t for t in env.ready(case) if t.spec == "rectify_evidence"]
    assert len(evidence) == 2 and {t.candidate_group for t in evidence} == {"handler"}
    assert sorted(t.due_at.isoformat() for t in evidence)[0] == TWO_DAYS_END
    assert env.case(case).stage == "rectify"
    photo = attach(env, case)
    rectify(env, case, photo)
    assert [i.status for i in items(env, case)].count("signed_off") == 1
    assert "feedback" not in [t.spec for t in env.ready(case)]  # one item still open
    rectify(env, case, photo, sign=False)  # the lead sends the second back
    assert "rectify_evidence" in [t.spec for t in env.ready(case)]
    assert items(env, case)[1].status == "open"
    rectify(env, case, photo)
    done = items(env, case)
    assert [i.status for i in done] == ["signed_off", "signed_off"] and done[0].signed_off_by == "tester"
    assert done[0].evidence_attachment_ids == str(photo)
    assert [t.spec for t in env.ready(case)] == ["feedback"]
    env.complete(case, "feedback", {"reply": "已整改", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})
    assert env.case(case).status == "closed"
    kinds = [e.kind for e in env.audit(case) if e.kind.startswith("rectification_")]
    assert kinds.count("rectification_opened") == 2 and kinds.count("rectification_signed_off") == 2
    assert kinds.count("rectification_sent_back") == 1


def test_an_items_own_deadline_warns_then_escalates_one_tier(env):
    case = handled_with_items(env)
    tier = env.case(case).tier
    env.at("2026-03-04T15:59:00+00:00")
    assert env.audit(case, "rectification_overdue") == []
    assert [e.detail["seq"] for e in env.audit(case, "rectification_warning")] == [1]
    env.at("2026-03-04T16:00:01+00:00")
    [overdue] = env.audit(case, "rectification_overdue")
    assert overdue.detail["seq"] == 1
    [escalated] = env.audit(case, "escalated")
    assert escalated.stage == "rectify" and escalated.detail["to_tier"] == tier + 1
    assert items(env, case)[0].overdue is True and items(env, case)[1].overdue is False
    assert "supervise" in [t.spec for t in env.ready(case)]
    assert (env.case(case).colour, env.case(case).tier) == ("red", tier + 1)


def test_signed_off_item_does_not_escalate(env):
    case = handled_with_items(env, "更换布袋｜某化工厂｜2｜照片")
    rectify(env, case, attach(env, case))
    env.at("2026-03-04T16:00:01+00:00")
    assert env.audit(case, "rectification_overdue") == [] and env.audit(case, "escalated") == []


@pytest.mark.parametrize("text", ["更换布袋｜某化工厂｜两天｜照片", "更换布袋｜某化工厂｜2", "更换布袋｜｜2｜照片",
                                  "更换布袋｜某化工厂｜0｜照片", "更换布袋｜某化工厂｜61｜照片"])
def test_a_malformed_item_line_is_a_field_error_and_changes_nothing(env, text):
    case = env.register()
    env.accept_and_assign(case)
    with pytest.raises(FormInvalid) as refused:
        env.complete(case, "handle", {"outcome": "done", "findings": "x", "rectification": "照片｜甲｜1｜照片\n" + text})
    assert "第 2 行" in refused.value.errors["rectification"][0]
    assert items(env, case) == [] and [t.spec for t in env.ready(case)] == ["handle"]


def test_evidence_must_be_a_file_of_this_case(env):
    case = handled_with_items(env, "更换布袋｜某化工厂｜2｜照片")
    other = env.register(title="另一件")
    foreign = attach(env, other)
    with pytest.raises(FormInvalid) as refused:
        env.complete(case, "rectify_evidence", {"evidence_note": "已更换", "evidence_attachments": str(foreign)})
    assert "不是本件的附件" in refused.value.errors["evidence_attachments"][0]
    assert items(env, case)[0].status == "open"


def test_closing_is_refused_while_an_item_is_open(env):
    """The engine's own rule, whatever path reached the review: an open item blocks 办结."""
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "已核查"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    with env.db.write() as s:
        s.add(RectificationItem(case_id=case.id, seq=1, what="补充材料", responsible="甲", days=2,
                                evidence_required="照片", status="submitted", opened_at=env.clock.now(),
                                overdue=False))
    with pytest.raises(FormInvalid) as refused:
        env.complete(case, "review", {"approved": True})
    assert "尚有 1 项整改未销号" in refused.value.errors["approved"][0]
    assert env.case(case).status != "closed" and [t.spec for t in env.ready(case)] == ["review"]
