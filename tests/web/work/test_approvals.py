"""The lead's approval queue: closure reviews, extension requests, recent returns."""
from __future__ import annotations

import re

from tests.web.work.test_inbox import titles

# The enforcement path's lead steps (workflows/bpmn/enforcement.bpmn) are approvals too; none here.
NO_ENFORCEMENT = {"en_file": 0, "en_decide": 0, "en_close": 0}

def kind_counts(html: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in re.findall(r'data-kind="(\w+)">(\d+)<', html)}


def returns_section(html: str) -> str:
    return html[html.index('class="responsive returns"'):]


def to_review(env, case, department="air"):
    env.accept_and_assign(case, department=department)
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})


def to_extension(env, case, department="air"):
    env.accept_and_assign(case, department=department)
    env.complete(case, "handle", {"outcome": "extension", "extension_days": 5, "extension_reason": "等待检测"})


def test_only_leads_open_the_queue(as_user):
    assert as_user("handler").get("/approvals").status_code == 403
    assert as_user("intake").get("/approvals").status_code == 403
    assert as_user("lead").get("/approvals").status_code == 200
    assert as_user("admin").get("/approvals").status_code == 200
    assert as_user().get("/approvals").status_code == 302


def test_queue_lists_the_departments_reviews_and_extensions_with_counts(env, as_user):
    to_review(env, env.register(title="大气审核一"))
    to_review(env, env.register(title="大气审核二"))
    to_extension(env, env.register(title="大气延期"))
    to_review(env, env.register(title="执法审核"), department="enforcement")
    env.accept_and_assign(env.register(title="仍在办理"))

    lead = as_user("lead")
    html = lead.get("/approvals").get_data(as_text=True)
    assert sorted(titles(html)) == ["大气审核一", "大气审核二", "大气延期"]
    # Every kind the lead's lane holds gets its tab (整改销号 from the rectification process has none waiting).
    assert kind_counts(html) == {"review": 2, "approve_extension": 1, "rectify_signoff": 0, **NO_ENFORCEMENT}
    assert "审核办结" in html and "延期审批" in html  # the tasks' names in the diagram
    assert sorted(titles(lead.get("/approvals?kind=approve_extension").get_data(as_text=True))) == ["大气延期"]
    assert sorted(titles(lead.get("/approvals?kind=review").get_data(as_text=True))) == ["大气审核一", "大气审核二"]

    other = as_user("lead2").get("/approvals").get_data(as_text=True)
    assert titles(other) == ["执法审核"] and kind_counts(other) == {"review": 1, "approve_extension": 0, "rectify_signoff": 0,
                                                        **NO_ENFORCEMENT}


def test_lead_approves_an_extension_from_the_queue(env, as_user):
    case = env.register(title="需要延期")
    to_extension(env, case)
    lead = as_user("lead")
    queue = lead.get("/approvals").get_data(as_text=True)
    task_id = re.search(r'<a href="/tasks/([0-9a-f-]{36})">需要延期</a>', queue).group(1)
    page = lead.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "等待检测" in page and "是否同意延期" in page  # the request, then the decision

    refused = lead.post(f"/tasks/{task_id}", {"approved": "false"})
    assert refused.status_code == 422 and [t.spec for t in env.ready(case)] == ["approve_extension"]
    assert lead.post(f"/tasks/{task_id}", {"approved": "true"}).status_code == 302
    assert env.case(case).extension_days == 5
    assert kind_counts(lead.get("/approvals").get_data(as_text=True))["approve_extension"] == 0


def test_recent_returns_are_shown_to_the_department_that_returned_them(env, as_user):
    case = env.register(title="不属本科室")
    env.accept_and_assign(case, department="air")
    env.complete(case, "handle", {"outcome": "return", "return_reason": "属执法大队职责<b>"}, actor="handler")

    html = as_user("lead").get("/approvals").get_data(as_text=True)
    returns = returns_section(html)
    assert "不属本科室" in returns and "属执法大队职责&lt;b&gt;" in returns
    assert "大气科 李强" in returns  # who returned it
    assert "大气环境科" in returns
    assert "不属本科室" not in returns_section(as_user("lead2").get("/approvals").get_data(as_text=True))

    # Intake accepts the return and assigns enforcement: now that department's lead sees it too.
    env.complete(case, "review_return", {"return_decision": "accept"})
    env.complete(case, "assign", {"action": "assign", "department": "enforcement"})
    assert "不属本科室" in returns_section(as_user("lead2").get("/approvals").get_data(as_text=True))
    # Older than the window: gone.
    env.at("2026-04-15T00:00:00+00:00")
    assert "不属本科室" not in returns_section(as_user("lead").get("/approvals").get_data(as_text=True))
