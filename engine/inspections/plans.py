"""The annual plan (年度双随机抽查计划) and the lists a draw reads: the inspector pool (两库) and the
object list (一单).

Rates are typed as percentages and stored as exact fractions (draw.py rounds each class's quota
up). A plan is edited only before its seed is fixed: after that the draw's inputs must not move.

- Pool: the plan's chosen people. Bureau inspectors are those of a bureau department; a joint
  draw (部门联合) also takes other departments' people. An inspector's grids are the town of their
  posting (a county posting belongs to no town), which the avoidance rule compares with the
  enterprise's town.
- Objects: the register's enterprises of the classes the plan draws from; listed ones (正面清单)
  are marked and left out by the draw; each carries its last inspection's inspectors.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.core.errors import AdminError, NotFound, Problem
from engine.enterprises.positive_list import listed_among
from engine.inspections.draw import DrawInspector, DrawObject, DrawRules
from engine.models import Department, Grid, User, UserRole
from engine.models.enterprise import SUPERVISION_CLASSES, Enterprise
from engine.models.inspection import Inspection, InspectionPlan

# 重点 25 %, 一般 5 %; 特殊 as the bureau sets (none until it does).
DEFAULT_RATES = {"key": "25", "general": "5", "special": ""}
INSPECTOR_ROLE = "handler"  # an inspection task is worked in the handler lane


def town_of(path: str | None) -> str | None:
    """The town code of a grid path ("/C/T01/T01-A01/" → "T01"); None at the county."""
    parts = [p for p in (path or "").split("/") if p]
    return parts[1] if len(parts) >= 2 else None


def percent_to_fraction(value: str) -> str | None:
    """"25" → "1/4"; "" → None (the class is not drawn); anything else outside 0–100 refused."""
    text = str(value or "").strip().rstrip("%").strip()
    if not text:
        return None
    try:
        rate = Fraction(text) / 100
    except (ValueError, ZeroDivisionError):
        raise ValueError(text) from None
    if not 0 <= rate <= 1:
        raise ValueError(text)
    return str(rate)


def fraction_to_percent(value: str | None) -> str:
    if value is None:
        return ""
    percent = Fraction(value) * 100
    return str(percent.numerator) if percent.denominator == 1 else f"{float(percent):g}"


def _problems(fields: dict) -> dict[str, list[Problem]]:
    return {name: [Problem(code, **values)] for name, (code, values) in fields.items()}


def check_plan(values: dict) -> dict:
    """The plan's fields from a form, checked; raises AdminError naming each wrong field."""
    wrong: dict[str, tuple[str, dict]] = {}
    out: dict = {}
    try:
        out["year"] = int(values.get("year") or 0)
        if not 2000 <= out["year"] <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        wrong["year"] = ("plan_year", {})
    out["name"] = str(values.get("name") or "").strip()[:200]
    if not out["name"]:
        wrong["name"] = ("required", {})
    rates = {}
    for klass in SUPERVISION_CLASSES:
        try:
            rate = percent_to_fraction(values.get(f"rate_{klass}", ""))
        except ValueError:
            wrong[f"rate_{klass}"] = ("plan_rate", {})
            continue
        if rate is not None:
            rates[klass] = rate
    if not rates and not any(k.startswith("rate_") for k in wrong):
        wrong["rate_key"] = ("plan_no_rate", {})
    out["rates"] = rates
    for name, low, high, default in (("per_object", 1, 5, 2), ("bureau_min", 1, 5, 1), ("publish_days", 1, 60, 20),
                                     ("inspect_days", 1, 60, 15)):
        try:
            out[name] = int(values.get(name) or default)
            if not low <= out[name] <= high:
                raise ValueError
        except (TypeError, ValueError):
            wrong[name] = ("plan_number", {"low": low, "high": high})
    if "per_object" in out and "bureau_min" in out and out["bureau_min"] > out["per_object"]:
        wrong["bureau_min"] = ("plan_bureau_min", {})
    out["joint"] = bool(values.get("joint"))
    out["inspector_ids"] = sorted({int(i) for i in values.get("inspector_ids") or [] if str(i).isdigit()})
    if wrong:
        raise AdminError(_problems(wrong))
    return out


