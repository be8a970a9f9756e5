"""The demo county's self-inspection campaign: a checklist issued three weeks ago to the key
enterprises of three towns, run on a simulated clock like the demo's cases (engine/demo.py) — most
answered (some on time, a few late, one sent back and corrected), the rest overdue and handed to
their grid officers by the diagram's own timers."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from engine.core.clock import ManualClock
from engine.core.runtime import Runtime
from engine.models import Grid, User
from engine.models.enterprise import Enterprise
from engine.models.selfcheck import SelfCheckCampaign, SelfCheckTask
from engine.org.scopes import member_of
from engine.selfcheck import answers, checklists, issue, review

ITEMS = [{"question": "废气、废水治理设施是否正常运行", "answer": "yesno", "problem": "no"},
         {"question": "是否按排污许可证要求开展自行监测", "answer": "yesno", "problem": "no"},
         {"question": "是否存在私设暗管或超标排放", "answer": "yesno", "problem": "yes"},
         {"question": "危险废物贮存、转移台账情况", "answer": "text"},
         {"question": "治理设施现场照片", "answer": "text", "photo": "1"}]


def seed_campaign(runtime: Runtime, fire: Callable[[Runtime], int], root, seed: int = 14) -> int:
    """Returns the number of enterprises the campaign went to (0 when one exists already)."""
    with runtime.db.read() as s:
        if s.scalar(select(func.count()).select_from(SelfCheckCampaign)):
            return 0
        towns = list(s.scalars(select(Grid.code).where(Grid.level == "town").order_by(Grid.code).limit(3)))
        if not s.scalar(select(func.count()).select_from(Enterprise)):
            return 0
        reviewer = s.scalar(select(User.id).where(User.username == "supervisor"))
    rng = random.Random(seed)
    real_now = runtime.now()
    clock = ManualClock(real_now - timedelta(days=21))
    sim = Runtime(runtime.db, clock, runtime.timezone, runtime.bindings)
    with sim.db.write() as s:
        template = checklists.save_template(s, "重点排污单位季度自查", ITEMS, "督查科 吴刚", sim.now())
        issued = issue.issue_campaign(s, sim, title="重点排污单位季度环保自查", template_id=template.id,
                                      criteria=issue.Criteria(["key"], [], towns), workdays=10, actor="督查科 吴刚")
        tasks = [task.id for task, _token in issued.links]
    photo = _photo()
    for n, task_id in enumerate(tasks):
        fate = ("on_time", "never", "on_time", "late", "on_time")[n % 5]
        if fate == "never":
            continue
        offset = timedelta(days=rng.uniform(1, 12) if fate == "on_time" else rng.uniform(16, 20))
        clock.set(real_now - timedelta(days=21) + offset)
        fire(sim)
        with sim.db.write() as s:
            task = s.get(SelfCheckTask, task_id)
            if task.status not in answers.EDITABLE:
                continue
            values = {"q1": "yes", "q2": rng.choice(["yes", "yes", "no"]), "q3": "no", "q4": "台账齐全，转移联单已存档", "q5": "见照片"}
            answers.submit(s, sim, task, values, {"q5": [("现场.png", photo)]}, root=root)
    clock.set(real_now - timedelta(days=2))
    fire(sim)
    staff = None
    with sim.db.read() as s:
        staff = member_of(s, reviewer) if reviewer else None
        submitted = list(s.scalars(select(SelfCheckTask.id).where(SelfCheckTask.status == "submitted")
                                   .order_by(SelfCheckTask.id)))
    for n, task_id in enumerate(submitted[: len(submitted) * 2 // 3]):
        decision = "correct" if n == 0 else "accept"
        with sim.db.write() as s:
            review.review(s, sim, task_id, {"decision": decision, "review_comment": "请补充危废转移联单照片" if n == 0 else "符合要求"},
                          staff=staff, actor="supervisor")
    clock.set(real_now)
    fire(sim)
    return len(tasks)


def _photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 90)).save(out, "PNG")
    return out.getvalue()
