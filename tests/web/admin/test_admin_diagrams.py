"""The administrator's diagram pages: JSON editor endpoints, history, rollback, migration."""
import json

from sqlalchemy import select

from engine.definitions.deploy import shipped_files
from engine.models import AuditEvent, ProcessDefinition

SLOWER = ("deadline(handle_from, 60 + extended_days, 48)", "deadline(handle_from, 45 + extended_days, 48)")


def _csrf(browser):
    import re
    html = browser.get("/admin/diagrams/complaint/edit").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _post_json(browser, url, body):
    return browser.client.post(url, data=json.dumps(body), content_type="application/json",
                               headers={"X-CSRFToken": _csrf(browser)})


def _files(edit=None):
    bpmn, dmn = shipped_files()
    if edit:
        bpmn = {"complaint.bpmn": edit(bpmn["complaint.bpmn"])}
    return bpmn, dmn


def test_only_administrators_reach_the_pages(as_user):
    for url in ("/admin", "/admin/diagrams", "/admin/diagrams/complaint/edit", "/admin/diagrams/complaint/files.json",
                "/admin/diagrams/complaint/versions", "/admin/decisions"):
        assert as_user("supervisor").get(url).status_code == 403, url
        assert as_user("admin").get(url).status_code == 200, url
    assert as_user().get("/admin/diagrams").status_code in (302, 401)


def test_landing_page_links_only_to_pages_that_exist(as_user):
    html = as_user("admin").get("/admin").get_data(as_text=True)
    assert "/admin/diagrams" in html and "/admin/decisions" in html


def test_files_endpoint_gives_the_editor_its_files_and_choices(as_user):
    data = as_user("admin").get("/admin/diagrams/complaint/files.json").get_json()
    assert set(data["bpmn_files"]) == {"complaint.bpmn"} and set(data["dmn_files"]) == {"routing.dmn"}
    assert data["revision"] == 0 and data["base_version"] == 1
    assert "handle" in data["choices"]["form"] and data["choices"]["timer"] == ["warning", "deadline", "escalation", "task_warning"]
    assert "userTask" in data["properties"]["form"]["elements"]


def test_validate_names_the_broken_element_with_its_name(as_user):
    admin = as_user("admin")
    bpmn, dmn = _files(lambda t: t.replace('name="form" value="review"', 'name="from" value="review"', 1))
    result = _post_json(admin, "/admin/diagrams/complaint/validate", {"bpmn_files": bpmn, "dmn_files": dmn}).get_json()
    assert not result["ok"]
    elements = {(p["element"], p["name"]) for p in result["problems"]}
    assert ("review", "审核办结") in elements


def test_the_editor_offers_what_a_task_page_shows_and_a_bad_reference_is_named(as_user):
    admin = as_user("admin")
    data = admin.get("/admin/diagrams/complaint/files.json").get_json()
    assert {"context", "prefill"} <= set(data["property_order"])
    assert data["properties"]["context"]["elements"] == ["userTask"] and data["properties"]["prefill"]["long"]
    bpmn, dmn = _files(lambda t: t.replace('value="handle, feedback"', 'value="handle, feedbak"', 1))
    result = _post_json(admin, "/admin/diagrams/complaint/validate", {"bpmn_files": bpmn, "dmn_files": dmn}).get_json()
    [problem] = result["problems"]
    assert (problem["element"], problem["name"]) == ("review", "审核办结")
    assert "feedbak" in problem["message"] and "“feedback”" in problem["message"]


def test_deploy_refused_keeps_the_draft_then_deploys_and_shows_history(as_user, env):
    admin = as_user("admin")
    broken, dmn = _files(lambda t: t.replace('name="form" value="review"', 'name="form" value="nope"', 1))
    response = _post_json(admin, "/admin/diagrams/complaint/deploy",
                          {"bpmn_files": broken, "dmn_files": dmn, "revision": 0, "comment": "试试"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["revision"] == 1 and body["problems"][0]["element"] == "review"

    no_comment = _post_json(admin, "/admin/diagrams/complaint/deploy",
                            {"bpmn_files": broken, "dmn_files": dmn, "revision": 1, "comment": " "})
    assert no_comment.status_code == 422 and no_comment.get_json()["field"] == "comment"

    stale = _post_json(admin, "/admin/diagrams/complaint/draft", {"bpmn_files": broken, "dmn_files": dmn, "revision": 0})
    assert stale.status_code == 409 and "admin" in stale.get_json()["error"]

    good, dmn = _files(lambda t: t.replace(*SLOWER))
    response = _post_json(admin, "/admin/diagrams/complaint/deploy",
                          {"bpmn_files": good, "dmn_files": dmn, "revision": 1, "comment": "办理时限45天"})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    html = admin.get("/admin/diagrams/complaint/versions").get_data(as_text=True)
    assert "办理时限45天" in html and "stage_handle_deadline" in html and "45 + extended_days" in html
    assert "已发布第 2 版" in html


def test_rollback_from_the_history_page(as_user, env):
    admin = as_user("admin")
    good, dmn = _files(lambda t: t.replace(*SLOWER))
    _post_json(admin, "/admin/diagrams/complaint/deploy",
               {"bpmn_files": good, "dmn_files": dmn, "revision": 0, "comment": "v2"})
    response = admin.post("/admin/diagrams/complaint/versions/1/rollback", {"comment": "恢复60天"},
                          page_url="/admin/diagrams/complaint/versions", follow_redirects=True)
    assert "第 1 版的内容已发布为第 3 版" in response.get_data(as_text=True)
    with env.db.read() as s:
        v3 = s.scalars(select(ProcessDefinition).where(ProcessDefinition.version == 3)).one()
        assert SLOWER[0] in v3.bpmn_files["complaint.bpmn"] and v3.deployed_by == "admin"


def test_migration_page_dry_run_and_migrate(as_user, env):
    moving = env.register(title="办理中")
    env.accept_and_assign(moving)
    stuck = env.register(title="反馈中")
    env.accept_and_assign(stuck)
    env.complete(stuck, "handle", {"outcome": "done", "findings": "ok"})
    admin = as_user("admin")
    renamed, dmn = _files(lambda t: t.replace('id="feedback"', 'id="reply"').replace('targetRef="feedback"', 'targetRef="reply"')
                          .replace('sourceRef="feedback"', 'sourceRef="reply"').replace('bpmnElement="feedback"', 'bpmnElement="reply"')
                          .replace('value="handle, feedback"', 'value="handle, reply"')
                          .replace('name="context" value="feedback"', 'name="context" value="reply"'))
    assert _post_json(admin, "/admin/diagrams/complaint/deploy",
                      {"bpmn_files": renamed, "dmn_files": dmn, "revision": 0, "comment": "v2"}).status_code == 200
    url = "/admin/diagrams/complaint/versions/1/migrate"
    page = admin.post(url, {"to": "2", "scope": "all", "action": "check"}).get_data(as_text=True)
    assert "可迁移 1 件，不能迁移 1 件" in page and "feedback" in page
    page = admin.post(url, {"to": "2", "scope": "all", "action": "migrate"}).get_data(as_text=True)
    assert "已迁移 1 件到第 2 版" in page
    with env.db.read() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.kind == "instance_migrated")))
    assert [(e.case_id, e.actor) for e in events] == [(moving.id, "admin")]
    assert env.instance(moving).definition_id != env.instance(stuck).definition_id
