"""The REST API /api/v1: token auth and scopes, cases (an online-monitoring alarm reaching the
intake inbox), tasks with the web's scope and conflict rules, documents, the token admin page
and the `greenloop api-token` command."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, true
from sqlalchemy.exc import IntegrityError

from engine.cases.intake import register_case
from engine.models import AuditEvent, Case, Task, User
from engine.models.api import ApiToken
from engine.org.api_tokens import create_token

ALARM = {"category": "air", "subject_enterprise": "示范化工有限公司", "grid_code": "T01-A01-V01",
         "monitoring": {"station_code": "ZJ-0571-003", "station_name": "示范化工1号排口", "pollutant": "SO2",
                        "measured_value": 150.0, "limit_value": 100.0, "unit": "mg/m³",
                        "measured_at": "2026-03-02T09:55:00+08:00"}}


def token_for(env, *scopes: str, user: str | None = None, channel: str | None = None) -> dict:
    _row, token = env.run(create_token, f"test {' '.join(scopes)} {user or ''}", list(scopes), created_by="admin",
                               username=user, channel=channel)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(app):
    return app.test_client()


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"} and body["message"]
    if code:
        assert body["code"] == code
    return body


# ---------------------------------------------------------------------------- authentication


def test_no_bad_or_revoked_token_is_401_and_a_missing_scope_403(env, api):
    error(api.get("/api/v1/cases"), 401, "unauthorized")
    assert api.get("/api/v1/cases").headers["WWW-Authenticate"].startswith("Bearer")
    error(api.get("/api/v1/cases", headers={"Authorization": "Bearer glt_not-a-token"}), 401)
    error(api.get("/api/v1/cases", headers={"Authorization": "Basic abc"}), 401)
    reader = token_for(env, "cases:read")
    assert api.get("/api/v1/cases", headers=reader).status_code == 200
    body = error(api.post("/api/v1/cases", json=ALARM, headers=reader), 403, "insufficient_scope")
    assert "cases:write" in body["message"]
    error(api.get("/api/v1/cases/1/documents", headers=reader), 403)
    with env.db.write() as s:
        s.execute(ApiToken.__table__.update().values(revoked_at=env.clock.now()))
    error(api.get("/api/v1/cases", headers=reader), 401)


def test_a_machine_token_has_no_tasks_and_a_deactivated_users_token_stops(env, api):
    error(api.get("/api/v1/tasks", headers=token_for(env, "cases:read")), 403)
    headers = token_for(env, "tasks:read", user="handler")
    assert api.get("/api/v1/tasks", headers=headers).status_code == 200
    with env.db.write() as s:
        s.scalars(select(User).where(User.username == "handler")).one().active = False
    error(api.get("/api/v1/tasks", headers=headers), 401)


def test_unknown_api_paths_and_bodies_answer_in_the_api_error_shape(env, api):
    headers = token_for(env, "cases:write")
    error(api.get("/api/v1/nothing-here", headers=headers), 404, "not_found")
    error(api.post("/api/v1/cases", data="category=air", headers=headers), 400, "bad_request")
    error(api.post("/api/v1/cases", json=[ALARM], headers=headers), 400)


def test_rate_limit_per_token(env, app, api):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    headers, other = token_for(env, "cases:read"), token_for(env, "cases:read")
    assert [api.get("/api/v1/cases", headers=headers).status_code for _ in range(3)] == [200] * 3
    body = error(api.get("/api/v1/cases", headers=headers), 429, "rate_limited")
    assert body["message"]
    assert api.get("/api/v1/cases", headers=other).status_code == 200  # another client's allowance


def test_oversized_body_is_413(env, app, api):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    body = dict(ALARM, title="x", description="污" * 3000)
    error(api.post("/api/v1/cases", json=body, headers=token_for(env, "cases:write")), 413, "payload_too_large")


# ---------------------------------------------------------------------------- cases


def test_monitoring_alarm_becomes_a_case_in_the_intake_inbox_with_its_measurement(env, api, as_user):
    headers = token_for(env, "cases:write", "cases:read")
    response = api.post("/api/v1/cases", json=ALARM, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/cases/{body['id']}"
    assert body["channel"] == "monitoring" and body["status"] == "received" and body["stage"] == "receive"
    assert body["title"] == "示范化工1号排口 SO2 超标：150mg/m³（限值 100mg/m³）"
    assert body["details"]["monitoring"] == {**ALARM["monitoring"], "kind": "exceedance", "exceedance_multiple": 0.5}
    assert body["grid_path"] == "/C/T01/T01-A01/T01-A01-V01/"
    case = env.case(body["id"])
    assert case.details["monitoring"]["measured_value"] == 150.0 and case.api_token_id is not None
    assert [t.spec for t in env.ready(case)] == ["receive"]
    assert env.audit(case, "process_started")[0].actor.startswith("api:")

    intake = as_user("intake")
    inbox = intake.get("/inbox?view=group").get_data(as_text=True)
    assert "示范化工1号排口 SO2 超标" in inbox
    page = intake.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "在线监测报警" in page and "ZJ-0571-003" in page and "150.0 mg/m³" in page and "超标倍数" in page

    assert api.get(response.headers["Location"], headers=headers).get_json() == body


def test_a_retried_alarm_finds_its_case(env, api):
    headers = token_for(env, "cases:write")
    first = api.post("/api/v1/cases", json=dict(ALARM, external_id="ALM-20260302-0042"), headers=headers)
    again = api.post("/api/v1/cases", json=dict(ALARM, external_id="ALM-20260302-0042"), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert first.get_json()["external_id"] == "ALM-20260302-0042"
    # Another client's ids are its own; without an id every submission is new.
    other = api.post("/api/v1/cases", json=dict(ALARM, external_id="ALM-20260302-0042"),
                     headers=token_for(env, "cases:write"))
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]
    assert api.post("/api/v1/cases", json=ALARM, headers=headers).status_code == 201
    assert api.post("/api/v1/cases", json=ALARM, headers=headers).status_code == 201
    with env.db.read() as s:
        assert len(list(s.scalars(select(Case)))) == 4
    # Two retries racing past the lookup: the database keeps the id unique per client.
    with pytest.raises(IntegrityError):
        env.run(register_case, {"channel": "monitoring", "category": "air", "title": "x"}, "api:x",
                      api_token_id=env.case(first.get_json()["id"]).api_token_id, external_id="ALM-20260302-0042")


def test_create_validation_is_field_level_and_stores_nothing(env, api):
    headers = token_for(env, "cases:write")
    body = error(api.post("/api/v1/cases", json={"title": "无类别"}, headers=headers), 422, "validation_error")
    assert "category" in body["errors"]
    bad_alarm = dict(ALARM, monitoring=dict(ALARM["monitoring"], measured_value="high", measured_at="yesterday"))
    body = error(api.post("/api/v1/cases", json=bad_alarm, headers=headers), 422)
    assert {"monitoring.measured_value", "monitoring.measured_at"} <= set(body["errors"])
    body = error(api.post("/api/v1/cases", json=dict(ALARM, grid_code="NOWHERE"), headers=headers), 422)
    assert "grid_code" in body["errors"]
    # A NUL refuses the request as a whole (webapp/input_hygiene.py), before any field is checked.
    error(api.post("/api/v1/cases", json=dict(ALARM, description="a\x00b"), headers=headers), 400, "bad_request")
    error(api.post("/api/v1/cases", json=dict(ALARM, colour="red"), headers=headers), 422)
    # Not a monitoring alarm: a title and a channel are needed (the hotline also needs a contact).
    body = error(api.post("/api/v1/cases", json={"category": "noise", "title": "噪声"}, headers=headers), 422)
    assert "channel" in body["errors"]
    body = error(api.post("/api/v1/cases", json={"category": "noise", "title": "噪声", "channel": "hotline"},
                          headers=headers), 422)
    assert "complainant_name" in body["errors"]
    with env.db.read() as s:
        assert s.scalars(select(Case)).first() is None


def test_token_channel_and_a_forwarded_complaint(env, api):
    headers = token_for(env, "cases:write", channel="higher")
    body = api.post("/api/v1/cases", json={"category": "water", "title": "市局转办：河道排污", "grid_code": "T02",
                                           "complainant_anonymous": True}, headers=headers).get_json()
    assert body["channel"] == "higher" and body["details"] is None


def test_only_intake_staff_register_through_a_user_token(env, api):
    error(api.post("/api/v1/cases", json=ALARM, headers=token_for(env, "cases:write", user="handler")), 403)
    response = api.post("/api/v1/cases", json=ALARM, headers=token_for(env, "cases:write", user="intake"))
    assert response.status_code == 201
    case = env.case(response.get_json()["id"])
    with env.db.read() as s:
        assert case.created_by_id == s.scalar(select(User.id).where(User.username == "intake"))
    assert env.audit(case, "process_started")[0].actor == "intake"


def test_machine_clients_read_only_their_own_cases_users_their_scope(env, api):
    mine, theirs = token_for(env, "cases:write", "cases:read"), token_for(env, "cases:write", "cases:read")
    own = api.post("/api/v1/cases", json=ALARM, headers=mine).get_json()
    other = api.post("/api/v1/cases", json=dict(ALARM, category="water"), headers=theirs).get_json()
    hotline = env.register(grid_code="T02-A01-V01", category="noise", title="广场舞噪声")
    listed = api.get("/api/v1/cases", headers=mine).get_json()
    assert [c["id"] for c in listed["items"]] == [own["id"]] and listed["total"] == 1
    error(api.get(f"/api/v1/cases/{other['id']}", headers=mine), 404)
    error(api.get(f"/api/v1/cases/{hotline.id}", headers=mine), 404)

    # The grid officer of 城关镇 (T01) sees T01's cases and their own department's, not T02's.
    officer = token_for(env, "cases:read", user="gridofficer")
    seen = {c["id"] for c in api.get("/api/v1/cases?per_page=100", headers=officer).get_json()["items"]}
    assert own["id"] in seen and hotline.id not in seen
    error(api.get(f"/api/v1/cases/{hotline.id}", headers=officer), 404)
    # Identity: the handler sees it masked, intake in full.
    handler_view = api.get(f"/api/v1/cases/{hotline.id}", headers=token_for(env, "cases:read", user="supervisor"))
    assert handler_view.get_json()["complainant"] == {"anonymous": False, "name": "张三", "phone": "13800000000"}
    env.accept_and_assign(hotline)
    masked = api.get(f"/api/v1/cases/{hotline.id}", headers=token_for(env, "cases:read", user="handler"))
    assert masked.get_json()["complainant"] == {"anonymous": False, "name": "张*", "phone": "138****0000"}


def test_case_list_filters_and_paging(env, api):
    headers = token_for(env, "cases:read", user="intake")
    for i in range(3):
        env.register(title=f"异味 {i}", category="air")
    env.register(title="河道发黑", category="water", grid_code="T02-A01-V01")
    page = api.get("/api/v1/cases?category=air&per_page=2", headers=headers).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
    assert [c["title"] for c in api.get("/api/v1/cases?town=T02", headers=headers).get_json()["items"]] == ["河道发黑"]
    assert api.get("/api/v1/cases?q=河道", headers=headers).get_json()["total"] == 1
    body = error(api.get("/api/v1/cases?colour=purple&per_page=500", headers=headers), 422)
    assert set(body["errors"]) == {"colour", "per_page"}


# ---------------------------------------------------------------------------- tasks


def test_claim_and_complete_tasks_like_the_web(env, api):
    case = env.register()
    intake = token_for(env, "tasks:read", "tasks:write", user="intake")
    listed = api.get("/api/v1/tasks", headers=intake).get_json()
    assert [(t["spec"], t["case_number"]) for t in listed["items"]] == [("receive", case.number)]
    task_id = listed["items"][0]["id"]
    detail = api.get(f"/api/v1/tasks/{task_id}", headers=intake).get_json()
    assert detail["form"] == "receive" and "decision" in detail["form_schema"]["properties"]

    claimed = api.post(f"/api/v1/tasks/{task_id}/claim", headers=intake)
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "intake"
    assert api.get("/api/v1/tasks?mine=true", headers=intake).get_json()["total"] == 1

    body = error(api.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "maybe"}}, headers=intake),
                 422)
    assert "decision" in body["errors"]
    assert env.task(case, "receive").id == task_id  # nothing was saved

    done = api.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "accept"}}, headers=intake)
    assert done.status_code == 200, done.get_json()
    result = done.get_json()
    assert result["task"]["state"] == "completed" and result["task"]["completed_by"] == "intake"
    assert result["case"]["status"] == "accepted"
    assert [t["spec"] for t in result["next_tasks"]] == ["assign"]
    again = error(api.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "accept"}},
                           headers=intake), 409, "conflict")
    assert "intake" in again["message"] and again["errors"]["completed_by"] == ["intake"]
    error(api.post(f"/api/v1/tasks/{task_id}/claim", headers=intake), 409)
    with env.db.read() as s:
        assert s.scalar(select(Task.completed_by).where(Task.id == task_id)) == "intake"


def test_read_scope_does_not_write_and_claims_by_others_conflict(env, api):
    case = env.register()
    task_id = env.task(case, "receive").id
    error(api.post(f"/api/v1/tasks/{task_id}/claim", headers=token_for(env, "tasks:read", user="intake")), 403)
    with env.db.write() as s:
        s.get(Task, task_id).assignee_id = s.scalar(select(User.id).where(User.username == "admin"))
    body = error(api.post(f"/api/v1/tasks/{task_id}/claim", headers=token_for(env, "tasks:write", user="intake")), 409)
    assert body["code"] == "conflict"


def test_a_user_token_cannot_see_another_towns_task(env, api):
    """The 城关镇 grid officer works enforcement cases and T01's; a T02 air case is not theirs."""
    case = env.register(grid_code="T02-A01-V01")
    env.accept_and_assign(case, department="air")
    task_id = env.task(case, "handle").id
    officer = token_for(env, "tasks:read", "tasks:write", user="gridofficer")
    assert task_id not in [t["id"] for t in api.get("/api/v1/tasks", headers=officer).get_json()["items"]]
    error(api.get(f"/api/v1/tasks/{task_id}", headers=officer), 404)
    error(api.get("/api/v1/tasks/a%00b", headers=officer), 404)
    # A NUL anywhere in a request refuses it as a whole (webapp/input_hygiene.py).
    error(api.get("/api/v1/tasks?stage=%00", headers=officer), 400)
    error(api.post(f"/api/v1/tasks/{task_id}/claim", headers=officer), 404)
    error(api.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}, headers=officer), 404)
    assert env.task(case, "handle").assignee_id is None
    handler = token_for(env, "tasks:read", user="handler")
    assert task_id in [t["id"] for t in api.get("/api/v1/tasks", headers=handler).get_json()["items"]]


