"""A case the seeded leader (engine/org/seed.py STAFF: "leader") owns, and staff as the scope
rules see them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import Case, Grid, User, UserRole
from engine.org.passwords import hash_password
from engine.org.scopes import StaffMember, case_scope
from engine.work.board_actions import take_ownership
from tests.conftest import TEST_PASSWORD


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


def user_id(env, username: str) -> int:
    with env.db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def add_second_leader(env) -> None:
    """Another bureau leader ("leader2", tier 4 at the county), who owns nothing."""
    with env.db.write() as s:
        if s.scalar(select(User.id).where(User.username == "leader2")) is None:
            county = s.scalar(select(Grid.id).where(Grid.code == "C"))
            user = User(username="leader2", display_name="副局长 钱明", password_hash=hash_password(TEST_PASSWORD),
                        grid_id=county, tier=4)
            user.role_rows = [UserRole(role="supervisor")]
            s.add(user)


@pytest.fixture
def owned(env) -> Case:
    """An accepted case with the air department, owned by the leader."""
    case = env.register()
    env.accept_and_assign(case)
    own(env, case)
    return env.case(case)
