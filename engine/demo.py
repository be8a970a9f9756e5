"""`greenloop demo`: a county, its staff, and cases that really went through the engine.

Cases are not inserted as finished rows: each one is registered and worked through the BPMN
process on a simulated clock over the last 90 days, with timers fired as time passes, so their
stages, colours, tiers, deadlines and audit trails are exactly what the engine would produce.
"""
from __future__ import annotations

import gc
import heapq
import random
import secrets
from datetime import timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select, true

from engine.cases.intake import register_case
from engine.core.clock import ManualClock
from engine.core.config import load_settings
from engine.core.errors import FormInvalid
from engine.core.runtime import Runtime, StepResult
from engine.definitions.deploy import deploy_shipped
from engine.demo_agencies import agency_demo
from engine.demo_patrols import patrol_demo
from engine.enterprises import sample as register_sample
from engine.geo import boundaries
from engine.geo.layout import near
from engine.inspections import sample as inspection_sample
from engine.measures import summary as measures_summary
from engine.models import Case, Department, Grid, ProcessInstance, Task, User
from engine.org.seed import seed_departments, seed_grid, seed_staff
from engine.selfcheck import demo as selfcheck_demo
from engine.storage import ATTACHMENTS, store_for
from engine.timers.fire import earliest_due, fire_due, fire_next_batch
from engine.work.tasks import claim_task, complete_task, task_data

TITLES = {
    "air": ["夜间工厂排放刺鼻异味", "露天焚烧秸秆", "搅拌站扬尘严重", "烧烤油烟扰民"],
    "water": ["河道出现黑臭水体", "企业偷排污水", "养殖场废水直排", "雨水口排出泡沫污水"],
    "noise": ["夜间施工噪声扰民", "工厂设备噪声", "广场舞音响过大", "KTV 噪声扰民"],
    "solid_waste": ["路边倾倒建筑垃圾", "危险废物随意堆放", "工业固废露天堆存"],
    "soil": ["废弃厂区土壤疑似污染"],
    "radiation": ["小区附近新建基站担心辐射"],
    "ecology": ["非法采砂破坏河岸", "山体违规开挖"],
    "other": ["企业环评手续不全"],
}
SUBJECTS = {"air": ["enterprise", "enterprise", "catering", "other"], "noise": ["construction", "enterprise",
            "residential", "residential"], "water": ["enterprise", "enterprise", "livestock", "other"]}
CHANNELS = ["hotline", "hotline", "public", "grid", "monitoring", "higher", "visit"]
ENTERPRISES = ["示范县宏达化工有限公司", "青山水泥厂", "白沙镇永兴砖厂", "柳林食品加工厂", "龙泉建材有限公司", None]
PERSON = "张王李赵刘陈杨黄周吴"
DAYS = 90


class Progress(Protocol):
    """How the simulation reports: ``done`` of ``total`` simulated days, with ``cases`` registered."""

    def __call__(self, done: float, total: float, cases: int) -> None: ...


def seed_demo(runtime: Runtime, password: str | None = None, cases: int = 2000, seed: int = 7,
              progress: Progress | None = None) -> str:
    """Seed the demo; ``progress`` hears how far the case simulation is (see ``Progress``)."""
    with runtime.db.write() as session:
        seed_departments(session)
        seed_grid(session)
        accounts = seed_staff(session, password, whole_county=True)
        deploy_shipped(session, runtime)
        # The county's map (engine/geo/layout.py): towns and work areas drawn around the villages.
        if boundaries.current(session) is None:
            boundaries.use_generated(session, "demo", runtime.now())
        existing = session.scalar(select(func.count()).select_from(Case))
        registered = register_sample.seed_register(session, runtime)
        listed = register_sample.seed_positive_list(session, runtime) if registered else 0
        inspected = inspection_sample.seed_random_inspection(session, runtime) if registered else 0
    lines = ["demo county: 14 towns, 105 work areas, 515 villages, and their map"]
    if registered:
        lines.append(f"pollution-source register: {registered} enterprises, {listed} on the positive list")
    if inspected:
        lines.append(f"random inspection (双随机): this year's plan drawn, {inspected} inspections done and published")
    if accounts:
        lines.append("demo accounts (username, password; shown only this once):")
        lines += [f"  {user:12s} {secret}" for user, secret in accounts.items() if user != "*"]
        if "*" in accounts:
            lines.append(f"  and for every town (grid_t01…grid_t14 grid officers, town_t01…town_t14 town "
                         f"supervisors) and department (handler_water, lead_water, …): {accounts['*']}")
        lines += demo_tokens(runtime)
    else:
        lines.append("demo accounts already existed; passwords unchanged")
    if existing:
        lines.append(f"{existing} cases already present; no new cases added")
        return "\n".join(lines)
    # The case rows' monthly summary is counted once after the simulation instead of at each step.
    with measures_summary.paused(runtime.db.write):
        made = simulate_cases(runtime, cases, seed, progress)
    lines.append(f"{made} demo cases worked through the process over the last 90 days")
    lines.append(f"{leader_demo(runtime)} cases with a leader's checks, meetings, visits and flags")
    lines.append(patrol_demo(runtime, seed))
    sent = selfcheck_demo.seed_campaign(runtime, fire_due, store_for(load_settings()).child(ATTACHMENTS))
    if sent:
        lines.append(f"a self-inspection campaign (企业自查) to {sent} key enterprises: some submitted, some overdue")
    # After the simulated cases: while the agencies have no people, its transfers end on paper.
    lines += agency_demo(runtime, password or accounts.get("*") or secrets.token_urlsafe(12))
    return "\n".join(lines)


