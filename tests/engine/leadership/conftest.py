"""A case the seeded leader (engine/org/seed.py STAFF: "leader") owns, and staff as the scope
rules see them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import Case, Grid, User
from engine.org.scopes import StaffMember, case_scope
from engine.work.board_actions import take_ownership


def staff(env, username: str) -> StaffMember:
    with env.db.read() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        grid = s.get(Grid, user.grid_id) if user.grid_id else None
        return StaffMember(id=user.id, roles=frozenset(user.roles), department_id=user.department_id,
                           grid_path=grid.path if grid else None, grid_level=grid.level if grid else None,
                           tier=user.tier)


def own(env, case: Case, username: str = "leader") -> Case:
    """``username`` (a tier-4 supervisor) owns the case, as the board's 包案 does."""
    member = staff(env, username)
    return env.run(take_ownership, case.id, user_id=member.id, actor=username, scope=case_scope(member))


@pytest.fixture
def owned(env) -> Case:
    """An accepted case with the air department, owned by the leader."""
    case = env.register()
    env.accept_and_assign(case)
    own(env, case)
    return env.case(case)
