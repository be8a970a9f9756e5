"""What a task page shows besides its form follows the definitions an administrator edits: the
user task's `context` and `prefill` properties in the diagram, the form's `prefill` flag."""
from __future__ import annotations

import copy
import re

from engine.definitions.deploy import deploy, shipped_files
from engine.definitions.form_store import create_form, current_raw, save_form, starting_definition
from tests.web.work.test_task_page import field_html


def sections(html: str) -> list[str]:
    """The headings of the earlier steps' records, in page order."""
    return re.findall(r"<h2>前序环节：(.*?)</h2>", html)


def deploy_edited(env, *edits: tuple[str, str]) -> None:
    text = shipped_files()[0]["complaint.bpmn"]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    with env.db.write() as s:
        deploy(s, env.runtime, {"complaint.bpmn": text}, shipped_files()[1], deployed_by="admin", comment="v2")


def save_raw(env, name: str, raw: dict) -> None:
    with env.db.write() as s:
        save_form(s, name, raw, "admin", "改", env.clock.now())


def to_review(env):
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实"})
    env.complete(case, "feedback", {"reply": "已电话告知", "contact_method": "phone"})
    return case


def page(as_user, env, case, spec: str, who: str) -> str:
    return as_user(who).get(f"/tasks/{env.task(case, spec).id}").get_data(as_text=True)


def test_the_shipped_diagram_shows_the_review_to_the_handler_only_when_it_sent_the_case_back(env, as_user):
    case = env.register()
    env.accept_and_assign(case)
    assert sections(page(as_user, env, case, "handle", "handler")) == ["交办"]
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实"})
    env.complete(case, "feedback", {"reply": "已电话告知", "contact_method": "phone"})
    assert sections(page(as_user, env, case, "review", "lead")) == ["办理", "反馈"]
    env.complete(case, "review", {"approved": False, "comment": "整改证据不足"})
    html = page(as_user, env, case, "handle", "handler")
    assert sections(html) == ["交办", "审核"] and "整改证据不足" in html

    # Approved, then reopened by an unsatisfied complainant: the approval is not the handler's brief.
    env.complete(case, "handle", {"outcome": "done", "findings": "补充监测报告"})
    env.complete(case, "feedback", {"reply": "再次答复", "contact_method": "sms"})
    env.complete(case, "review", {"approved": True})
    env.complete(case, "follow_up", {"satisfaction": "unsatisfied", "comment": "仍有气味"})
    assert sections(page(as_user, env, case, "handle", "handler")) == ["交办"]


def test_a_diagram_without_the_review_context_shows_the_reviewer_nothing_earlier(env, as_user):
    before = to_review(env)
    deploy_edited(env, ('<spiffworkflow:property name="context" value="handle, feedback" />', ""))
    after = to_review(env)
    html = page(as_user, env, after, "review", "lead")
    assert sections(html) == [] and "现场核查属实" not in html
    # A case started on version 1 keeps the steps its version lists.
    assert sections(page(as_user, env, before, "review", "lead")) == ["办理", "反馈"]


def test_the_condition_is_the_diagrams(env, as_user):
    deploy_edited(env, ('value="assign, review if approved is False"', 'value="review, assign"'))
    case = to_review(env)
    env.complete(case, "review", {"approved": True})
    env.complete(case, "follow_up", {"satisfaction": "unsatisfied", "comment": "仍有气味"})
    assert sections(page(as_user, env, case, "handle", "handler")) == ["审核", "交办"]


def test_a_copied_form_the_diagram_points_at_keeps_the_context_and_the_decision_flag(env, as_user):
    with env.db.write() as s:
        raw = starting_definition(s, "review_signed", {"zh_CN": "签批审核", "en": "Signed review"}, "review")
        create_form(s, "review_signed", raw, "admin", "复制", env.clock.now())
    deploy_edited(env, ('name="form" value="review"', 'name="form" value="review_signed"'))
    case = to_review(env)
    assert sections(page(as_user, env, case, "review", "lead")) == ["办理", "反馈"]
    env.complete(case, "review", {"approved": False, "comment": "整改证据不足"})
    html = page(as_user, env, case, "handle", "handler")
    assert sections(html) == ["交办", "签批审核"] and "整改证据不足" in html
    env.complete(case, "handle", {"outcome": "done", "findings": "补充监测报告"})
    env.complete(case, "feedback", {"reply": "再次答复", "contact_method": "sms"})
    html = page(as_user, env, case, "review", "lead")
    assert "checked" not in field_html(html, "approved") and "整改证据不足" not in field_html(html, "comment")


def test_the_prefill_flag_of_the_form_decides_what_a_new_round_starts_from(env, as_user):
    with env.db.read() as s:
        handle, review = current_raw(s, "handle"), current_raw(s, "review")
    save_raw(env, "handle", {**handle, "prefill": False})
    review = copy.deepcopy(review)
    del review["prefill"]
    save_raw(env, "review", review)
    case = to_review(env)
    env.complete(case, "review", {"approved": False, "comment": "整改证据不足"})
    html = page(as_user, env, case, "handle", "handler")
    assert "现场核查属实" not in field_html(html, "findings") and "checked" not in field_html(html, "outcome")
    assert "整改证据不足" in html  # what to read first does not depend on the flag
    env.complete(case, "handle", {"outcome": "done", "findings": "补充监测报告"})
    env.complete(case, "feedback", {"reply": "再次答复", "contact_method": "sms"})
    html = page(as_user, env, case, "review", "lead")
    assert "整改证据不足</textarea>" in field_html(html, "comment")


def test_the_suggestion_is_whatever_the_diagram_maps(env, as_user):
    deploy_edited(env, ('name="prefill" value="department: route_department, ',
                        'name="prefill" value="instructions: &quot;请三日内到场核查&quot;, '))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    html = page(as_user, env, case, "assign", "intake")
    assert "请三日内到场核查</textarea>" in field_html(html, "instructions")
    assert "建议交办要求：请三日内到场核查；处理方式：交办" in html
    assert "selected" not in field_html(html, "department")

    deploy_edited(env, ('<spiffworkflow:property name="prefill" value="department: route_department, transfer_to: '
                        'department_name(route_transfer), action: \'transfer\' if route_transfer else \'assign\' if '
                        'route_department else None" />', ""))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    html = page(as_user, env, case, "assign", "intake")
    assert "建议" not in html.split('id="form-heading"')[1].split("<form")[0]
    assert "checked" not in field_html(html, "action")


def test_the_suggestion_speaks_english_from_the_form_labels(env, as_user):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    intake = as_user("intake")
    intake.post("/lang/en", {"next": "/"}, page_url="/")
    html = intake.get(f"/tasks/{env.task(case, 'assign').id}").get_data(as_text=True)
    assert "Suggested — Department: 大气环境科; Action: Assign" in html
