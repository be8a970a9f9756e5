"""The random-inspection pages as an attack surface: only the supervision section (and
administrators) make, seed, draw and publish plans (others 403); an inspection's notice is read by
its own inspectors and the section only (404 for anyone else); every form needs its CSRF token;
names and findings typed as markup are shown as text on the staff and public pages; the public page,
its JSON and its PDF hold no personal data (no inspector's name, no contact, no complainant)."""
from __future__ import annotations

import io
import json

from pypdf import PdfReader
from sqlalchemy import select

from engine.enterprises import register
from engine.inspections import recording
from engine.models import Task, User
from engine.models.inspection import Inspection, InspectionPlan
from engine.work.tasks import complete_task
from tests.engine.inspections.conftest import county, make_plan  # noqa: F401 - the fixture

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CONTACT = "秘密联系人 13912345678"


def _drawn(env, people):
    plan = make_plan(env, people, name=HOSTILE, rate_key="100", rate_general="")
    env.run(recording.fix_seed, plan.id, HOSTILE, HOSTILE, "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    return plan


def _hostile_enterprise(env):
    return env.run(lambda s, _rt: register.save(s, {
        "credit_code": "9144030071526726XG", "name": HOSTILE, "address": HOSTILE, "grid": "T05-A01",
        "supervision_class": "重点", "contacts": CONTACT}, "admin", env.clock.now()))


def test_only_the_supervision_section_manages_plans(env, as_user, county):  # noqa: F811
    _ids, people = county
    plan = make_plan(env, people)
    for user in ("handler", "intake", "lead", "town", "insp_t01"):
        client = as_user(user)
        for url in ("/inspections", "/inspections/new", f"/inspections/{plan.id}", f"/inspections/{plan.id}/edit"):
            assert client.get(url).status_code == 403, (user, url)
        for action in ("seed", "draw", "publish"):
            assert client.post(f"/inspections/{plan.id}/{action}", {"public_value": "1"}, page_url="/").status_code == 403
    with env.db.read() as s:
        assert s.get(InspectionPlan, plan.id).status == "draft"
    assert as_user("supervisor").get(f"/inspections/{plan.id}").status_code == 200
    assert as_user("admin").get(f"/inspections/{plan.id}").status_code == 200


def test_forms_need_the_csrf_token(env, as_user, county):  # noqa: F811
    _ids, people = county
    plan = make_plan(env, people)
    sup = as_user("supervisor")
    assert sup.client.post("/inspections/new", data={"name": "x"}).status_code == 400
    assert sup.client.post(f"/inspections/{plan.id}/seed", data={"public_value": "1"}).status_code == 400
    assert sup.client.post(f"/inspections/{plan.id}/draw").status_code == 400
    with env.db.read() as s:
        assert s.get(InspectionPlan, plan.id).status == "draft"


def test_the_notice_is_for_its_inspectors_and_the_section(env, as_user, county):  # noqa: F811
    _ids, people = county
    plan = _drawn(env, people)
    with env.db.read() as s:
        row = s.scalars(select(Inspection).where(Inspection.plan_id == plan.id).order_by(Inspection.id)).first()
        task = s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()
        outsiders = [u for u in s.scalars(select(User.username).where(User.id.in_(people.values())))
                     if s.scalar(select(User.id).where(User.username == u)) not in row.inspector_ids]
    env.run(complete_task, task.id, {"planned_date": "2026-03-10", "planned_mode": "on_site"}, "tester")
    assert as_user("supervisor").get(f"/inspections/notice/{row.id}.pdf").status_code == 200
    with env.db.read() as s:
        inspector = s.get(User, row.inspector_ids[-1]).username
    assert as_user(inspector).get(f"/inspections/notice/{row.id}.pdf").status_code == 200
    for user in [*outsiders, "intake"]:
        assert as_user(user).get(f"/inspections/notice/{row.id}.pdf").status_code == 404, user
    # Someone not of the pair cannot work the inspection's task either (reserved for the lead).
    with env.db.read() as s:
        task = s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()
    assert as_user(outsiders[0]).get(f"/tasks/{task.id}").status_code == 404


def test_markup_is_text_and_the_public_results_hold_no_personal_data(env, as_user, county):  # noqa: F811
    _ids, people = county
    hostile = _hostile_enterprise(env)
    plan = _drawn(env, people)
    with env.db.read() as s:
        row = s.scalars(select(Inspection).where(Inspection.enterprise_id == hostile.id)).one()
        task = s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()
        names = list(s.scalars(select(User.display_name).where(User.id.in_(people.values()))))
    env.run(complete_task, task.id, {"planned_date": "2026-03-10", "planned_mode": "on_site"}, "tester")
    with env.db.read() as s:
        task = s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()
    env.run(complete_task, task.id, {"mode": "on_site", "inspected_on": "2026-03-10", "findings": HOSTILE,
                                     "summary": HOSTILE}, "tester")
    staff = as_user("supervisor").get(f"/inspections/{plan.id}").get_data(as_text=True)
    assert HOSTILE not in staff and "&lt;script&gt;" in staff
    public = as_user().get(f"/public/inspections/{plan.id}").get_data(as_text=True)
    assert HOSTILE not in public and "&lt;script&gt;" in public
    index = as_user().get("/public/inspections").get_data(as_text=True)
    assert HOSTILE not in index
    document = as_user().get(f"/public/inspections/{plan.id}/draw.json").get_data(as_text=True)
    pdf = as_user().get(f"/public/inspections/{plan.id}/results.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for published in (public, document, text):
        assert "13912345678" not in published and "秘密联系人" not in published
        assert not any(name in published for name in names)
        assert "@greenloop.example" not in published
    assert json.loads(document)["inputs"]["inspectors"][0].keys() == {"id", "bureau", "grids"}
