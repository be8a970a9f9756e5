"""The demo's patrols (网格巡查): a few patrol points in three towns, patrolled through the patrol
process over the last two weeks on a simulated clock — most check-ins on time, one reporting a
problem (a case), some missed, turning yellow, red and escalating with their 督办单, as the worker
would have done. Called by ``engine.demo.seed_demo`` after the cases.
"""
from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from engine.core.clock import ManualClock
from engine.core.config import load_settings
from engine.core.runtime import Runtime
from engine.geo import boundaries
from engine.geo.layout import near
from engine.models import Grid, Patrol, PatrolPoint, Task, User
from engine.org.scopes import StaffMember
from engine.patrol.check_in import check_in
from engine.patrol.points import create_point
from engine.patrol.schedule import start_due_patrols
from engine.storage import ATTACHMENTS, store_for
from engine.timers.fire import fire_due

# name, kind, checklist; each placed in the first village of a town.
POINTS = [
    ("宏达化工厂区", "enterprise", ["废气处理设施运行", "危废台账", "厂界异味"]),
    ("青山水泥厂", "enterprise", ["除尘设施运行", "物料堆场苫盖"]),
    ("城南安置房工地", "construction", ["围挡", "洒水降尘", "车辆冲洗"]),
    ("东河桥断面", "river", ["水色", "漂浮物", "排污口"]),
    ("美食街", "catering", ["油烟净化器运行", "餐厨垃圾收运"]),
]
DAYS = 14


def _staff(session, user_id: int) -> StaffMember:
    user = session.get(User, user_id)
    grid = session.get(Grid, user.grid_id) if user.grid_id else None
    return StaffMember(id=user.id, roles=frozenset(user.roles), department_id=user.department_id,
                       grid_path=grid.path if grid else None, grid_level=grid.level if grid else None, tier=user.tier)


def patrol_demo(runtime: Runtime, seed: int = 7, attachments_dir: Path | None = None) -> str:
    """Adds the points and their patrols once (nothing when the county already has points)."""
    rng = random.Random(f"{seed}:patrols")
    with runtime.db.read() as session:
        if session.scalar(select(PatrolPoint.id).limit(1)) is not None:
            return "patrol points already present; no demo patrols added"
        villages = list(session.execute(select(Grid.code, Grid.path).where(Grid.level == "village")
                                        .order_by(Grid.path)))
        # On the demo county's map, near their villages, as the cases are (engine/demo.py).
        points = boundaries.generated_layout(session).villages
    real_now = runtime.now()
    clock = ManualClock(real_now - timedelta(days=DAYS))
    sim = Runtime(runtime.db, clock, runtime.timezone, runtime.bindings)
    towns: dict[str, str] = {}
    for code, path in villages:  # the first village of each town
        towns.setdefault(path.split("/")[2], code)
    places = list(towns.values())[:3]
    with sim.db.write() as session:
        for n, (name, kind, checklist) in enumerate(POINTS):
            village = places[n % len(places)]
            longitude, latitude = near(points[village], rng) if village in points else (117.0 + n * 0.01, 35.0)
            create_point(session, {"name": name, "kind": kind, "grid_code": village, "latitude": round(latitude, 6),
                                   "longitude": round(longitude, 6), "checklist": checklist},
                         actor="admin", now=clock.now())
    root = attachments_dir or store_for(load_settings()).child(ATTACHMENTS)
    reported = False
    while clock.now() < real_now:
        clock.set(min(clock.now() + timedelta(hours=rng.choice((5, 7, 9))), real_now))
        start_due_patrols(sim)
        fire_due(sim)
        with sim.db.read() as session:
            open_tasks = session.execute(select(Task.id, Patrol.id, Patrol.officer_id, PatrolPoint.latitude,
                                                PatrolPoint.longitude, PatrolPoint.checklist)
                                         .join(Patrol, Patrol.instance_id == Task.instance_id)
                                         .join(PatrolPoint, PatrolPoint.id == Patrol.point_id)
                                         .where(Task.state == "ready", Task.spec == "pt_check_in",
                                                Patrol.status == "open")).all()
        for task_id, _patrol_id, officer_id, lat, lng, checklist in open_tasks:
            # Most patrols are done on their day; about one in five is missed (and escalates).
            if officer_id is None or rng.random() < 0.55 or rng.random() < 0.2:
                continue
            problem = not reported  # the first check-in finds a problem: it becomes a case
            values = {"latitude": lat + rng.uniform(-0.0004, 0.0004), "longitude": lng + rng.uniform(-0.0004, 0.0004),
                      "note": "巡查未见异常" if not problem else "发现厂界异味",
                      "answers": {str(i): ("problem" if problem and i == 0 else "ok") for i in range(len(checklist))}}
            if problem:
                values.update(problem_found="1", problem_category="air", problem_title="巡查发现废气处理设施未运行",
                              problem_description="网格员巡查时发现废气处理设施未开启，厂界有刺鼻气味。")
                reported = True
            with sim.db.write() as session:
                officer = session.get(User, officer_id)
                check_in(session, sim, task_id, values, [], staff=_staff(session, officer_id),
                         actor=officer.username, root=root)
    clock.set(real_now)
    fire_due(sim)
    with runtime.db.read() as session:
        rows = session.execute(select(Patrol.status, Patrol.escalated_tier)).all()
    done = sum(1 for status, _tier in rows if status == "done")
    escalated = sum(1 for _status, tier in rows if tier)
    return (f"{len(POINTS)} patrol points, {len(rows)} patrols over the last {DAYS} days: {done} done, "
            f"{escalated} escalated with a 督办单")
