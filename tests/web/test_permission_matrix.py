"""Who may open which page: role × page × own/other town, written out as one table.

The expectations follow webapp/access.py: a role page the person lacks answers 403; a case or
task outside their scope answers 404 (its existence is not revealed). A change in those rules
must show up here as a failing row, so the table is explicit rather than computed.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, Case, Notification, Task, User

# Case A: 城关镇 (T01), assigned to 大气环境科 (air). Case B: 东城街道 (T02), assigned to the
# enforcement brigade. Their handle tasks are "task A" / "task B".
#
# Why each person sees what they see (access.py):
#   intake       county intake desk: every case; only intake-group tasks (none here)
#   handler      air department at county level: case A by department; only handler tasks of air
#   gridofficer  enforcement handler posted to T01: case B by department, case A by its town
#   lead         air lead: case A; only lead-group tasks (none here)
#   town         tier-2 supervisor of T01: case A by town; only tier-2 supervision tasks
#   supervisor   tier-3, county: every case; only tier-3 supervision tasks
#   leader       tier-4, county: every case; only tier-4 supervision tasks
#   admin        everything
PAGES = ["overview", "dashboard", "inbox", "intake", "approvals", "board", "map", "cases", "notifications",
         "case_A", "case_B", "task_A", "task_B", "board_case_A", "board_case_B"]
MATRIX = """
             overview dashboard inbox intake approvals board map   cases notifications case_A case_B task_A task_B board_case_A board_case_B