def leader_demo(runtime: Runtime, count: int = 3) -> int:
    """The leader's own cases (engine/leadership): on a few open cases the leader owns (escalated
    to the top tier in the simulation, or given to them now), a progress check with its next date
    (the reminder waits for it), a meeting with a follow-up item, a visit; and flags on them."""
    from engine.leadership import flags, records
    from engine.work.board_actions import take_ownership

    with runtime.db.read() as session:
        leader = session.scalars(select(User).where(User.username == "leader")).one()
        owned = list(session.scalars(select(Case.id).where(Case.leader_owner_id == leader.id,
                                                            Case.status.in_(("accepted", "handling")))
                                     .order_by(Case.id).limit(count)))
        spare = list(session.scalars(select(Case.id).where(Case.leader_owner_id.is_(None),
                                                            Case.department_id.is_not(None),
                                                            Case.status.in_(("accepted", "handling")))
                                     .order_by(Case.id).limit(count - len(owned))))
        handler2 = session.scalar(select(User.id).where(User.username == "handler2"))
        supervisor = session.scalar(select(User.id).where(User.username == "supervisor"))
    everything = true()
    today = records.today(runtime)
    for n, case_id in enumerate(owned + spare):
        with runtime.db.write() as session:
            if case_id in spare:
                take_ownership(session, runtime, case_id, user_id=leader.id, actor="leader", scope=everything)
            records.record_check(session, runtime, case_id, actor="leader", scope=everything, held_on=today,
                                 decisions="听取承办部门汇报，要求一周内完成整改并报告。",
                                 next_check=today + timedelta(days=7 + n))
            records.record_meeting(session, runtime, case_id, actor="leader", scope=everything, held_on=today,
                                   attendee_ids=[supervisor, handler2], outside="属地镇政府分管负责人",
                                   decisions="执法大队牵头联合检查，督查科跟踪督办。",
                                   follow_ups=[records.FollowUpItem("现场联合执法检查", "enforcement", handler2, 3)])
            if n == 0:
                records.record_visit(session, runtime, case_id, actor="leader", scope=everything, held_on=today,
                                     place="投诉人家中", visitors="分管局领导、督查科", heard="夜间异味仍时有发生",
                                     outcome="当面说明整改安排，约定一周后回访")
            flags.set_flag(session, runtime, case_id, ("key", "difficult", "backlog")[n % 3], actor="supervisor",
                           reason="群众反复投诉，列入督查科重点跟踪", scope=everything)
    return len(owned) + len(spare)


# Outside systems a county bureau connects: the city's 12345 platform (Open311) and the
# online-monitoring alarms; the intake desk's own token to try the task endpoints.
DEMO_TOKENS = [
    ("12345 热线平台 (demo)", ["open311:submit", "cases:read"], None, "hotline"),
    ("在线监测平台 (demo)", ["cases:write", "cases:read"], None, "monitoring"),
    ("受理员 intake (demo)", ["cases:read", "cases:write", "tasks:read", "tasks:write", "documents:read"], "intake",
     None),
]


def demo_tokens(runtime: Runtime) -> list[str]:
    """API tokens for trying Open311 and /api/v1; only their hashes are kept, so shown once."""
    from engine.org.api_tokens import create_token

    lines = ["demo API tokens (shown only this once; `greenloop api-token create` makes more):"]
    for name, scopes, username, channel in DEMO_TOKENS:
        with runtime.db.write() as session:
            _row, token = create_token(session, runtime, name, scopes, created_by="demo", username=username,
                                       channel=channel)
        lines.append(f"  {name:24s} {token}  scopes={','.join(scopes)}")
    return lines


