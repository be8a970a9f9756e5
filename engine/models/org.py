"""People and places: departments, the grid tree, users and their roles."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base

ROLES = ("intake", "handler", "lead", "supervisor", "admin")
# The diagrams' lanes (a task's candidate group): every role but the administrator's works tasks.
CANDIDATE_GROUPS = tuple(role for role in ROLES if role != "admin")
# The grid tree, top down; staff posted below the county (a grid officer, a town's supervisor)
# work the part of the tree they are posted to.
GRID_LEVELS = ("county", "town", "area", "village")
LOCAL_GRID_LEVELS = GRID_LEVELS[1:]



class Department(Base):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # bureau: a section or brigade of the environment bureau; external: another agency
    # that receives transfers (urban management, police, …).
    kind: Mapped[str] = mapped_column(String(32), default="bureau")


class Grid(Base):
    """One node of the grid tree: county → town → work area → village."""

    __tablename__ = "grid"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # one of GRID_LEVELS
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    # "/county/town/area/" codes: scoping a handler to a subtree is one LIKE on an index.
    path: Mapped[str] = mapped_column(String(500), index=True)
    parent: Mapped[Grid | None] = relationship(remote_side=[id])


class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    # Supervision tier this person acts at (1 grid … 4 bureau leader); None for non-supervisors.
    tier: Mapped[int | None] = mapped_column()
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    active: Mapped[bool] = mapped_column(default=True)
    department: Mapped[Department | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}


class UserRole(Base):
    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
