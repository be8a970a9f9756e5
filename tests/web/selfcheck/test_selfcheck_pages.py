"""The self-inspection pages: a checklist template edited by the supervision section, a campaign
issued from the page (links shown once), the enterprise completing its link on the phone page
(draft, photo, submit, read-only), the review sending it back and accepting it with a problem
case, a new link, and the completion rate by town and industry."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from engine.models import Case, Task
from engine.models.selfcheck import SelfCheckTask, SelfCheckTemplate
from tests.engine.selfcheck.conftest import ITEMS, add_enterprise, add_template, issue_to, set_clock
from tests.images import png
from tests.web.conftest import csrf_of

LINK = re.compile(r'value="(https?://[^"]+/zc/([A-Za-z0-9_-]{32}))"')


def _template_form(name, items):
    data = {"name": name, "active": "1"}
    for n, item in enumerate(items):
        data[f"question-{n}"], data[f"answer-{n}"] = item["question"], item["answer"]
        data[f"problem-{n}"] = item.get("problem") or "no"
        if item.get("photo"):
            data[f"photo-{n}"] = "1"
    return data


def _issue(env, as_user):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    add_enterprise(env)
    add_enterprise(env, code="91350100M000200Y2L", name="青山纸业", grid="T02", industry="造纸", klass="general",
                   contacts="李四 13900000002")
    supervisor = as_user("supervisor")
    saved = supervisor.post("/selfcheck/templates/new", _template_form("季度自查", ITEMS))
    assert saved.status_code == 302
    with env.db.read() as s:
        template = s.scalars(select(SelfCheckTemplate)).one()
    page = supervisor.post("/selfcheck/issue", {"title": "二季度自查", "template_id": str(template.id),
                                                "workdays": "5", "classes": ["key", "general"]})
    assert page.status_code == 200
    links = LINK.findall(page.get_data(as_text=True))
    assert len(links) == 2
    return supervisor, links


def test_templates_are_the_supervision_section_s(env, as_user):
    assert as_user("town").get("/selfcheck/templates").status_code == 403
    supervisor = as_user("supervisor")
    bad = supervisor.post("/selfcheck/templates/new", {"name": "空表"})
    assert bad.status_code == 422 and "至少填写一个检查项" in bad.get_data(as_text=True)
    assert supervisor.post("/selfcheck/templates/new", _template_form("季度自查", ITEMS)).status_code == 302
    with env.db.read() as s:
        template = s.scalars(select(SelfCheckTemplate)).one()
    edited = supervisor.post(f"/selfcheck/templates/{template.id}", _template_form("季度自查（修订）", ITEMS[:2]))
    assert edited.status_code == 302
    with env.db.read() as s:
        template = s.get(SelfCheckTemplate, template.id)
    assert template.name == "季度自查（修订）" and len(template.items) == 2 and template.items[0]["photo"] is True


def test_issue_complete_review_and_completion(env, as_user, app):
    supervisor, links = _issue(env, as_user)
    url, token = next((u, t) for u, t in links)
    with env.db.read() as s:
        tasks = list(s.scalars(select(SelfCheckTask).order_by(SelfCheckTask.id)))
        first = s.scalars(select(SelfCheckTask).where(SelfCheckTask.token_hash != "")).first()
    client = app.test_client()
    page = client.get(f"/zc/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "二季度自查" in text and page.headers["Cache-Control"] == "private, no-store"
    # No staff name, no contact phone on the enterprise's page.
    assert "吴刚" not in text and "13800000001" not in text and "13900000002" not in text
    csrf = csrf_of(text)
    draft = client.post(f"/zc/{token}", data={"csrf_token": csrf, "action": "save", "q1": "yes",
                                               "photo-q1": (io.BytesIO(png()), "site.png")},
                        content_type="multipart/form-data")
    assert draft.status_code == 302
    refused = client.post(f"/zc/{token}", data={"csrf_token": csrf, "action": "submit", "q1": "yes"})
    assert refused.status_code == 422 and "请回答此项" in refused.get_data(as_text=True)
    done = client.post(f"/zc/{token}", data={"csrf_token": csrf, "action": "submit", "q1": "no", "q2": "yes",
                                              "q3": "<script>alert(1)</script>"})
    assert done.status_code == 302
    read_only = client.get(f"/zc/{token}").get_data(as_text=True)
    assert "<textarea" not in read_only and "&lt;script&gt;" in read_only and "<script>alert" not in read_only
    assert client.post(f"/zc/{token}", data={"csrf_token": csrf, "action": "save", "q3": "x"}).status_code == 409
    with env.db.read() as s:
        submitted = s.scalars(select(SelfCheckTask).where(SelfCheckTask.status == "submitted")).one()
    # Review: send back, the link opens again, resubmit, accept with a problem case.
    task_url = f"/selfcheck/tasks/{submitted.id}"
    with env.db.read() as s:
        review_id = s.scalar(select(Task.id).where(Task.instance_id == submitted.instance_id, Task.spec == "sc_review",
                                                   Task.state == "ready"))
    # The inbox's review task opens beside the answers.
    opened = supervisor.get(f"/tasks/{review_id}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(task_url)
    staff_page = supervisor.get(task_url).get_data(as_text=True)
    assert "问题项" in staff_page and "&lt;script&gt;" in staff_page
    back = supervisor.post(f"{task_url}/review", {"decision": "correct", "review_comment": "请补充整改照片"},
                           page_url=task_url)
    assert back.status_code == 302
    reopened = client.get(f"/zc/{token}").get_data(as_text=True)
    assert "请补充整改照片" in reopened and "<textarea" in reopened
    assert client.post(f"/zc/{token}", data={"csrf_token": csrf, "action": "submit"}).status_code == 302
    accepted = supervisor.post(f"{task_url}/review", {"decision": "accept", "start_case": "1", "case_category": "air"},
                               page_url=task_url)
    assert accepted.status_code == 302
    with env.db.read() as s:
        row = s.get(SelfCheckTask, submitted.id)
        case = s.get(Case, row.case_id)
    assert row.status == "accepted" and case.enterprise_id == row.enterprise_id
    # Completion: one of two submitted, on time.
    index = supervisor.get("/selfcheck").get_data(as_text=True)
    assert "50.0%" in index and "城关镇" in index
    by_industry = supervisor.get("/selfcheck?by=industry").get_data(as_text=True)
    assert "造纸" in by_industry and "化工" in by_industry
    assert len(tasks) == 2 and first is not None


def test_a_new_link_replaces_the_old_one(env, as_user, app):
    supervisor, links = _issue(env, as_user)
    _url, token = links[0]
    with env.db.read() as s:
        task = s.scalars(select(SelfCheckTask).order_by(SelfCheckTask.id)).first()
    page = supervisor.post(f"/selfcheck/tasks/{task.id}/link", page_url=f"/selfcheck/tasks/{task.id}")
    fresh = LINK.search(page.get_data(as_text=True))
    assert page.status_code == 200 and fresh
    client = app.test_client()
    assert client.get(f"/zc/{token}").status_code == 404
    assert client.get(f"/zc/{fresh.group(2)}").status_code == 200
    # A town supervisor sees their own town's task, not another town's; the link is the section's.
    assert as_user("town").get(f"/selfcheck/tasks/{task.id}").status_code == 200
    assert as_user("town").post(f"/selfcheck/tasks/{task.id}/link", page_url="/selfcheck").status_code == 403
