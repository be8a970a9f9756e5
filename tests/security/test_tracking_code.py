"""The tracking code is the complainant's secret: whoever holds it may rate the reply in the
complainant's name on the public portal (engine/public/portal.py), so staff who may not see the
complainant never see it.

The attack: a handler, a lead or a grid officer reads the code off anything they are shown (the
case page, the case list, a task page, a document, the API) and rates the reply as satisfied
before the complainant does. Intake (who reads the code out on the phone) and supervisors keep
seeing it; the Open311 client that submitted a request gets it back as its token.
"""
from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from documents.issue import list_documents
from engine.models import Task
from engine.org.api_tokens import create_token

# A code as engine/cases/numbering.py draws them: 10 characters, no 0/O/1/I.
CODE_LIKE = re.compile(r"(?<![0-9A-Za-z])[2-9A-HJ-NP-Z]{10}(?![0-9A-Za-z])")
WITHOUT_THE_RIGHT = ("handler", "lead", "gridofficer")


@pytest.fixture(autouse=True)
def _documents_and_limits(app, tmp_path):
    app.config.update(DOCUMENTS_DIR=str(tmp_path / "documents"), CASE_CODE_LOOKUP_LIMIT="1000 per minute",
                      PUBLIC_ACTION_LIMIT="1000 per minute")


def _token(env, *scopes, user=None):
    _row, token = env.run(create_token, f"code {user}", list(scopes), created_by="admin", username=user)
    return {"Authorization": f"Bearer {token}"}


def _pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def _assigned(env, note: str = ""):
    case = env.register()
    # The intake desk wrote the code into a note (any letter case, grouped): it is masked there too.
    code = env.case(case).tracking_code
    env.accept_and_assign(case, instructions=f"已电话告知投诉人查询码 {code[:5].lower()}-{code[5:].lower()}。{note}")
    return env.case(case)


def _everything_seen_by(env, as_user, case, username: str) -> str:
    """Every page, task page, document and API answer about the case this person may open."""
    browser, seen = as_user(username), []
    seen.append(browser.get(f"/cases/{case.id}").get_data(as_text=True))
    seen.append(browser.get(f"/cases?q={case.number}").get_data(as_text=True))
    with env.db.read() as s:
        tasks = list(s.scalars(select(Task.id).where(Task.case_id == case.id)))
        documents = list_documents(s, case.id)
    for task_id in tasks:
        page = browser.get(f"/tasks/{task_id}")
        if page.status_code == 200:
            seen.append(page.get_data(as_text=True))
    for row in documents:
        pdf = browser.get(f"/cases/{case.id}/documents/{row.id}.pdf")
        assert pdf.status_code == 200
        seen.append(_pdf_text(pdf.data))
    api = browser.client.application.test_client()
    answer = api.get(f"/api/v1/cases/{case.id}", headers=_token(env, "cases:read", user=username))
    assert answer.status_code == 200
    seen.append(json.dumps(answer.get_json(), ensure_ascii=False))
    return "\n".join(seen)


def _close(env, case):
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实"}, actor="handler")
    env.complete(case, "feedback", {"reply": "已责令整改", "contact_method": "phone"}, actor="handler")
    env.complete(case, "review", {"approved": True}, actor="lead")


@pytest.mark.parametrize("username", WITHOUT_THE_RIGHT)
def test_staff_without_the_right_never_see_the_code(env, as_user, username):
    case = _assigned(env)
    seen = _everything_seen_by(env, as_user, case, username)
    assert "已电话告知投诉人查询码" in seen  # the note itself is shown, the code in it masked
    assert case.tracking_code not in seen.upper().replace("-", "")
    _close(env, case)
    seen = _everything_seen_by(env, as_user, case, username)
    assert case.tracking_code not in seen.upper().replace("-", "")


@pytest.mark.parametrize("username", ["intake", "supervisor"])
def test_intake_and_supervisors_keep_seeing_it(env, as_user, username):
    case = _assigned(env)
    page = as_user(username).get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"<code>{case.tracking_code}</code>" in page


def test_documents_hide_it_except_the_official_notices_to_the_complainant(env, as_user):
    case = _assigned(env)
    with env.db.read() as s:
        rows = {row.kind: row for row in list_documents(s, case.id)}
    notice, slip = rows["acceptance_notice"], rows["assignment_slip"]
    intake = as_user("intake").get(f"/cases/{case.id}/documents/{notice.id}.pdf")
    assert intake.headers["X-Document-Copy"] == "official" and case.tracking_code in _pdf_text(intake.data)
    copy = as_user("handler").get(f"/cases/{case.id}/documents/{notice.id}.pdf")
    assert copy.headers["X-Document-Copy"] == "masked"
    assert "查询码**********" in _pdf_text(copy.data) and case.tracking_code not in _pdf_text(copy.data)
    # The assignment slip leaves the bureau: not even its stored snapshot keeps the code.
    assert case.tracking_code not in json.dumps(slip.context, ensure_ascii=False)


def test_a_handler_or_lead_cannot_rate_in_the_complainants_name(env, as_user):
    case = _assigned(env)
    _close(env, case)
    assert [t.spec for t in env.ready(case)] == ["follow_up"]
    visitor = as_user()
    for username in WITHOUT_THE_RIGHT:
        seen = _everything_seen_by(env, as_user, case, username)
        for candidate in set(CODE_LIKE.findall(seen)):
            url = f"/public/track/{candidate}"
            answer = visitor.post(f"{url}/rate", data={"satisfaction": "satisfied"}, page_url="/public/track")
            assert answer.status_code == 404, candidate
    assert [t.spec for t in env.ready(case)] == ["follow_up"] and env.case(case).satisfaction is None

    # The complainant, told the code by the intake desk, can.
    url = f"/public/track/{case.tracking_code}"
    answer = visitor.post(f"{url}/rate", data={"satisfaction": "satisfied"}, page_url=url)
    assert answer.status_code == 303 and env.case(case).satisfaction == "satisfied"


def test_open311_hands_the_code_to_the_submitting_client_only(env, app):
    client = app.test_client()
    key = env.run(create_token, "城市服务 App", ["open311:submit"], created_by="admin")[1]
    sent = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "noise", "address_string": "城关镇建设路 8 号",
        "description": "工地每晚 23 点后仍在打桩", "last_name": "张", "first_name": "三", "phone": "13800000000"})
    assert sent.status_code == 201, sent.get_data(as_text=True)
    token = sent.get_json()[0]["token"]
    number = sent.get_json()[0]["service_request_id"]
    assert client.get(f"/open311/v2/tokens/{token}.json").get_json()[0]["service_request_id"] == number
    listed = client.get("/open311/v2/requests.json").get_data(as_text=True)
    shown = client.get(f"/open311/v2/requests/{number}.xml").get_data(as_text=True)
    assert token not in listed and token not in shown
