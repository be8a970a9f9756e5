"""A small register (key and general enterprises in two towns, one listed) and a pool of bureau
inspectors of both towns, a county inspector and another department's person (joint draws)."""
import pytest
from sqlalchemy import select

from engine.enterprises import positive_list, register
from engine.enterprises.functions import CRITERIA
from engine.inspections import plans
from engine.models import Department, Grid, Task, User, UserRole
from engine.work.tasks import complete_task


def credit_code(n: int) -> str:
    from engine.enterprises.credit_code import check_character
    body = f"913501007{n:08d}"
    return body + check_character(body)


def _user(s, username, name, department, grid):
    dep = s.scalar(select(Department).where(Department.code == department))
    g = s.scalar(select(Grid).where(Grid.code == grid))
    # The seeded staff's password (tests/conftest.py TEST_PASSWORD), so the web tests can sign in.
    password = s.scalar(select(User.password_hash).where(User.username == "handler"))
    user = User(username=username, display_name=name, department_id=dep.id, grid_id=g.id, active=True,
                email=f"{username}@greenloop.example", password_hash=password)
    user.role_rows = [UserRole(role="handler")]
    s.add(user)
    s.flush()
    return user.id


@pytest.fixture
def county(env):
    """8 key enterprises and 20 general ones across T01 and T02; inspectors: two bureau handlers
    posted in T01 and T02, the county's 'handler' and 'handler2', and a water-resources person."""
    def build(s, _rt):
        ids = {}
        for n in range(28):
            town = "T01" if n % 2 == 0 else "T02"
            klass = "重点" if n < 8 else "一般"
            e = register.save(s, {"credit_code": credit_code(n + 1), "name": f"企业{n + 1:02d}有限公司",
                                  "address": f"{town} 工业路 {n + 1} 号", "grid": f"{town}-A01", "industry": "制造业",
                                  "supervision_class": klass, "contacts": f"联系人{n} 1380000{n:04d}"},
                              "admin", env.clock.now())
            ids[n] = e.id
        people = {"t01": _user(s, "insp_t01", "城关镇执法员 甲", "enforcement", "T01"),
                  "t02": _user(s, "insp_t02", "东城执法员 乙", "enforcement", "T02"),
                  "water": _user(s, "water1", "水利局 丙", "water_resources", "C")}
        for username in ("handler", "handler2"):
            people[username] = s.scalar(select(User.id).where(User.username == username))
        return ids, people
    return env.run(build)


def make_plan(env, people, **overrides):
    values = {"year": 2026, "name": "2026年度双随机抽查", "rate_key": "25", "rate_general": "5", "rate_special": "",
              "per_object": 2, "bureau_min": 1, "publish_days": 20, "inspect_days": 15, "joint": False,
              "inspector_ids": [str(i) for i in people.values()]}
    values.update(overrides)
    return env.run(lambda s, _rt: plans.save_plan(s, None, values, "supervisor", env.clock.now()))


def ready(env, spec):
    with env.db.read() as s:
        return list(s.scalars(select(Task).where(Task.spec == spec, Task.state == "ready").order_by(Task.created_at,
                                                                                                    Task.id)))


def complete(env, task, data, actor="tester"):
    return env.run(complete_task, task.id, data, actor)


def list_enterprise(env, enterprise_id):
    supervisor = None
    with env.db.read() as s:
        supervisor = s.scalar(select(User.id).where(User.username == "supervisor"))
    env.run(positive_list.propose, enterprise_id, supervisor, "supervisor", 3)
    [task] = ready(env, "pl_propose")
    complete(env, task, {"enterprise": "x", "criteria": list(CRITERIA), "period_start": "2026-01-01",
                         "period_end": "2026-12-31", "reason": "守法"}, "supervisor")
    [task] = ready(env, "pl_approve")
    complete(env, task, {"approved": True}, "leader")