intake       200      403       200   200    403       403   403   200   200           200    200    404    404    403          403
handler      200      403       200   403    403       403   403   200   200           200    404    200    404    403          403
gridofficer  200      403       200   403    403       403   403   200   200           200    200    200    200    403          403
lead         200      403       200   403    200       403   403   200   200           200    404    404    404    403          403
town         200      200       200   403    403       200   200   200   200           200    404    404    404    200          404
supervisor   200      200       200   403    403       200   200   200   200           200    200    404    404    200          200
leader       200      200       200   403    403       200   200   200   200           200    200    404    404    200          200
admin        200      200       200   200    200       200   200   200   200           200    200    200    200    200          200
"""


def _table() -> dict[str, dict[str, int]]:
    header, *rows = [line.split() for line in MATRIX.strip().splitlines()]
    assert header == PAGES, "the table's columns must be the pages, in order"
    return {row[0]: dict(zip(PAGES, map(int, row[1:]), strict=True)) for row in rows}


EXPECTED = _table()


@pytest.fixture
def world(env):
    case_a = env.register(title="城关镇 化工厂夜间异味", category="air", grid_code="T01-A01-V01")
    env.accept_and_assign(case_a, "air")
    case_b = env.register(title="东城街道 工地夜间施工噪声", category="noise", grid_code="T02-A01-V01")
    env.accept_and_assign(case_b, "enforcement")
    task_a, task_b = env.task(case_a, "handle"), env.task(case_b, "handle")
    with env.db.read() as s:
        handler_id = s.scalar(select(User.id).where(User.username == "handler"))
        note = s.scalars(select(Notification).where(Notification.user_id == handler_id,
                                                    Notification.case_id == case_a.id)).first()
    assert note is not None and note.read_at is None, "the handler is told about the new task"
    urls = {
        "overview": "/overview", "dashboard": "/dashboard", "inbox": "/inbox", "intake": "/intake/new", "approvals": "/approvals", "board": "/board", "map": "/map",
        "cases": "/cases", "notifications": "/notifications",
        "case_A": f"/cases/{case_a.id}", "case_B": f"/cases/{case_b.id}",
        "task_A": f"/tasks/{task_a.id}", "task_B": f"/tasks/{task_b.id}",
        "board_case_A": f"/board/cases/{case_a.id}", "board_case_B": f"/board/cases/{case_b.id}",
    }
    return {"urls": urls, "case_a": case_a, "case_b": case_b, "task_a": task_a, "task_b": task_b,
            "note": note}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_role_gets_exactly_its_row_of_the_matrix(world, as_user, username):
    browser = as_user(username)
    got = {page: browser.get(world["urls"][page]).status_code for page in PAGES}
    wrong = {page: f"expected {EXPECTED[username][page]}, got {got[page]}"
             for page in PAGES if got[page] != EXPECTED[username][page]}
    assert not wrong, f"{username}: {wrong}"


def test_the_matrix_covers_every_role_of_the_demo_staff():
    assert set(EXPECTED) == {"intake", "handler", "gridofficer", "lead", "town", "supervisor", "leader", "admin"}


def test_out_of_scope_pages_do_not_leak_the_case(world, as_user):
    handler = as_user("handler")
    for url in (world["urls"]["case_B"], world["urls"]["task_B"]):
        page = handler.get(url).get_data(as_text=True)
        assert world["case_b"].number not in page and "东城街道 工地" not in page, url
    town = as_user("town")
    page = town.get(world["urls"]["board_case_B"]).get_data(as_text=True)
    assert world["case_b"].number not in page
    lead = as_user("lead")
    denied = lead.get("/board")
    assert denied.status_code == 403 and "您没有权限" in denied.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(world, as_user):
    anonymous = as_user()
    for page, url in world["urls"].items():
        response = anonymous.get(url)
        assert response.status_code == 302, page
        target = urlparse(response.headers["Location"])
        assert target.path == "/login", page
        assert parse_qs(target.query).get("next") == [url], page


def _count(env, model, *where) -> int:
    with env.db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _task(env, task_id: str) -> Task:
    with env.db.read() as s:
        return s.get(Task, task_id)


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
def test_every_post_form_refuses_a_request_without_a_valid_csrf_token(world, as_user, env, token):
    a, task_a, note = world["case_a"], world["task_a"], world["note"]
    # (who, url, form data): each person has the right to post it, so only the token is wrong.
    posts = [
        ("intake", "/logout", {}),
        (None, "/login", {"username": "intake", "password": "test-password-1"}),
        (None, "/lang/en", {"next": "/login"}),
        ("handler", f"/tasks/{task_a.id}/claim", {"next": "/inbox"}),
        ("handler", f"/tasks/{task_a.id}/release", {"next": "/inbox"}),
        ("handler", f"/tasks/{task_a.id}", {"outcome": "done", "findings": "已整改", "complete": "1"}),
        ("handler", f"/tasks/{task_a.id}", {"outcome": "done", "save_draft": "1"}),
        ("intake", "/intake/new", {"channel": "hotline", "category": "air", "title": "伪造的登记",
                                   "complainant_name": "张三", "grid_code": "T01-A01-V01"}),
        ("intake", "/intake/duplicates", {"category": "air", "grid_code": "T01-A01-V01"}),
        ("supervisor", f"/board/cases/{a.id}/supervise", {"note": "请加快办理"}),
        ("supervisor", f"/board/cases/{a.id}/reassign", {"task_id": task_a.id, "assignee": ""}),
        ("leader", f"/board/cases/{a.id}/own", {}),
        ("leader", f"/board/cases/{a.id}/release", {}),
        ("handler", f"/notifications/{note.id}/read", {"next": "/notifications"}),
        ("handler", "/notifications/read-all", {"next": "/notifications"}),
        ("handler", "/notifications/settings", {"email_frequency": "never"}),
    ]
    cases_before = _count(env, Case)
    events_before = _count(env, AuditEvent)
    failures = []
    for username, url, data in posts:
        browser = as_user(username)
        if token:
            data = {**data, "csrf_token": token}
        response = browser.client.post(url, data=data)
        body = response.get_data(as_text=True)
        if response.status_code != 400 or "CSRF" not in body:
            failures.append(f"{username or 'anonymous'} POST {url} {sorted(data)} → {response.status_code}")
        if url == "/logout" and browser.get("/inbox").status_code != 200:
            failures.append("logout without a token signed the person out")
    assert not failures, failures
    # Nothing any of them asked for happened.
    assert _count(env, Case) == cases_before
    assert _count(env, AuditEvent) == events_before
    task = _task(env, task_a.id)
    assert (task.state, task.assignee_id) == ("ready", None)
    with env.db.read() as s:
        assert s.get(Notification, note.id).read_at is None
        assert s.get(Case, a.id).leader_owner_id is None


def test_posts_to_a_task_or_case_outside_the_scope_answer_404(world, as_user, env):
    handler, town = as_user("handler"), as_user("town")
    task_b = world["task_b"]
    # A valid token (from a page the person may open), so only the scope decides.
    assert handler.post(f"/tasks/{task_b.id}/claim", {"next": "/inbox"}, page_url="/inbox").status_code == 404
    assert handler.post(f"/tasks/{task_b.id}", {"outcome": "done", "findings": "越权办理"},
                        page_url="/inbox").status_code == 404
    assert town.post(f"/board/cases/{world['case_b'].id}/supervise", {"note": "越权督办"},
                     page_url="/board").status_code == 404
    task = _task(env, task_b.id)
    assert (task.state, task.assignee_id) == ("ready", None)
    assert not env.audit(world["case_b"], "supervised")
    # The same requests inside the scope do work: the 404s above are the scope, not a broken form.
    assert handler.post(f"/tasks/{world['task_a'].id}/claim", {"next": "/inbox"}, page_url="/inbox").status_code == 302
    assert town.post(f"/board/cases/{world['case_a'].id}/supervise", {"note": "请加快办理"},
                     page_url="/board").status_code == 303
