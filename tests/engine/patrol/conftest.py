"""A patrol point in a village of 城关镇 (T01), patrolled by the seeded grid officer posted at T01."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine.models import Patrol, PatrolPoint, Task
from engine.patrol.points import create_point
from engine.patrol.schedule import start_due_patrols
from tests.engine.leadership.conftest import staff, user_id  # noqa: F401 - re-exported for the tests

# A glass works by the river; the grid officer checks three things each patrol.
POINT = {"name": "城关镇玻璃厂", "kind": "enterprise", "grid_code": "T01-A01-V01", "latitude": "30.0000",
         "longitude": "120.0000", "address": "城关镇河西路 8 号", "checklist": "废气处理设施运行\n危废台账\n厂界异味"}


def add_point(env, **overrides) -> PatrolPoint:
    with env.db.write() as s:
        return create_point(s, {**POINT, **overrides}, actor="admin", now=env.clock.now())


def set_clock(env, iso: str) -> None:
    env.clock.set(datetime.fromisoformat(iso))


def start(env) -> int:
    return start_due_patrols(env.runtime)


def patrols(env) -> list[Patrol]:
    with env.db.read() as s:
        return list(s.scalars(select(Patrol).order_by(Patrol.point_id, Patrol.slot)))


def check_in_task(env, patrol: Patrol) -> Task:
    with env.db.read() as s:
        return s.scalars(select(Task).where(Task.instance_id == patrol.instance_id, Task.spec == "pt_check_in")).one()


@pytest.fixture
def point(env) -> PatrolPoint:
    # Thursday 2 April 2026, 10:00 in Shanghai: the Qingming holiday runs Saturday 4 – Monday 6.
    set_clock(env, "2026-04-02T10:00:00+08:00")
    return add_point(env)