def candidates(session: Session, joint: bool) -> list[User]:
    """Who may be put in the pool: active handlers of the bureau's departments, and with a joint
    draw those of other departments too."""
    query = (select(User).join(UserRole, UserRole.user_id == User.id).join(Department, Department.id == User.department_id)
             .where(UserRole.role == INSPECTOR_ROLE, User.active.is_(True)).order_by(Department.kind, Department.id, User.id))
    if not joint:
        query = query.where(Department.kind == "bureau")
    return list(session.scalars(query).unique())


def save_plan(session: Session, plan_id: int | None, values: dict, actor: str, now: datetime) -> InspectionPlan:
    checked = check_plan(values)
    allowed = {u.id for u in candidates(session, checked["joint"])}
    checked["inspector_ids"] = [i for i in checked["inspector_ids"] if i in allowed]
    if plan_id is None:
        plan = InspectionPlan(created_by=actor, created_at=now, status="draft")
    else:
        plan = session.get(InspectionPlan, plan_id, with_for_update=True)
        if plan is None:
            raise NotFound(f"inspection plan {plan_id}")
        if plan.status != "draft":
            raise AdminError({"": [Problem("plan_fixed")]})
    clash = session.scalar(select(InspectionPlan.id).where(InspectionPlan.year == checked["year"],
                                                           InspectionPlan.name == checked["name"],
                                                           InspectionPlan.id != (plan_id or 0)))
    if clash:
        raise AdminError(_problems({"name": ("plan_name_taken", {})}))
    for key, value in checked.items():
        setattr(plan, key, value)
    session.add(plan)
    session.flush()
    return plan


def get_plan(session: Session, plan_id: int, *, lock: bool = False) -> InspectionPlan:
    plan = session.get(InspectionPlan, plan_id, with_for_update=lock)
    if plan is None:
        raise NotFound(f"inspection plan {plan_id}")
    return plan


@dataclass(frozen=True)
class PoolMember:
    inspector: DrawInspector
    name: str
    department: str


def pool(session: Session, plan: InspectionPlan) -> list[PoolMember]:
    """The plan's pool as the draw reads it (people no longer active, or outside a non-joint draw, drop out)."""
    if not plan.inspector_ids:
        return []
    rows = session.execute(select(User, Department, Grid).join(Department, Department.id == User.department_id)
                           .outerjoin(Grid, Grid.id == User.grid_id)
                           .where(User.id.in_(plan.inspector_ids), User.active.is_(True)).order_by(User.id)).all()
    members = []
    for user, department, grid in rows:
        bureau = department.kind == "bureau"
        if not bureau and not plan.joint:
            continue
        town = town_of(grid.path if grid else None)
        members.append(PoolMember(DrawInspector(user.id, bureau, frozenset([town] if town else [])),
                                  user.display_name, department.name))
    return members


@dataclass(frozen=True)
class ListedObject:
    object: DrawObject
    name: str
    credit_code: str


def last_inspectors(session: Session, enterprise_ids: list[int]) -> dict[int, frozenset[int]]:
    """Each enterprise's inspectors of its latest inspection (any earlier plan)."""
    if not enterprise_ids:
        return {}
    latest = (select(Inspection.enterprise_id, func.max(Inspection.id).label("id"))
              .where(Inspection.enterprise_id.in_(enterprise_ids)).group_by(Inspection.enterprise_id).subquery())
    rows = session.execute(select(Inspection.enterprise_id, Inspection.inspector_ids)
                           .join(latest, latest.c.id == Inspection.id))
    return {eid: frozenset(int(i) for i in ids or []) for eid, ids in rows}


def objects(session: Session, plan: InspectionPlan, on_date: date, tz: str) -> list[ListedObject]:
    """The object list (一单) on ``on_date``: every enterprise of the classes the plan draws from."""
    rows = list(session.execute(select(Enterprise.id, Enterprise.supervision_class, Enterprise.grid_path, Enterprise.name,
                                       Enterprise.credit_code)
                                .where(Enterprise.supervision_class.in_(sorted(plan.rates)))
                                .order_by(Enterprise.id)))
    ids = [r.id for r in rows]
    listed = set()
    for start in range(0, len(ids), 500):  # one IN list per batch (a county has thousands)
        listed |= listed_among(session, ids[start:start + 500], on_date, tz)
    last = last_inspectors(session, ids)
    return [ListedObject(DrawObject(r.id, r.supervision_class, town_of(r.grid_path) or "", r.id in listed,
                                    last.get(r.id, frozenset())), r.name, r.credit_code) for r in rows]


def rules(plan: InspectionPlan) -> DrawRules:
    return DrawRules(per_object=plan.per_object, bureau_min=plan.bureau_min)
