"""One case per submitted form (webapp/submissions.py): a resent public complaint, two posts of it at
the same moment, and a double-clicked intake form each register one case, and the repeat answers
with the first case's confirmation. A form token taken to another session registers nothing of
the first person's."""
from __future__ import annotations

import io
import re
import threading

import pytest

import webapp.submissions as submissions
from engine.models import Attachment
from tests import images
from tests.web.conftest import csrf_of

JPEG = images.jpeg()
FORM = {"category": "noise", "description": "工地每晚十一点后还在打桩，噪声很大", "grid_code": "T01-A01-V01",
        "complainant_name": "李四", "complainant_phone": "13900001111", "subject_type": "construction"}
TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')
CODE_RE = re.compile(r'id="tracking-code">([0-9A-Z]{10})<')


@pytest.fixture(autouse=True)
def _generous_limits(app):
    app.config.update(PUBLIC_SUBMIT_LIMIT="1000 per minute")


def open_form(client, url="/public/new") -> dict:
    page = client.get(url).get_data(as_text=True)
    return {"csrf_token": csrf_of(page), "submission_token": TOKEN_RE.search(page).group(1)}


def post(client, fields: dict, **extra):
    data = {**FORM, **fields, **extra, "attachments": (io.BytesIO(JPEG), "工地.jpg")}
    return client.post("/public/new", data=data, content_type="multipart/form-data")


def confirmed_code(client) -> str:
    return CODE_RE.search(client.get("/public/submitted").get_data(as_text=True)).group(1)


def test_the_same_public_form_sent_again_gives_its_first_case(env, app):
    client = app.test_client()
    fields = open_form(client)
    first = post(client, fields)
    assert first.status_code == 303
    code = confirmed_code(client)
    again = post(client, fields, description="工地每晚十一点后还在打桩（再次提交）")
    assert again.status_code == 303 and again.headers["Location"].endswith("/public/submitted")
    assert confirmed_code(client) == code
    assert env.count() == 1 and env.count(Attachment) == 1
    # The same person filling in the form anew is a new complaint.
    assert post(client, open_form(client)).status_code == 303
    assert env.count() == 2


def test_two_identical_public_posts_at_once_give_one_case(env, app, monkeypatch):
    first_client = app.test_client()
    fields = open_form(first_client)
    second_client = app.test_client()
    cookie = first_client.get_cookie("session")
    second_client.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)

    # Both posts look for an earlier case before either has registered one: they meet here, so
    # only the database's unique key can keep the second case out.
    both_checked = threading.Barrier(2)
    looked = threading.local()
    real_lookup = submissions.submitted_case

    def lookup_then_wait(session, key):
        found = real_lookup(session, key)
        if not getattr(looked, "once", False):
            looked.once = True
            both_checked.wait(timeout=20)
        return found

    monkeypatch.setattr(submissions, "submitted_case", lookup_then_wait)
    answers: dict[int, object] = {}
    errors: list[BaseException] = []

    def submit(n, client):
        try:
            answers[n] = post(client, fields)
        except BaseException as err:  # noqa: BLE001 — reported below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=submit, args=(n, c)) for n, c in enumerate((first_client, second_client))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [answers[n].status_code for n in (0, 1)] == [303, 303]
    assert env.count() == 1 and env.count(Attachment) == 1
    assert confirmed_code(first_client) == confirmed_code(second_client)


def test_a_form_token_taken_to_another_session_finds_nothing(env, app):
    owner = app.test_client()
    fields = open_form(owner)
    assert post(owner, fields).status_code == 303
    code = confirmed_code(owner)
    stranger = app.test_client()
    own = open_form(stranger)
    assert post(stranger, {**fields, "csrf_token": own["csrf_token"]}).status_code == 303
    assert confirmed_code(stranger) != code  # a case of its own, not the owner's tracking code
    assert env.count() == 2


def test_a_double_clicked_intake_form_registers_one_case(env, as_user):
    intake = as_user("intake")
    fields = open_form(intake.client, "/intake/new")
    data = {"channel": "hotline", "category": "air", "subject_type": "enterprise", "title": "化工厂夜间排放异味",
            "description": "每晚十点以后气味明显", "grid_code": "T01-A01-V01", "complainant_name": "李四", **fields}
    first = intake.client.post("/intake/new", data=data)
    assert first.status_code == 302
    second = intake.client.post("/intake/new", data=data)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    page = intake.get(second.headers["Location"]).get_data(as_text=True)
    assert "这份表单已经提交过" in page
    assert env.count() == 1
