"""Checking in: position and distance, photos checked like intake attachments, far check-ins
flagged, a problem found becoming a complaint case linked to the patrol, and the ledger's counts."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine.cases.attachments import AttachmentRejected
from engine.core.errors import FormInvalid, NotFound
from engine.models import Attachment, Case, Patrol, PatrolPhoto, Task
from engine.org.scopes import patrol_scope
from engine.patrol.check_in import check_in, distance_m
from engine.patrol.ledger import ledger_rows, ledger_totals
from engine.vocabulary.events import render
from tests.engine.patrol.conftest import add_point, check_in_task, patrols, set_clock, staff, start
from tests.images import jpeg, png, png_claiming

NEAR = {"latitude": "30.0005", "longitude": "120.0000", "note": "设施正常运行"}  # ~56 m north


def _check_in(env, tmp_path, patrol, values, photos=(), username="gridofficer"):
    task = check_in_task(env, patrol)
    return env.run(check_in, task.id, values, list(photos), staff=staff(env, username), actor=username,
                   root=tmp_path)


def test_the_haversine_distance():
    # One degree of latitude is about 111.2 km on the mean sphere.
    assert distance_m(30, 120, 31, 120) == pytest.approx(111_195, rel=1e-4)
    assert distance_m(30, 120, 30, 120) == 0


def test_a_check_in_near_the_point_with_photos_and_answers(env, point, tmp_path):
    start(env)
    [patrol] = patrols(env)
    set_clock(env, "2026-04-03T09:30:00+08:00")
    _check_in(env, tmp_path, patrol, {**NEAR, "answers": {"0": "ok", "1": "na", "2": "ok"}},
              [("现场.jpg", jpeg()), ("台账.png", png())])
    [patrol] = patrols(env)
    assert (patrol.status, patrol.on_time, patrol.far, patrol.colour) == ("done", True, False, "green")
    assert patrol.distance_m == pytest.approx(55.6, abs=0.5)
    assert patrol.answers == {"废气处理设施运行": "ok", "危废台账": "na", "厂界异味": "ok"}
    assert patrol.checked_in_at == datetime(2026, 4, 3, 1, 30, tzinfo=timezone.utc)
    with env.db.read() as s:
        photos = s.scalars(select(PatrolPhoto).where(PatrolPhoto.patrol_id == patrol.id)).all()
        assert sorted(p.content_type for p in photos) == ["image/jpeg", "image/png"]
        assert all((tmp_path / p.stored_path).read_bytes()[:2] in (b"\xff\xd8", b"\x89P") for p in photos)
        assert s.get(Task, check_in_task(env, patrol).id).state == "completed"
    assert patrol.case_id is None and env.count(Case) == 0


def test_a_check_in_far_from_the_point_is_accepted_and_flagged(env, point, tmp_path):
    start(env)
    [patrol] = patrols(env)
    _check_in(env, tmp_path, patrol, {"latitude": "30.01", "longitude": "120.0"})  # ~1.1 km
    [patrol] = patrols(env)
    assert patrol.status == "done" and patrol.far is True and patrol.distance_m > 1000


def test_refused_input_and_photos_change_nothing(env, point, tmp_path):
    start(env)
    [patrol] = patrols(env)
    with pytest.raises(FormInvalid) as refused:
        _check_in(env, tmp_path, patrol, {"latitude": "", "longitude": "120"})
    assert list(refused.value.errors) == ["latitude"]
    with pytest.raises(FormInvalid):
        _check_in(env, tmp_path, patrol, {**NEAR, "latitude": "95"})
    # HTML named .jpg, and a PNG claiming a billion pixels: refused by the intake checks.
    for photo, reason in (((b"<html><script>alert(1)</script>"), "type"), (png_claiming(40_000, 40_000), "pixels")):
        with pytest.raises(AttachmentRejected) as rejected:
            _check_in(env, tmp_path, patrol, NEAR, [("x.jpg", photo)])
        assert rejected.value.reason == reason
    # A problem without its category and title is a field error.
    with pytest.raises(FormInvalid) as refused:
        _check_in(env, tmp_path, patrol, {**NEAR, "problem_found": "on"})
    assert set(refused.value.errors) >= {"problem_category", "problem_title"}
    [patrol] = patrols(env)
    assert patrol.status == "open" and not list(tmp_path.rglob("*.*"))


def test_another_officer_cannot_check_in(env, point, tmp_path):
    start(env)
    [patrol] = patrols(env)
    for username in ("handler2", "town", "handler"):
        with pytest.raises(NotFound):
            _check_in(env, tmp_path, patrol, NEAR, username=username)


def test_a_problem_found_on_patrol_becomes_a_linked_case(env, point, tmp_path):
    start(env)
    [patrol] = patrols(env)
    _check_in(env, tmp_path, patrol, {**NEAR, "answers": {"0": "problem", "1": "ok", "2": "problem"},
                                      "problem_found": "on", "problem_category": "air",
                                      "problem_title": "废气处理设施停运", "problem_description": "现场闻到刺鼻气味"},
              [("现场.jpg", jpeg())])
    [patrol] = patrols(env)
    assert patrol.case_id is not None
    case = env.case(patrol.case_id)
    assert (case.channel, case.category, case.title, case.subject_type, case.subject_enterprise) == (
        "grid", "air", "废气处理设施停运", "enterprise", "城关镇玻璃厂")
    assert case.grid_path.endswith("/T01-A01-V01/") and case.address == "城关镇河西路 8 号"
    assert "废气处理设施运行；厂界异味" in case.description
    assert (case.latitude, case.longitude) == (30.0005, 120.0)
    # A grid officer's report enters the loop accepted and assigned by the routing table (complaint.bpmn).
    assert env.ready(case)[0].spec == "handle"
    with env.db.read() as s:
        [photo] = s.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
        assert photo.content_type == "image/jpeg"
    [event] = env.audit(case, "patrol_problem_reported")
    assert event.detail["patrol_id"] == patrol.id
    assert render(event.kind, detail=event.detail) == "网格员巡查巡查点「城关镇玻璃厂」时发现问题，立案办理"


def test_the_ledger_counts_due_done_on_time_problems_and_solved(env, point, tmp_path):
    add_point(env, name="河西餐饮街", kind="catering", latitude="30.001")
    start(env)
    one, two = patrols(env)
    _check_in(env, tmp_path, one, {**NEAR, "problem_found": "on", "problem_category": "air", "problem_title": "油烟"})
    # The other is missed: its day ends with no check-in.
    set_clock(env, "2026-04-04T10:00:00+08:00")
    with env.db.read() as s:
        supervisor = staff(env, "town")
        by_officer = ledger_rows(s, patrol_scope(supervisor, Patrol), "officer", env.clock.now())
        by_town = ledger_rows(s, patrol_scope(supervisor, Patrol), "town", env.clock.now())
        other_town = ledger_rows(s, patrol_scope(_other_town(), Patrol), "town", env.clock.now())
    [row] = by_officer
    assert (row.label, row.due, row.done, row.on_time, row.problems, row.solved, row.missed) == (
        "城关镇网格员 陈静", 2, 1, 1, 1, 0, 1)
    assert [(r.key, r.due) for r in by_town] == [("T01", 2)]
    assert ledger_totals(by_town).due == 2
    assert other_town == []


def _other_town():
    """A supervisor of another town sees none of 城关镇's patrols."""
    from engine.org.scopes import StaffMember
    return StaffMember(id=0, roles=frozenset({"supervisor"}), department_id=None, grid_path="/C/T02/",
                       grid_level="town", tier=2)


