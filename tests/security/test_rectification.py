"""Rectification items: only the lead signs off (a handler gets 404 on the sign-off task), the
sign-off needs its CSRF token, and what the handler typed is escaped on the case page."""
from __future__ import annotations

from engine.models.rectification import RectificationItem

HOSTILE = '<script>alert(1)</script>'


def _signoff_ready(env):
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "x",
                                  "rectification": f"{HOSTILE}｜<b>某厂</b>｜3｜照片"})
    env.complete(case, "rectify_evidence", {"evidence_note": HOSTILE})
    return case, env.task(case, "rectify_signoff")


def test_a_handler_cannot_see_or_sign_off_an_item(env, as_user):
    case, signoff = _signoff_ready(env)
    handler = as_user("handler")
    assert handler.get(f"/tasks/{signoff.id}").status_code == 404
    refused = handler.post(f"/tasks/{signoff.id}", {"signed_off": "true", "complete": "1"},
                           page_url=f"/cases/{case.id}")
    assert refused.status_code == 404
    assert env.task(case, "rectify_signoff") and env.audit(case, "rectification_signed_off") == []


def test_sign_off_without_the_csrf_token_is_refused(env, as_user):
    case, signoff = _signoff_ready(env)
    lead = as_user("lead")
    response = lead.client.post(f"/tasks/{signoff.id}", data={"signed_off": "true", "complete": "1"})
    assert response.status_code == 400
    assert env.audit(case, "rectification_signed_off") == []


def test_item_text_and_evidence_are_escaped_on_the_case_page(env, as_user):
    case, _ = _signoff_ready(env)
    html = as_user("lead").get(f"/cases/{case.id}").get_data(as_text=True)
    assert HOSTILE not in html and "<b>某厂</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    with env.db.read() as s:
        assert s.query(RectificationItem).filter_by(case_id=case.id).one().what == HOSTILE
