"""An enforcement case opened from handling (办理: violation found), and the outside agencies'
people (公安 and 市场监管 officers), created here rather than in the shared seed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import Department, Grid, User, UserRole
from engine.models.enforcement import EnforcementCase
from engine.org.passwords import hash_password
from engine.org.scopes import StaffMember
from tests.conftest import TEST_PASSWORD

VIOLATION = {"outcome": "done", "findings": "现场检查发现废气处理设施未运行，直排", "violation_found": True}


def staff(env, username: str) -> StaffMember:
    with env.db.read() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        grid = s.get(Grid, user.grid_id) if user.grid_id else None
        department = s.get(Department, user.department_id) if user.department_id else None
        return StaffMember(id=user.id, roles=frozenset(user.roles), department_id=user.department_id,
                           grid_path=grid.path if grid else None, grid_level=grid.level if grid else None,
                           tier=user.tier, outside_agency=bool(department and department.kind == "external"))


def add_agency_officer(env, username: str = "police1", department: str = "police", roles=("handler",)) -> None:
    """An outside agency's officer who works in greenloop (no grid posting: the agency's own scope)."""
    with env.db.write() as s:
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            return
        dep = s.scalars(select(Department).where(Department.code == department)).first()
        if dep is None:
            dep = Department(code=department, name={"market": "市场监督管理局"}.get(department, department),
                             kind="external")
            s.add(dep)
            s.flush()
        user = User(username=username, display_name=f"{dep.name} 民警", password_hash=hash_password(TEST_PASSWORD),
                    department_id=dep.id)
        user.role_rows = [UserRole(role=r) for r in roles]
        s.add(user)


def enforcement_of(env, case) -> EnforcementCase:
    with env.db.read() as s:
        return s.scalars(select(EnforcementCase).where(EnforcementCase.case_id == case.id)).one()


@pytest.fixture
def violating(env):
    """A case handled with "violation found": its enforcement case is open at 立案."""
    case = env.register(subject_enterprise="示范化工有限公司")
    env.accept_and_assign(case, department="enforcement")
    env.complete(case, "handle", VIOLATION, actor="handler2")
    return env.case(case)