# ---------------------------------------------------------------------------- documents


def test_documents_list_and_download_within_scope_and_identity_rules(env, app, api, tmp_path):
    import io

    from pypdf import PdfReader

    from documents.issue import issue_now, list_documents

    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    case = env.register()
    env.run(issue_now, case.id, "acceptance_notice", actor="intake", scope=true())
    env.run(issue_now, case.id, "assignment_slip", actor="intake", scope=true())
    with env.db.read() as s:
        rows = list_documents(s, case.id)
    intake = token_for(env, "documents:read", user="intake")
    listed = api.get(f"/api/v1/cases/{case.id}/documents", headers=intake).get_json()["items"]
    assert [d["id"] for d in listed] == [r.id for r in rows]
    assert listed[0]["kind"] == rows[0].kind and listed[0]["status"] == "pending"

    pdf = api.get(listed[0]["download"], headers=intake)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(pdf.data)).pages)
    assert case.number in text
    assert api.get(f"/api/v1/cases/{case.id}/documents", headers=intake).get_json()["items"][0]["status"] == \
        "rendered"

    # Before assignment the case is not the air section's: its handler does not see it at all.
    error(api.get(f"/api/v1/cases/{case.id}/documents", headers=token_for(env, "documents:read", user="handler")), 404)
    error(api.get(listed[0]["download"], headers=token_for(env, "documents:read", user="handler")), 404)
    error(api.get(f"/api/v1/cases/{case.id}/documents/999999/pdf", headers=intake), 404)

    # Once the case is the air section's, its handler sees every document, those naming the
    # complainant as masked copies (脱敏副本) that leave the official file alone.
    env.accept_and_assign(case, department="air")
    handler = token_for(env, "documents:read", user="handler")
    shown = api.get(f"/api/v1/cases/{case.id}/documents", headers=handler).get_json()["items"]
    with env.db.read() as s:
        rows = list_documents(s, case.id)
    assert [d["id"] for d in shown] == [r.id for r in rows]
    assert [d["copy"] for d in shown] == ["masked" if r.identity_shown else "official" for r in rows]
    assert all(d["sha256"] is None and d["size"] is None for d in shown if d["copy"] == "masked")
    official_file = tmp_path / "documents" / rows[0].stored_path
    before = official_file.read_bytes()
    for row in rows:
        pdf = api.get(f"/api/v1/cases/{case.id}/documents/{row.id}/pdf", headers=handler)
        assert pdf.status_code == 200
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages))
        assert case.number in text and "张三" not in text and "13800000000" not in text
        assert ("脱敏副本·不作正式文书使用" in text) == row.identity_shown
        assert pdf.headers["X-Document-Copy"] == ("masked" if row.identity_shown else "official")
    assert official_file.read_bytes() == before
    with env.db.read() as s:
        assert [(r.sha256, r.stored_path) for r in list_documents(s, case.id) if r.identity_shown] == \
            [(r.sha256, r.stored_path) for r in rows if r.identity_shown]
    intake_pdf = api.get(f"/api/v1/cases/{case.id}/documents/{rows[0].id}/pdf", headers=intake)
    assert intake_pdf.headers["X-Document-Copy"] == "official" and intake_pdf.data == before

    # A machine client acting for nobody gets neither the official file nor a masked copy.
    machine = token_for(env, "cases:write", "documents:read")
    own = api.post("/api/v1/cases", json=ALARM, headers=machine).get_json()
    notice = env.run(issue_now, own["id"], "acceptance_notice", actor="intake", scope=true())
    assert notice.identity_shown
    assert api.get(f"/api/v1/cases/{own['id']}/documents", headers=machine).get_json()["items"] == []
    error(api.get(f"/api/v1/cases/{own['id']}/documents/{notice.id}/pdf", headers=machine), 404)


