"""The demo county's register: a few hundred plausible enterprises across its towns (valid credit
codes made with the check character of engine/enterprises/credit_code.py), bulk-inserted, a
monitoring station for each key one, and a positive list of some listed through
workflows/bpmn/positive_list.bpmn like any other."""
from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.core.runtime import Runtime
from engine.enterprises import positive_list
from engine.enterprises.credit_code import ALPHABET, complete
from engine.enterprises.functions import CRITERIA
from engine.models import Grid, Task, User
from engine.models.enterprise import Enterprise, MonitoringPoint
from engine.work.tasks import complete_task

INDUSTRIES = [("化工", "化学原料和化学制品制造业"), ("建材", "非金属矿物制品业"), ("纸业", "造纸和纸制品业"),
              ("食品", "农副食品加工业"), ("机械", "通用设备制造业"), ("纺织", "纺织业"), ("印染", "纺织业"),
              ("电镀", "金属制品业"), ("砖厂", "非金属矿物制品业"), ("养殖", "畜牧业"), ("污水处理", "水的生产和供应业"),
              ("汽修", "机动车维修"), ("木业", "木材加工业"), ("塑料", "橡胶和塑料制品业"), ("酿造", "酒、饮料制造业")]
WORDS = "宏达 永兴 鑫源 华兴 金泰 恒丰 瑞丰 富民 兴旺 德胜 东方 新兴 隆盛 嘉禾 福瑞 昌盛 双河 青山 白沙 柳林".split()
FORMS = ["有限公司", "有限责任公司", "厂", "股份有限公司"]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"


def _code(rng: random.Random) -> str:
    body = "91" + "371500" + "".join(rng.choice(ALPHABET[:10] + "MA") for _ in range(9))
    return complete(body)


def seed_register(session: Session, runtime: Runtime, count: int = 300, seed: int = 7) -> int:
    """Add ``count`` enterprises when the register is empty; returns how many were added."""
    if session.scalar(select(func.count()).select_from(Enterprise)):
        return 0
    rng = random.Random(seed)
    areas = list(session.execute(select(Grid.id, Grid.path, Grid.name).where(Grid.level == "area").order_by(Grid.id)))
    now = runtime.now()
    rows, names, codes = [], set(), set()
    while len(rows) < count:
        grid_id, path, area = rng.choice(areas)
        short, industry = rng.choice(INDUSTRIES)
        name = f"{area[:3]}{rng.choice(WORDS)}{short}{rng.choice(FORMS)}"
        code = _code(rng)
        if name in names or code in codes:
            continue
        names.add(name)
        codes.add(code)
        klass = rng.choices(["key", "general", "special"], weights=[2, 7, 1])[0]
        rows.append({"credit_code": code, "name": name, "address": f"{area}工业路 {rng.randint(1, 200)} 号",
                     "grid_id": grid_id, "grid_path": path, "industry": industry, "supervision_class": klass,
                     "permit_number": f"{code}001P" if klass != "general" or rng.random() < 0.5 else None,
                     "permit_expires": (now + timedelta(days=rng.randint(-60, 1500))).date(),
                     "contacts": [{"name": rng.choice(SURNAMES) + rng.choice(["经理", "主任", "工"]),
                                   "phone": f"13{rng.randint(100000000, 999999999)}"}],
                     "updated_by": "demo", "updated_at": now})
    session.execute(insert(Enterprise), rows)
    keyed = session.execute(select(Enterprise.id).where(Enterprise.supervision_class == "key").order_by(Enterprise.id))
    session.execute(insert(MonitoringPoint), [{"station_code": f"SD-1500-{i:04d}", "name": "废气总排口",
                                               "enterprise_id": eid} for i, (eid,) in enumerate(keyed, 1)])
    return count


def seed_positive_list(session: Session, runtime: Runtime, count: int = 12) -> int:
    """List ``count`` general enterprises through the process (proposed by 督查科, approved by the
    leader) for the current year; returns how many were listed."""
    proposer = session.scalar(select(User).where(User.username == "supervisor"))
    if proposer is None:
        return 0
    chosen = list(session.scalars(select(Enterprise.id).where(Enterprise.supervision_class == "general")
                                  .order_by(Enterprise.id).limit(count)))
    today = runtime.now().astimezone(ZoneInfo(runtime.timezone)).date()
    for enterprise_id in chosen:
        listing = positive_list.propose(session, runtime, enterprise_id, proposer.id, proposer.username, proposer.tier)
        for spec, data, actor in (
                ("pl_propose", {"enterprise": session.get(Enterprise, enterprise_id).name, "criteria": list(CRITERIA),
                                "period_start": today.isoformat(), "period_end": f"{today.year}-12-31",
                                "reason": "近三年无违法记录，在线监测稳定"}, "supervisor"),
                ("pl_approve", {"approved": True}, "leader")):
            task_id = session.scalar(select(Task.id).where(Task.instance_id == listing.instance_id,
                                                           Task.spec == spec, Task.state == "ready"))
            complete_task(session, runtime, task_id, data, actor)
    return len(chosen)
