"""The demo's outside agencies working in greenloop (engine/enforcement/agency.py): a 公安局 officer
and a 市场监督管理局 officer, each seeing only the cases sent to their agency (engine/org/scopes.py),
and work waiting for each: a transfer (转办) to 市场监管 awaiting the agency's result and a joint
handling (联合执法) with the police. A few registrations and steps: the demo stays fast."""
from __future__ import annotations

from sqlalchemy import select

from engine.cases.intake import register_case
from engine.core.runtime import Runtime, in_transaction
from engine.models import Case, Department, Task, User, UserRole
from engine.org.passwords import hash_password
from engine.work.tasks import complete_task

# (department code, name, username, display name); the police department is seeded
# (engine/org/seed.py), 市场监管 is added here as the demo county's second agency in greenloop.
AGENCY_STAFF = (("police", "公安局", "police1", "公安局环食药侦大队 民警"),
                ("market", "市场监督管理局", "market1", "市场监督管理局 执法人员"))


# The two complaints whose tasks wait for the agencies.
TRANSFER_CASE = {"category": "air", "title": "农贸市场商户销售劣质散煤",
                 "description": "市场内多家商户销售高硫散煤，冬季燃烧污染严重", "address": "城关镇农贸市场"}
JOINT_CASE = {"category": "solid_waste", "title": "夜间车辆向河道倾倒建筑垃圾",
              "description": "连续多晚有无牌货车倾倒，疑似有组织非法处置", "address": "河口镇河堤路"}


def _staff(session, password: str) -> list[str]:
    made = []
    digest = None
    for code, name, username, display in AGENCY_STAFF:
        department = session.scalars(select(Department).where(Department.code == code)).first()
        if department is None:
            department = Department(code=code, name=name, kind="external")
            session.add(department)
            session.flush()
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        digest = digest or hash_password(password)
        user = User(username=username, display_name=display, password_hash=digest, department_id=department.id,
                    active=True)
        user.role_rows = [UserRole(role="handler")]
        session.add(user)
        made.append(username)
    return made


def _step(runtime: Runtime, case_id: int, spec: str, data: dict, actor: str) -> None:
    def run(session, rt):
        task = session.scalars(select(Task).where(Task.case_id == case_id, Task.spec == spec,
                                                  Task.state == "ready")).one()
        complete_task(session, rt, task.id, data, actor)
    in_transaction(runtime, run)


def _case(runtime: Runtime, data: dict) -> int:
    return in_transaction(runtime, lambda session, rt: register_case(session, rt, {
        "channel": "hotline", "subject_type": "other", "complainant_anonymous": True, **data}, "intake").id)


def agency_demo(runtime: Runtime, password: str) -> list[str]:
    """The agencies' officers (with ``password``) and their waiting tasks; nothing when they exist."""
    made = in_transaction(runtime, lambda session, _rt: _staff(session, password))
    if not made:
        return []
    transfer = _case(runtime, TRANSFER_CASE)
    _step(runtime, transfer, "receive", {"decision": "accept"}, "intake")
    _step(runtime, transfer, "assign", {"action": "transfer", "transfer_to": "市场监督管理局",
                                        "transfer_reason": "散煤销售的质量监管属市场监管部门职责"}, "intake")
    joint = _case(runtime, JOINT_CASE)
    _step(runtime, joint, "receive", {"decision": "accept"}, "intake")
    _step(runtime, joint, "assign", {"action": "assign", "department": "soil", "joint_departments": ["police"],
                                     "instructions": "联合公安查处非法倾倒"}, "intake")
    with runtime.db.read() as session:
        numbers = dict(session.execute(select(Case.id, Case.number).where(Case.id.in_((transfer, joint)))).all())
    return [f"outside agencies in greenloop: {', '.join(made)} (password as the county staff's) — "
            f"a transfer to 市场监管 waiting for its result ({numbers[transfer]}), "
            f"a joint handling with the police ({numbers[joint]})"]
