"""The scope rules (engine/org/scopes.py) give the same answer as SQL and in Python.

Each rule is written once and compiled both ways; these tests generate every kind of staff member
(roles × department × posting × tier) and every kind of task, case and group notification
(group × department × place × tier), and check that the database's answer to the WHERE clause
is exactly the set the Python form admits.
"""
from __future__ import annotations

import itertools
import uuid

import pytest
from sqlalchemy import select, update

from engine.models import Case, Department, Grid, Notification, Task, User, UserRole
from engine.notify.delivery import Audience, Directory
from engine.org.scopes import (
    GROUPS,
    StaffMember,
    case_scope,
    may_work,
    notification_scope,
    sees_case,
    task_scope,
    works_in,
)
from engine.org.seed import seed_staff
from tests.conftest import TEST_PASSWORD
from webapp.access import load_staff

ROLE_SETS = [(), ("admin",), ("intake",), ("handler",), ("lead",), ("supervisor",), ("handler", "lead"),
             ("intake", "supervisor"), ("admin", "handler")]
TIERS = (None, 1, 2, 3)
# A code with LIKE's wildcard in it: "/C/T_1/" must not take in "/C/TX1/…".
ODD_TOWN, ODD_NEIGHBOUR = "/C/T_1/", "/C/TX1/TX1-A01/"


@pytest.fixture
def places(env) -> dict[str, tuple[str | None, str | None]]:
    """name → (grid path, level) of the postings and places the matrix uses."""
    with env.db.read() as s:
        path = dict(s.execute(select(Grid.code, Grid.path)).all())
    return {"none": (None, None), "county": (path["C"], "county"), "T01": (path["T01"], "town"),
            "T01-A01": (path["T01-A01"], "area"), "T01-A01-V01": (path["T01-A01-V01"], "village"),
            "T02": (path["T02"], "town"), "odd": (ODD_TOWN, "town"), "odd_neighbour": (ODD_NEIGHBOUR, "area"),
            # Posted at the root: every place is theirs, even one under another root.
            "other_root": ("/D/", "county"), "under_other_root": ("/D/D01/", "town")}


@pytest.fixture
def departments(env) -> list[int | None]:
    with env.db.read() as s:
        return [None, *s.scalars(select(Department.id).where(Department.code.in_(("air", "enforcement")))
                                 .order_by(Department.id))]


@pytest.fixture
def staff(places, departments) -> list[StaffMember]:
    people = []
    for n, (roles, department, (path, level), tier) in enumerate(
            itertools.product(ROLE_SETS, departments, places.values(), TIERS), start=1):
        people.append(StaffMember(id=n, roles=frozenset(roles), department_id=department, grid_path=path,
                                  grid_level=level, tier=tier))
    return people


def _rows(places, departments):
    """(group, department_id, grid_path, tier) of every kind of task."""
    paths = [path for path, _level in places.values()]
    return list(itertools.product(GROUPS, departments, paths, TIERS))


def test_task_scope_in_sql_is_may_work_in_python(env, staff, places, departments):
    case = env.register()
    instance_id = env.task(case, "receive").instance_id
    with env.db.write() as s:
        s.add_all(Task(id=str(uuid.uuid4()), instance_id=instance_id, case_id=case.id, spec="t", name="t",
                       candidate_group=group, department_id=department, grid_path=path, tier=tier,
                       created_at=env.clock.now())
                  for group, department, path, tier in _rows(places, departments))
    with env.db.read() as s:
        tasks = list(s.scalars(select(Task).where(Task.spec == "t")))
        assert len(tasks) == len(GROUPS) * len(departments) * len(places) * len(TIERS)
        some = 0
        for person in staff:
            in_sql = set(s.scalars(select(Task.id).where(Task.spec == "t", task_scope(person))))
            in_python = {t.id for t in tasks if may_work(person, t)}
            assert in_sql == in_python, person
            some += bool(in_sql) and len(in_sql) < len(tasks)
    assert some > len(staff) // 3, "the matrix must exercise the rules, not only all-or-nothing"


def test_case_scope_in_sql_is_sees_case_in_python(env, staff, places, departments):
    combos = list(itertools.product(departments, [path for path, _level in places.values()]))
    cases = [env.register() for _ in combos]
    with env.db.write() as s:
        for case, (department, path) in zip(cases, combos, strict=True):
            s.execute(update(Case).where(Case.id == case.id).values(department_id=department, grid_path=path))
    ids = [c.id for c in cases]
    with env.db.read() as s:
        rows = list(s.scalars(select(Case).where(Case.id.in_(ids))))
        for person in staff:
            in_sql = set(s.scalars(select(Case.id).where(Case.id.in_(ids), case_scope(person))))
            assert in_sql == {c.id for c in rows if sees_case(person, c)}, person


def test_group_notifications_in_sql_are_works_in_python(env, staff, places, departments):
    with env.db.write() as s:
        s.add_all(Notification(group=group, department_id=department, grid_path=path, tier=tier, kind="task",
                               title="t", created_at=env.clock.now())
                  for group, department, path, tier in _rows(places, departments))
    with env.db.read() as s:
        notes = list(s.scalars(select(Notification)))
        for person in staff:
            in_sql = set(s.scalars(select(Notification.id).where(notification_scope(person))))
            assert in_sql == {n.id for n in notes if works_in(person, n.group, n)}, person


def test_fan_out_reaches_exactly_the_group_members_whose_inbox_shows_the_task(env):
    """engine/notify's Directory reads the staff the rules judge: roles, posting, tier, active."""
    with env.db.write() as s:
        seed_staff(s, TEST_PASSWORD, whole_county=True)
        town_desk = User(username="intake_t02", display_name="西城街道受理员", email="i2@greenloop.example",
                         grid_id=s.scalar(select(Grid.id).where(Grid.code == "T02")))
        town_desk.role_rows = [UserRole(role="intake")]
        gone = User(username="gone", display_name="已停用", active=False,
                    department_id=s.scalar(select(Department.id).where(Department.code == "air")),
                    grid_id=s.scalar(select(Grid.id).where(Grid.code == "C")))
        gone.role_rows = [UserRole(role="handler")]
        s.add_all([town_desk, gone])
    cases = [env.register(), env.register(grid_code="T02-A01-V01"), env.register(grid_code=None, address="县城")]
    env.accept_and_assign(cases[0], department="enforcement", joint_departments=["air", "water"])
    env.accept_and_assign(cases[1], department="air")
    env.complete(cases[1], "handle", {"outcome": "extension", "extension_days": 5, "extension_reason": "检测"})
    env.complete(cases[2], "receive", {"decision": "accept"})
    env.at("2026-03-04T16:00:01+00:00")  # assignment overdue: supervision tasks for tier 2
    with env.db.read() as s:
        tasks = list(s.scalars(select(Task).where(Task.state == "ready")))
        assert {t.candidate_group for t in tasks} == set(GROUPS)
        directory = Directory(s)
        people = [p for p in (load_staff(s, uid) for uid in s.scalars(select(User.id))) if p is not None]
        for task in tasks:
            # Administrators may open any task but hear only of their own groups' (works_in).
            expected = {p.id for p in people if not p.is_admin and s.scalar(
                select(Task.id).where(Task.id == task.id, task_scope(p))) is not None}
            assert set(directory.recipients(Audience.of_task(task, personal=False))) == expected, task.spec