# ---------------------------------------------------------------------------- OpenAPI, admin page, CLI


def test_openapi_document_names_every_operation_with_its_scope(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and spec["servers"] == [{"url": "/api/v1"}]
    operations = {(path, method): op for path, item in spec["paths"].items() for method, op in item.items()}
    assert set(operations) == {
        ("/cases", "post"), ("/cases", "get"), ("/cases/{case_id}", "get"), ("/cases/{case_id}/documents", "get"),
        ("/cases/{case_id}/documents/{document_id}/pdf", "get"), ("/tasks", "get"), ("/tasks/{task_id}", "get"),
        ("/tasks/{task_id}/claim", "post"), ("/tasks/{task_id}/complete", "post"), ("/stats", "get"),
        ("/ledger", "get")}
    assert all(op["security"] == [{"bearer": []}] for op in operations.values())
    assert "[tasks:write]" in operations[("/tasks/{task_id}/complete", "post")]["summary"]
    assert "409" in operations[("/tasks/{task_id}/complete", "post")]["responses"]
    assert set(spec["components"]["schemas"]["Monitoring"]["required"]) == {
        "station_code", "pollutant", "measured_value", "limit_value", "measured_at"}


def test_admin_page_creates_shows_once_and_revokes(env, api, as_user):
    assert as_user("intake").get("/admin/api-tokens").status_code == 403
    admin = as_user("admin")
    assert admin.get("/admin/api-tokens").status_code == 200
    bad = admin.post("/admin/api-tokens", {"name": "", "scopes": ["tasks:read"]})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "名称必填" in page and "任务权限需指定" in page
    created = admin.post("/admin/api-tokens", {"name": "在线监测平台", "scopes": ["cases:write", "cases:read"],
                                               "channel": "monitoring"})
    assert created.status_code == 201
    token = re.search(r'<code id="new-token"[^>]*>(glt_[^<]+)</code>', created.get_data(as_text=True)).group(1)
    assert api.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = admin.get("/admin/api-tokens").get_data(as_text=True)
    assert "在线监测平台" in listing and token not in listing and token[:10] in listing
    with env.db.read() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.name == "在线监测平台")).one()
    assert row.channel == "monitoring" and row.created_by == "admin" and token not in row.token_hash
    # A revoke without the CSRF token is refused; with it, the token stops working.
    assert admin.client.post(f"/admin/api-tokens/{row.id}/revoke").status_code == 400
    assert admin.post(f"/admin/api-tokens/{row.id}/revoke", page_url="/admin/api-tokens").status_code == 302
    error(api.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}), 401)
    assert "已吊销" in admin.get("/admin/api-tokens").get_data(as_text=True)


def test_cli_creates_lists_and_revokes(env, api, monkeypatch, capsys):
    from webapp.cli import main

    monkeypatch.setenv("GREENLOOP_DATABASE_URL", env.db.url)
    assert main(["api-token", "create", "监测平台", "--scopes", "cases:write,cases:read", "--channel",
                 "monitoring"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("glt_")
    assert api.post("/api/v1/cases", json=ALARM, headers={"Authorization": f"Bearer {token}"}).status_code == 201
    assert main(["api-token", "create", "x", "--scopes", "tasks:read"]) == 1
    assert "--user" in capsys.readouterr().err
    assert main(["api-token", "list"]) == 0
    out = capsys.readouterr().out
    assert "监测平台" in out and token not in out and "active" in out
    with env.db.read() as s:
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.name == "监测平台"))
    assert main(["api-token", "revoke", str(token_id), "--by", "admin"]) == 0
    error(api.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}), 401)
    with env.db.read() as s:
        kinds = list(s.scalars(select(AuditEvent.kind).where(AuditEvent.case_id.is_(None))))
    assert "api_token_created" in kinds and "api_token_revoked" in kinds