def test_the_check_in_task_cannot_be_completed_without_a_check_in(env, point):
    from engine.core.errors import WorkflowFault
    from engine.work.tasks import complete_task
    start(env)
    [patrol] = patrols(env)
    task = check_in_task(env, patrol)
    # The generic task completion (the API's) records no position or photos: the diagram refuses it.
    with pytest.raises(WorkflowFault):
        env.run(complete_task, task.id, {"latitude": 30.0, "longitude": 120.0}, "gridofficer")
    assert check_in_task(env, patrol).state == "ready" and patrols(env)[0].status == "open"


def test_a_solved_problem_counts_in_the_ledger(env, point, tmp_path):
    start(env)
    [patrol] = patrols(env)
    _check_in(env, tmp_path, patrol, {**NEAR, "problem_found": "on", "problem_category": "air", "problem_title": "油烟"})
    [patrol] = patrols(env)
    with env.db.write() as s:  # the case's loop ran to its end (its closing is tested in tests/engine/cases)
        s.get(Case, patrol.case_id).status = "closed"
    with env.db.read() as s:
        [row] = ledger_rows(s, patrol_scope(staff(env, "admin"), Patrol), "area", env.clock.now())
    assert (row.key, row.label, row.due, row.done, row.problems, row.solved) == ("T01-A01", row.label, 1, 1, 1, 1)