def simulate_cases(runtime: Runtime, count: int, seed: int = 7, progress: Progress | None = None) -> int:
    rng = random.Random(seed)
    real_now = runtime.now()
    began = real_now - timedelta(days=DAYS)
    clock = ManualClock(began)
    sim = Runtime(runtime.db, clock, runtime.timezone, runtime.bindings)
    with sim.db.read() as session:
        villages = list(session.scalars(select(Grid.code).where(Grid.level == "village")))
        users = {u.username: u for u in session.scalars(select(User))}
        points = boundaries.generated_layout(session).villages
        people = Staff({d.id: d.code for d in session.scalars(select(Department))},
                       {u.username: u.id for u in users.values()})
    # Positions draw from a generator of their own, so the cases' other choices stay as they were.
    places = random.Random(f"{seed}:places")
    queue: list[tuple] = []
    for i in range(count):
        start = began + timedelta(seconds=rng.uniform(0, (DAYS - 0.1) * 86400))
        # How briskly this case will be worked: most promptly, some slowly, a few stall.
        pace = rng.choices(["prompt", "slow", "stalled"], [72, 20, 8])[0]
        heapq.heappush(queue, (start, i, "register", pace))
    numbers: dict[int, tuple[int, str]] = {}
    # The simulation's objects live for the whole run; freezing what setup made and collecting
    # less often keeps the cyclic collector from walking them again and again (about a tenth of
    # the run). Restored at the end: the same process may go on serving (tests).
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    due = _DueWatch(sim)
    try:
        while queue:
            when, i, action, pace = heapq.heappop(queue)
            if when >= real_now:
                continue
            clock.set(when)
            # A batch at a time until the watch, read again after each, sees nothing due: the
            # empty batch that ends ``fire_due`` (a write transaction of its own) is not needed.
            while due.reached(when):
                fired = fire_next_batch(sim)
                due.settle()
                if not fired:
                    break
            if action == "register":
                with sim.db.write() as session:
                    case = register_case(session, sim, _position(_complaint(rng, villages), points, places),
                                         "intake", users["intake"].id)
                numbers[i] = (case.id, case.number)
                if progress:
                    progress((when - began).total_seconds() / 86400, DAYS, len(numbers))
            elif not _work_one(sim, rng, numbers[i][0], numbers, i, people):
                continue
            heapq.heappush(queue, (when + _pause(rng, pace), i, "work", pace))
        clock.set(real_now)
        fire_due(sim)
    finally:
        due.close()
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    if progress:
        progress(DAYS, DAYS, len(numbers))
    return len(numbers)


class _DueWatch:
    """When the simulation next needs the timer tick. Asking the database before each of the
    run's ~20,000 events (a write transaction that mostly claims nothing) was about a fifteenth of
    the seeding; instead the earliest due moment is read after each tick, and every timer a step
    sets in between (the instance's ``next_timer_due`` being assigned) can only bring it forward.
    A moment set in a step that then rolled back at worst costs one tick that finds nothing."""

    def __init__(self, sim: Runtime):
        self.sim = sim
        self.earliest = earliest_due(sim)
        event.listen(ProcessInstance.next_timer_due, "set", self._assigned)

    def _assigned(self, _target, value, _old, _initiator) -> None:
        if value is not None and (self.earliest is None or value < self.earliest):
            self.earliest = value

    def reached(self, when) -> bool:
        # A batch fires what is due strictly before the clock (engine/timers/fire.py).
        return self.earliest is not None and self.earliest < when

    def settle(self) -> None:
        self.earliest = earliest_due(self.sim)

    def close(self) -> None:
        event.remove(ProcessInstance.next_timer_due, "set", self._assigned)


class Staff:
    """Department codes and user ids the simulation looks up at nearly every step, read once."""

    def __init__(self, departments: dict[int, str], user_ids: dict[str, int]):
        self.departments = departments
        self.user_ids = user_ids


def _pause(rng: random.Random, pace: str) -> timedelta:
    if pace == "prompt":
        return timedelta(hours=rng.uniform(1, 30))
    if pace == "slow":
        return timedelta(hours=rng.uniform(20, 150))
    return timedelta(hours=rng.choice([rng.uniform(2, 40), rng.uniform(200, 900)]))


