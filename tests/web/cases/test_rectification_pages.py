"""Rectification items on the web: the handler lists them in the handling form, the evidence and
sign-off task pages, the items on the case page; one write transaction per request (the ``app``
fixture counts them)."""
from __future__ import annotations

import html as htmlmod

from sqlalchemy import select

from engine.models import Attachment
from engine.models.rectification import RectificationItem


def _handling(env):
    case = env.register()
    env.accept_and_assign(case)
    return case


def _attach(env, case) -> int:
    with env.db.write() as s:
        a = Attachment(case_id=case.id, filename="after.jpg", content_type="image/jpeg", size=10, sha256="0" * 64,
                       stored_path=f"{case.id}/after.jpg", uploaded_by="handler", uploaded_at=env.clock.now())
        s.add(a)
        s.flush()
        return a.id


def _items(env, case):
    with env.db.read() as s:
        return list(s.scalars(select(RectificationItem).where(RectificationItem.case_id == case.id)
                              .order_by(RectificationItem.seq)))


def test_items_are_listed_worked_and_signed_off_through_the_pages(env, as_user):
    case = _handling(env)
    handler, lead = as_user("handler"), as_user("lead")
    handle = env.task(case, "handle")
    page = handler.get(f"/tasks/{handle.id}").get_data(as_text=True)
    assert 'name="rectification"' in page and "整改项（逐项整改销号）" in page
    response = handler.post(f"/tasks/{handle.id}", {
        "outcome": "done", "findings": "除尘布袋破损", "complete": "1",
        "rectification": "更换除尘布袋｜某化工厂｜3｜更换后照片\n补办排污许可变更｜某化工厂｜10｜许可证"})
    assert response.status_code == 302
    assert [i.what for i in _items(env, case)] == ["更换除尘布袋", "补办排污许可变更"]

    photo = _attach(env, case)
    shown = htmlmod.unescape(handler.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "整改项" in shown and "已销号 0 / 2" in shown and "更换除尘布袋" in shown and f"编号 {photo}" in shown

    for _ in range(2):
        evidence = env.task(case, "rectify_evidence")
        form = handler.get(f"/tasks/{evidence.id}").get_data(as_text=True)
        assert 'name="evidence_attachments"' in form
        assert handler.post(f"/tasks/{evidence.id}", {"evidence_note": "已更换", "evidence_attachments": str(photo),
                                                      "complete": "1"}).status_code == 302
        signoff = env.task(case, "rectify_signoff")
        assert signoff.candidate_group == "lead"
        assert lead.post(f"/tasks/{signoff.id}", {"signed_off": "true", "complete": "1"}).status_code == 302
    assert [i.status for i in _items(env, case)] == ["signed_off", "signed_off"]
    shown = htmlmod.unescape(lead.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "已销号 2 / 2" in shown and f"/cases/{case.id}/attachments/{photo}" in shown
    assert "整改项第 1 项销号" in shown  # the timeline


def test_a_wrong_line_is_shown_beside_the_field_and_nothing_changes(env, as_user):
    case = _handling(env)
    handle = env.task(case, "handle")
    response = as_user("handler").post(f"/tasks/{handle.id}", {
        "outcome": "done", "findings": "x", "rectification": "只写了内容", "complete": "1"})
    assert response.status_code in (400, 422)
    assert "整改项第 1 行格式不对" in htmlmod.unescape(response.get_data(as_text=True))
    assert _items(env, case) == [] and env.task(case, "handle")


def test_each_item_task_page_shows_the_item_it_is_about(env, as_user):
    case = _handling(env)
    handler, lead = as_user("handler"), as_user("lead")
    handle = env.task(case, "handle")
    handler.post(f"/tasks/{handle.id}", {
        "outcome": "done", "findings": "除尘布袋破损", "complete": "1",
        "rectification": "更换除尘布袋｜某化工厂｜3｜更换后照片\n补办排污许可变更｜<b>环保专员</b>｜10｜许可证"})
    items = {i.seq: i for i in _items(env, case)}
    photo = _attach(env, case)
    seen = set()
    for _ in range(2):
        evidence = env.task(case, "rectify_evidence")
        page = handler.get(f"/tasks/{evidence.id}").get_data(as_text=True)
        shown = htmlmod.unescape(page)
        seq = next(n for n in items if f"整改项 第 {n} 项" in shown)
        item = items[seq]
        seen.add(seq)
        assert 'id="rectification-item"' in page
        assert item.what in shown and item.responsible in shown and item.evidence_required in shown
        assert f"{item.days} 个工作日" in shown
        assert "<b>环保专员</b>" not in page  # the text is escaped
        handler.post(f"/tasks/{evidence.id}", {"evidence_note": f"第{seq}项已完成", "evidence_attachments": str(photo),
                                               "complete": "1"})
        signoff = env.task(case, "rectify_signoff")
        page = htmlmod.unescape(lead.get(f"/tasks/{signoff.id}").get_data(as_text=True))
        assert f"整改项 第 {seq} 项" in page and item.what in page and f"第{seq}项已完成" in page
        assert f"/cases/{case.id}/attachments/{photo}" in page
        lead.post(f"/tasks/{signoff.id}", {"signed_off": "true", "complete": "1"})
    assert seen == {1, 2}
