"""Hostile complaint text shows as text on every page that shows it, never as markup.

Each field carries its own marker after the payload, so every check proves that this field was
shown (escaped) on that page — a page that simply left the field out would fail, not pass.
"""
from __future__ import annotations

import re

from markupsafe import escape
from sqlalchemy import select

from engine.models import Case

PAYLOAD = "<script>alert(1)</script>"
# The title also tries to break out of an attribute value (value="…", aria-label="…").
COMPLAINT = {
    "title": f'">{PAYLOAD}标题',
    "description": f"{PAYLOAD}描述",
    "subject_enterprise": f"{PAYLOAD}企业",
    "address": f"{PAYLOAD}地址",
    "complainant_name": f"{PAYLOAD}姓名",
}
STEPS = {
    "note": f"{PAYLOAD}受理备注", "instructions": f"{PAYLOAD}交办要求", "findings": f"{PAYLOAD}核查情况",
    "reply": f"{PAYLOAD}答复意见", "comment": f"{PAYLOAD}审核意见", "return_reason": f"{PAYLOAD}退单理由",
    "supervision": f"{PAYLOAD}督办意见", "search": f"{PAYLOAD}搜索",
}
TEXT = {**COMPLAINT, **STEPS}
SCRIPT_TAG = re.compile(r"<script>alert", re.IGNORECASE)


def shows_escaped(html: str, *names: str, where: str) -> None:
    assert not SCRIPT_TAG.search(html), f"{where}: raw <script> from user text"
    missing = [name for name in names if str(escape(TEXT[name])) not in html]
    assert not missing, f"{where}: not shown escaped: {missing}"


def form(**overrides) -> dict:
    data = {"channel": "hotline", "category": "air", "subject_type": "enterprise", "grid_code": "T01-A01-V01",
            "complainant_phone": "13800000000", **COMPLAINT}
    data.update(overrides)
    return data


def test_hostile_complaint_text_is_escaped_on_every_page(env, as_user):
    intake, handler, lead, supervisor = (as_user(u) for u in ("intake", "handler", "lead", "supervisor"))
    everything = tuple(COMPLAINT)

    # The intake form shown again after an error keeps what was typed, escaped inside value="…".
    again = intake.post("/intake/new", form(category=""))
    assert again.status_code == 400
    shows_escaped(again.get_data(as_text=True), *everything, where="intake form re-shown")

    created = intake.post("/intake/new", form(), follow_redirects=True)
    assert created.status_code == 200
    shows_escaped(created.get_data(as_text=True), *everything, where="case page after registering")
    with env.db.read() as s:
        case = s.scalars(select(Case).where(Case.title == COMPLAINT["title"])).one()

    # Possible duplicates, suggested while a second, similar complaint is typed.
    suggestions = intake.post("/intake/duplicates", {"category": "air", "grid_code": "T01-A01-V01",
                                                     "title": "异味"}, page_url="/intake/new")
    shows_escaped(suggestions.get_data(as_text=True), "title", "description", where="duplicate suggestions")

    shows_escaped(intake.get("/inbox").get_data(as_text=True), "title", where="inbox")
    shows_escaped(intake.get("/overview").get_data(as_text=True), "title", where="overview")
    receive = env.task(case, "receive")
    shows_escaped(intake.get(f"/tasks/{receive.id}").get_data(as_text=True), *everything, where="receive task")

    env.complete(case, "receive", {"decision": "accept", "note": STEPS["note"]}, actor="intake")
    env.complete(case, "assign", {"action": "assign", "department": "air", "instructions": STEPS["instructions"]},
                 actor="intake")
    handle = env.task(case, "handle")
    # The handler does not see who complained, so the name is masked rather than escaped.
    shows_escaped(handler.get(f"/tasks/{handle.id}").get_data(as_text=True),
                  "title", "description", "subject_enterprise", "address", "instructions", where="handle task")
    env.complete(case, "handle", {"outcome": "done", "findings": STEPS["findings"]}, actor="handler")
    feedback = env.task(case, "feedback")
    shows_escaped(handler.get(f"/tasks/{feedback.id}").get_data(as_text=True), "title", "findings",
                  where="feedback task")
    env.complete(case, "feedback", {"reply": STEPS["reply"], "contact_method": "phone"}, actor="handler")

    shows_escaped(lead.get("/approvals").get_data(as_text=True), "title", where="approvals")
    review = env.task(case, "review")
    shows_escaped(lead.get(f"/tasks/{review.id}").get_data(as_text=True), "title", "findings", "reply",
                  where="review task")
    env.complete(case, "review", {"approved": False, "comment": STEPS["comment"]}, actor="lead")

    page = intake.get(f"/cases/{case.id}").get_data(as_text=True)
    timeline = page[page.index('id="h-timeline"'):]
    shows_escaped(page, *everything, where="case page")
    shows_escaped(timeline, "note", "instructions", "findings", "reply", "comment", where="case timeline")

    shows_escaped(intake.get("/cases").get_data(as_text=True), "title", where="case list")
    shows_escaped(intake.get("/cases", query_string={"q": STEPS["search"]}).get_data(as_text=True), "search",
                  where="case list search box")
    shows_escaped(intake.get("/inbox", query_string={"q": STEPS["search"]}).get_data(as_text=True), "search",
                  where="inbox search box")

    # The handler is told the review failed: the case title and the lead's comment.
    shows_escaped(handler.get("/notifications").get_data(as_text=True), "title", "comment", where="notifications")

    shows_escaped(supervisor.get("/board").get_data(as_text=True), "title", where="board")
    supervised = supervisor.post(f"/board/cases/{case.id}/supervise", {"note": STEPS["supervision"]},
                                 page_url=f"/board/cases/{case.id}", follow_redirects=True)
    assert supervised.status_code == 200
    shows_escaped(supervised.get_data(as_text=True), "title", "supervision", where="board case page")


def test_hostile_text_of_a_returned_case_is_escaped(env, as_user):
    case = env.register(**COMPLAINT)
    env.accept_and_assign(case, "air")
    env.complete(case, "handle", {"outcome": "return", "return_reason": STEPS["return_reason"]}, actor="handler")
    # The lead's approval page lists recent returns of the department: the title and the reason.
    shows_escaped(as_user("lead").get("/approvals").get_data(as_text=True), "title", "return_reason",
                  where="approvals: recent returns")
    # The intake desk is told, with the reason.
    shows_escaped(as_user("intake").get("/notifications").get_data(as_text=True), "title", "return_reason",
                  where="intake notifications")
    timeline = as_user("intake").get(f"/cases/{case.id}").get_data(as_text=True)
    shows_escaped(timeline[timeline.index('id="h-timeline"'):], "return_reason", where="timeline: return")