def _complaint(rng: random.Random, villages: list[str]) -> dict:
    category = rng.choice(list(TITLES))
    anonymous = rng.random() < 0.15
    return {
        "channel": rng.choice(CHANNELS), "category": category, "title": rng.choice(TITLES[category]),
        "description": "群众反映：" + rng.choice(TITLES[category]) + "，持续多日，请尽快核查处理。",
        "grid_code": rng.choice(villages), "address": f"{rng.randint(1, 300)}号附近",
        "subject_enterprise": rng.choice(ENTERPRISES),
        "subject_type": rng.choice(SUBJECTS.get(category, ["enterprise", "other"])),
        "complainant_name": None if anonymous else rng.choice(PERSON) + "先生",
        "complainant_phone": None if anonymous else f"138{rng.randint(10000000, 99999999)}",
        "complainant_anonymous": anonymous, "urgent": rng.random() < 0.08,
    }


def _position(complaint: dict, points: dict[str, tuple[float, float]], rng: random.Random) -> dict:
    """Most complaints come with a position near their village (a phone's location, a grid
    officer's report); a hotline call often gives only the address, and the map then places the
    case in its work area."""
    village = points.get(complaint["grid_code"])
    if village is not None and rng.random() < 0.75:
        complaint["longitude"], complaint["latitude"] = near(village, rng)
    return complaint


def _work_one(sim: Runtime, rng: random.Random, case_id: int, numbers, i, people: Staff) -> bool:
    """Complete one ready task of the case the way staff typically would; False when none is left.
    Choosing the task, completing it and the department's sign-for after it share one transaction
    (requests of the same moment; the step itself is the engine's usual one, docs/architecture.md)."""
    spec = None  # read inside the transaction below; a refusal before that is not a late return
    try:
        with sim.db.write() as session:
            tasks = list(session.scalars(select(Task).where(Task.case_id == case_id, Task.state == "ready")
                                         .order_by(Task.created_at)))
            if not tasks:
                return False
            main = [t for t in tasks if t.stage != "supervise"]
            task = main[0] if main and rng.random() < 0.9 else tasks[0]
            data, role = _answer(sim, session, rng, task, numbers, i)
            actor = _actor(role, people.departments.get(task.department_id))
            sign = rng.random() < 0.85
            # Plain values: the rows read here expire if the step's transaction rolls back.
            task_id, spec = task.id, task.spec
            step = complete_task(session, sim, task_id, data, actor)
            if sign:
                _sign_for(session, sim, step, people)
    except FormInvalid:
        if spec != "handle":
            raise
        # A return after its 2-working-day window is refused (engine/cases/norms.py): handle it
        # instead, in a transaction of its own (the refused step's was rolled back).
        with sim.db.write() as session:
            step = complete_task(session, sim, task_id, DONE, actor)
            if sign:
                _sign_for(session, sim, step, people)
    return True


def _sign_for(session, sim: Runtime, step: StepResult, people: Staff) -> None:
    """Most departments sign for (签收, a claim) a newly assigned case at once; the others are
    escalated by the 1-working-day sign-for limit. The handling tasks the step just made are the
    ones to sign for, so they are taken from it rather than looked up again."""
    for task in step.new_tasks:
        if task.stage != "handle" or task.state != "ready" or task.assignee_id is not None:
            continue
        username = _actor("handler", people.departments.get(task.department_id))
        user_id = people.user_ids.get(username)
        if user_id is not None:
            claim_task(session, sim, task.id, user_id, username)


DONE = {"outcome": "done", "findings": "经现场核查，反映情况基本属实，已责令整改。",
        "measures": "责令停止违法行为并限期整改"}


def _actor(role: str, department: str | None) -> str:
    named = {("handler", "air"): "handler", ("handler", "enforcement"): "handler2",
             ("lead", "air"): "lead", ("lead", "enforcement"): "lead2"}
    if role in ("handler", "lead") and department:
        return named.get((role, department), f"{role}_{department}")
    return role


