"""An inspection's evidence files (the 实施检查 and 整改复查 forms' file field) as an attack
surface: the intake checks hold (type by content, size, pixel bombs), a refused file leaves no row
and no file; a kept file is served to the inspection's own inspectors and the supervision
section only (404 for other staff and the public), never on the public results; a post needs its
CSRF token; a file name cannot reach the disk."""
from __future__ import annotations

import html as htmlmod
import io

import pytest
from sqlalchemy import select

from engine.cases.attachments import MAX_FILE_BYTES
from engine.inspections import recording, results
from engine.models import Attachment, Task, User
from engine.models.inspection import Inspection
from engine.work.tasks import complete_task
from tests import images
from tests.engine.inspections.conftest import county, make_plan  # noqa: F401 - the fixture

INSPECT = {"complete": "1", "mode": "on_site", "inspected_on": "2026-03-10", "findings": "治污设施运行正常",
           "summary": "未发现环境违法行为"}


def _at_inspect(env, people):
    """One drawn inspection, its notice given: the 实施检查 task ready for its lead inspector."""
    plan = make_plan(env, people, rate_key="12.5", rate_general="", name="证据抽查")
    env.run(recording.fix_seed, plan.id, "20260301", None, "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    with env.db.read() as s:
        [row] = s.scalars(select(Inspection).where(Inspection.plan_id == plan.id))
        task = s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()
    env.run(complete_task, task.id, {"planned_date": "2026-03-10", "planned_mode": "on_site"}, "tester")
    with env.db.read() as s:
        task = s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()
        lead = s.get(User, row.inspector_ids[0]).username
        partner = s.get(User, row.inspector_ids[-1]).username
        outsider = next(u for u in s.scalars(select(User.username).where(User.id.in_(people.values())))
                        if s.scalar(select(User.id).where(User.username == u)) not in row.inspector_ids)
    return plan, row, task, lead, partner, outsider


def _post(browser, task, name, data):
    return browser.post(f"/tasks/{task.id}", {**INSPECT, "evidence": [(io.BytesIO(data), name)]},
                        content_type="multipart/form-data")


def _files(env, row):
    with env.db.read() as s:
        return s.scalars(select(Attachment).where(Attachment.inspection_id == row.id)).all()


@pytest.mark.parametrize(("name", "data", "said"), [
    ("photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "不是允许的类型"),
    ("report.pdf", b"PK\x03\x04 a zip file named as a PDF", "不是允许的类型"),
    ("bomb.png", images.png_claiming(50000, 50000), "尺寸过大"),
    ("huge.jpg", b"\xff\xd8\xff" + b"\0" * MAX_FILE_BYTES, "MB"),
])
def test_a_bad_evidence_file_is_refused_and_nothing_is_kept(env, as_user, attachments_dir, county,  # noqa: F811
                                                           name, data, said):
    _ids, people = county
    _plan, row, task, lead, _partner, _outsider = _at_inspect(env, people)
    answer = _post(as_user(lead), task, name, data)
    assert answer.status_code == 422
    assert said in htmlmod.unescape(answer.get_data(as_text=True))
    assert _files(env, row) == []
    folder = attachments_dir / f"inspection-{row.id}"
    assert not folder.exists() or list(folder.iterdir()) == []
    with env.db.read() as s:
        assert s.get(Inspection, row.id).step == "inspect"


def test_evidence_is_kept_for_the_inspection_and_read_by_its_inspectors_and_the_section_only(
        env, as_user, attachments_dir, county):  # noqa: F811
    _ids, people = county
    plan, row, task, lead, partner, outsider = _at_inspect(env, people)
    photo = images.jpeg()
    # Without the CSRF token nothing is stored.
    assert as_user(lead).client.post(f"/tasks/{task.id}", data={**INSPECT, "evidence": (io.BytesIO(photo), "a.jpg")},
                                     content_type="multipart/form-data").status_code == 400
    assert _files(env, row) == []
    answer = _post(as_user(lead), task, "../../现场照片.jpg", photo)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    [kept] = _files(env, row)
    assert (kept.case_id, kept.visibility, kept.filename) == (None, "internal", "现场照片.jpg")
    assert kept.stored_path.startswith(f"inspection-{row.id}/") and ".." not in kept.stored_path
    assert (attachments_dir / kept.stored_path).read_bytes() == photo
    url = f"/inspections/evidence/{kept.id}"
    for user in (lead, partner, "supervisor"):
        got = as_user(user).get(url)
        assert got.status_code == 200 and got.data == photo, user
    for user in (outsider, "intake", "town", "lead"):
        assert as_user(user).get(url).status_code == 404, user
    assert as_user().get(url).status_code in (302, 401)  # signed out: to the sign-in page
    # Shown on the section's plan page, never on the public results.
    assert url in as_user("supervisor").get(f"/inspections/{plan.id}").get_data(as_text=True)
    env.run(results.publish, plan.id, "supervisor")
    public = as_user().get(f"/public/inspections/{plan.id}").get_data(as_text=True)
    assert "/inspections/evidence/" not in public and "现场照片" not in public
    # It belongs to no case, so no case's page or file route can list or serve it.
    with env.db.read() as s:
        assert [a.id for a in s.scalars(select(Attachment).where(Attachment.case_id.is_(None)))] == [kept.id]
