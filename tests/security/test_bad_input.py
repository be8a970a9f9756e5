"""Bad input answers 4xx with a message, never 500: JSON nested without end or too large for the
API, Open311 dates out of any range, and a diagram calling a function that does not exist (refused
at deploy; one stored past deploy answers 409 naming the element and registers nothing)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.core.errors import DeployError, GreenloopError
from engine.definitions.deploy import checksum, deploy, shipped_files
from engine.models import ProcessDefinition
from engine.org.api_tokens import create_token
from webapp.json_limits import API_BODY_BYTES, MAX_DEPTH

BASE = "/open311/v2"
ALARM = {"category": "air", "title": "在线监测超标", "description": "颗粒物超标", "grid_code": "T01-A01-V01",
         "channel": "monitoring", "subject_type": "enterprise"}


def _headers(env, *scopes) -> dict:
    _row, token = env.run(create_token, "bad input", list(scopes), created_by="admin", username="admin")
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


# ---------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,  # past Python's recursion limit: RecursionError in the parser
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),  # parses, but deeper than any request needs
])
def test_deeply_nested_json_is_a_400_naming_the_nesting(env, app, body):
    api = app.test_client()
    headers = _headers(env, "cases:write", "tasks:write")
    for path in ("/api/v1/cases", "/api/v1/tasks/no-such-task/complete"):
        response = api.post(path, data=body, headers=headers)
        assert response.status_code == 400, (path, response.status_code)
        assert f"{MAX_DEPTH}" in response.get_json()["message"]
    assert env.count() == 0


def test_deeply_nested_json_to_a_staff_page_is_a_400(env, as_user):
    admin = as_user("admin")
    page = admin.get("/admin/diagrams/complaint/edit").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = admin.client.post("/admin/diagrams/complaint/validate", data="[" * 100_000,
                                 headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert response.status_code == 400 and "CSRF 校验失败" not in response.get_data(as_text=True)


def test_an_api_body_over_its_limit_is_a_413(env, app):
    body = dict(ALARM, description="污" * API_BODY_BYTES)  # 3 bytes a character in UTF-8
    response = app.test_client().post("/api/v1/cases", json=body, headers=_headers(env, "cases:write"))
    assert response.status_code == 413 and response.get_json()["code"] == "payload_too_large"
    assert env.count() == 0


# ---------------------------------------------------------------------------- Open311 dates


@pytest.mark.parametrize(("query", "field"), [
    ("start_date=9999-12-31T00:00:00Z", "start_date"),  # + 90 days overflowed datetime: was a 500
    ("end_date=0001-01-01T00:00:00Z", "end_date"),  # - 90 days likewise
    ("start_date=9999-12-31T23:59:59%2B00:00&end_date=9999-12-31T23:59:59Z", "start_date"),
    ("start_date=2026-03-02T25:00:00Z", "start_date"),
    ("start_date=2026-W10-1T00:00:00Z", "start_date"),
    ("start_date=2026-03-02T10:00:00", "start_date"),  # no offset
    ("start_date=2026-03-10T00:00:00Z&end_date=2026-03-01T00:00:00Z", "start_date"),  # end before start
    ("start_date=1970-01-01T00:00:00Z&end_date=2999-12-31T00:00:00Z", "end_date"),  # more than 90 days
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_dates_out_of_range_or_malformed_are_400_naming_the_parameter(client_for_open311, query, field,
                                                                              fmt):
    response = client_for_open311.get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert field in response.get_data(as_text=True)


@pytest.fixture
def client_for_open311(app):
    return app.test_client()


# ---------------------------------------------------------------------------- a diagram calling nothing


def _with_script(script: str) -> dict[str, str]:
    text = shipped_files()[0]["complaint.bpmn"]
    old = 'stage = "receive"\nstage_start = now()'
    assert old in text
    return {"complaint.bpmn": text.replace(old, f'stage = "receive"\nstage_start = now()\n{script}', 1)}


def test_deploy_refuses_a_script_calling_an_undefined_function_naming_the_element(env):
    bpmn = _with_script("notify_everyone(stage)")
    with env.db.read() as s:
        before = s.scalar(select(func.count()).select_from(ProcessDefinition))
    with pytest.raises(DeployError) as refused, env.db.write() as s:
        deploy(s, env.runtime, bpmn, shipped_files()[1])
    problems = dict(refused.value.problems)
    assert "notify_everyone" in problems["stage_receive_enter"]
    with env.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ProcessDefinition)) == before  # nothing deployed


def test_deploy_refuses_conditions_and_timers_calling_undefined_functions(env):
    text = (shipped_files()[0]["complaint.bpmn"]
            .replace("len(joint_departments or []) &gt; 0", "count_joint(joint_departments) &gt; 0", 1)
            .replace("deadline(stage_start, 1, 2)", "dealine(stage_start, 1, 2)", 1))
    with pytest.raises(DeployError) as refused, env.db.write() as s:
        deploy(s, env.runtime, {"complaint.bpmn": text}, shipped_files()[1])
    problems = dict(refused.value.problems)
    assert "count_joint" in problems["gw_joint"]
    assert "dealine" in problems["stage_assign_deadline"] and "deadline()" in problems["stage_assign_deadline"]


def test_calls_the_diagram_may_make_are_not_refused(env):
    bpmn = _with_script("def twice(x):\n    return x * 2\nhalf = lambda x: x // 2\n"
                        "n = twice(half(len(sorted([3, 1]))))\nwarned_at = deadline(stage_start, 1, 2)")
    with env.db.write() as s:
        definition, created = deploy(s, env.runtime, bpmn, shipped_files()[1])
    assert created and definition.version == 2


def test_a_stored_diagram_calling_an_undefined_function_answers_409_and_registers_nothing(env, app):
    # As if it had been stored before deploy checked calls: every new case would fail in it.
    bpmn, dmn = _with_script("notify_everyone(stage)"), shipped_files()[1]
    with env.db.write() as s:
        s.add(ProcessDefinition(process_id="complaint", version=2, bpmn_files=bpmn, dmn_files=dmn,
                                checksum=checksum(bpmn, dmn), deployed_at=env.clock.now()))
    response = app.test_client().post("/api/v1/cases", json=ALARM, headers=_headers(env, "cases:write"))
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "workflow_fault" and "stage_receive_enter" in body["message"]
    assert env.count() == 0


def test_the_public_hears_only_that_nothing_was_saved(env, app, as_user):
    bpmn, dmn = _with_script("notify_everyone(stage)"), shipped_files()[1]
    with env.db.write() as s:
        s.add(ProcessDefinition(process_id="complaint", version=2, bpmn_files=bpmn, dmn_files=dmn,
                                checksum=checksum(bpmn, dmn), deployed_at=env.clock.now()))
    app.config["PUBLIC_SUBMIT_LIMIT"] = "1000 per minute"
    form = {"category": "noise", "description": "工地每晚十一点后还在打桩", "grid_code": "T01-A01-V01",
            "address": "城关镇幸福路 8 号", "complainant_name": "李四", "complainant_phone": "13900001111",
            "subject_type": "construction"}
    response = as_user().post("/public/new", data=form, page_url="/public/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "12369" in page
    assert "stage_receive_enter" not in page and "notify_everyone" not in page
    assert env.count() == 0


def test_an_engine_error_no_view_handles_is_a_400_not_a_500(app):
    def boom():
        raise GreenloopError("这个值不行 (that value will not do)")

    app.add_url_rule("/_test/engine-error", "engine_error", boom)
    response = app.test_client().get("/_test/engine-error")
    assert response.status_code == 400 and "that value will not do" in response.get_data(as_text=True)