def _enforcement_answer(sim: Runtime, rng: random.Random, task: Task, r: float) -> tuple[dict, str] | None:
    """The enforcement path's steps (workflows/bpmn/enforcement.bpmn): a few suspected crimes are
    handed to the police, whose decision some stalled cases are still waiting for."""
    today = sim.now().astimezone(ZoneInfo(sim.timezone)).date()
    if task.spec == "en_file":
        return {"party": rng.choice([e for e in ENTERPRISES if e]), "violation": "超标排放大气污染物"}, "lead"
    if task.spec == "en_investigate":
        return {"findings": "现场检查及在线监测数据显示超标排放", "crime_suspected": r < 0.06}, "handler"
    if task.spec == "en_handover":
        return {"police_department": "police", "receiver": "环食药侦大队 值班民警", "received_on": today.isoformat(),
                "handover_reason": "涉嫌污染环境罪"}, "handler"
    if task.spec == "en_police":
        return {"decision": rng.choice(["filed", "filed", "not_filed", "returned"])}, "handler"
    if task.spec == "en_decide":
        limit = rng.choice(["none", "none", "limit", "stop"])
        dates = {"limit_start": today.isoformat(), "limit_end": (today + timedelta(days=30)).isoformat()} \
            if limit != "none" else {}
        return {"fine_yuan": rng.choice([20000, 50000, 100000, 200000]), "production_limit": limit,
                "correction_order": "立即停止超标排放，完善污染防治设施", "correction_days": 10, **dates}, "lead"
    if task.spec == "en_rectify_check":
        return {"rectified": r < 0.85, "check_note": "复查：污染防治设施运行正常"}, "handler"
    if task.spec == "en_close":
        return {"summary": "罚款已缴纳，整改完毕，予以结案"}, "lead"
    return None


def _answer(sim: Runtime, session, rng: random.Random, task: Task, numbers, i) -> tuple[dict, str]:
    r = rng.random()
    if task.spec == "receive":
        if r < 0.06:
            return {"decision": "reject", "reason": "不属于生态环境部门职责范围，已告知投诉人向相关部门反映"}, "intake"
        earlier = [num for j, (_cid, num) in numbers.items() if j < i]
        if r < 0.11 and earlier:
            return {"decision": "duplicate", "duplicate_of": rng.choice(earlier)}, "intake"
        return {"decision": "accept"}, "intake"
    if task.spec == "assign":
        route = task_data(session, sim, task.id)
        if route.get("route_transfer") and r < 0.9:
            agency = {"urban_management": "城市管理局", "police": "公安局", "housing": "住房和城乡建设局",
                      "agriculture": "农业农村局"}.get(route["route_transfer"], route["route_transfer"])
            return {"action": "transfer", "transfer_to": agency,
                    "transfer_reason": "不属于生态环境部门职责，按职责分工转办"}, "intake"
        department = route.get("route_department") or "enforcement"
        joint = [d for d in ("enforcement", "water") if d != department] if r > 0.95 else []
        return {"action": "assign", "department": department, "joint_departments": joint,
                "instructions": "请按时核查处理并反馈"}, "intake"
    if task.spec == "joint_handle":
        return {"findings": "联合检查：现场已责令停产整改", "measures": "下达责令改正违法行为决定书"}, "handler"
    if task.spec == "handle":
        if r < 0.05:
            return {"outcome": "return", "return_reason": "该点位不属于本部门辖区"}, "handler"
        if r < 0.12:
            return {"outcome": "extension", "extension_days": rng.choice([10, 15, 30]),
                    "extension_reason": "需等待第三方检测报告"}, "handler"
        # A violation found opens an enforcement case (engine/enforcement/start.py): about one in
        # seven handlings, as the bureau files far fewer enforcement cases than it gets complaints.
        return {**DONE, "violation_found": r < 0.15}, "handler"
    if task.spec == "review_return":
        if r < 0.7:
            return {"return_decision": "accept"}, "intake"
        return {"return_decision": "refuse", "return_comment": "经核实属本部门职责，请继续办理"}, "intake"
    if task.spec == "approve_extension":
        return ({"approved": True} if r < 0.8 else {"approved": False, "comment": "理由不充分"}), "lead"
    if task.spec == "feedback":
        return {"reply": "您反映的问题已核查处理，企业已完成整改。", "contact_method": "phone"}, "handler"
    if task.spec == "review":
        return ({"approved": True} if r < 0.85 else {"approved": False, "comment": "整改证据不足，请补充"}), "lead"
    if task.spec == "follow_up":
        choice = rng.choices(["satisfied", "basically_satisfied", "unsatisfied", "unreachable"], [70, 18, 8, 4])[0]
        return {"satisfaction": choice}, "intake"
    answer = _enforcement_answer(sim, rng, task, r)
    if answer is not None:
        return answer
    if task.spec == "follow_up_review":
        return {"conclusion": "经复核，处理符合规定，向投诉人做好解释。"}, "supervisor"
    if task.spec == "supervise":
        return {"opinion": "请承办部门加快办理，三个工作日内报送进展。"}, "supervisor"
    raise ValueError(f"demo does not know task {task.spec}")
