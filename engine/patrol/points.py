"""Patrol points: create, change and list them (administrators), with clear field errors."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import FormInvalid, NotFound
from engine.core.text import UnsafeText, clean_text
from engine.models import PATROL_POINT_KINDS, AuditEvent, Grid, PatrolPoint, User
from engine.patrol.frequency import check_every

MAX_CHECKLIST = 30
TEXT_LIMITS = {"name": 200, "address": 500}


def _text(values: dict, key: str, problems: dict, *, required: bool = False) -> str | None:
    raw = values.get(key)
    try:
        text = clean_text(str(raw)).strip() if raw not in (None, "") else ""
    except UnsafeText as err:
        problems.setdefault(key, []).append(str(err))
        return None
    if required and not text:
        problems.setdefault(key, []).append("必填 (required)")
    elif len(text) > TEXT_LIMITS[key]:
        problems.setdefault(key, []).append(f"最多 {TEXT_LIMITS[key]} 字 (at most {TEXT_LIMITS[key]} characters)")
    return text or None


def _coordinate(values: dict, key: str, bound: float, problems: dict) -> float | None:
    try:
        value = float(str(values.get(key, "")).strip())
        if not -bound <= value <= bound:
            raise ValueError
        return value
    except ValueError:
        problems.setdefault(key, []).append(f"请填写 -{bound:g} 至 {bound:g} 之间的数 (a number from -{bound:g} to {bound:g})")
        return None


def checklist_items(raw: object, problems: dict) -> list[str]:
    """One item a line (from a textarea) or a list."""
    lines = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    items = []
    for line in lines:
        try:
            item = clean_text(str(line)).strip()
        except UnsafeText as err:
            problems.setdefault("checklist", []).append(str(err))
            return []
        if item:
            items.append(item[:200])
    if len(items) > MAX_CHECKLIST:
        problems.setdefault("checklist", []).append(f"最多 {MAX_CHECKLIST} 项 (at most {MAX_CHECKLIST} items)")
    return items


def parse_values(session: Session, values: dict) -> dict:
    """The checked values of a point (the form, or a line of an import file); FormInvalid names
    each field's problem."""
    problems: dict[str, list[str]] = {}
    clean = {"name": _text(values, "name", problems, required=True), "address": _text(values, "address", problems)}
    kind = values.get("kind")
    if kind not in PATROL_POINT_KINDS:
        problems.setdefault("kind", []).append("请选择类型 (choose a kind)")
    clean["kind"] = kind
    grid = session.scalars(select(Grid).where(Grid.code == str(values.get("grid_code") or "").strip())).first()
    if grid is None or grid.level == "county":
        problems.setdefault("grid_code", []).append("请填写乡镇、网格或村的编码 (a town, work area or village code)")
    clean["grid"] = grid
    clean["latitude"] = _coordinate(values, "latitude", 90, problems)
    clean["longitude"] = _coordinate(values, "longitude", 180, problems)
    clean["checklist"] = checklist_items(values.get("checklist"), problems)
    every = values.get("every_days")
    clean["every_days"] = check_every(every, "every_days", problems) if every not in (None, "") else None
    officer = values.get("officer")
    clean["officer_id"] = None
    if officer not in (None, ""):
        user = session.scalars(select(User).where(User.username == str(officer).strip(), User.active.is_(True))).first()
        if user is None or "handler" not in user.roles:
            problems.setdefault("officer", []).append("不是在岗的网格员账号 (not an active grid officer's account)")
        else:
            clean["officer_id"] = user.id
    if problems:
        raise FormInvalid(problems)
    return clean


def _apply(point: PatrolPoint, clean: dict) -> None:
    grid = clean.pop("grid")
    point.grid_id, point.grid_path = grid.id, grid.path
    for key, value in clean.items():
        setattr(point, key, value)


def create_point(session: Session, values: dict, *, actor: str, now: datetime) -> PatrolPoint:
    """A new point; its first patrol slot starts today (engine/patrol/frequency.py)."""
    clean = parse_values(session, values)
    point = PatrolPoint(active=True, anchor=now, next_slot=0, created_by=actor, created_at=now)
    _apply(point, clean)
    session.add(point)
    session.flush()
    session.add(AuditEvent(at=now, actor=actor, kind="patrol_point_saved", detail={"point_id": point.id, "name": point.name}))
    return point


def update_point(session: Session, point_id: int, values: dict, *, actor: str, now: datetime) -> PatrolPoint:
    point = session.get(PatrolPoint, point_id, with_for_update=True)
    if point is None:
        raise NotFound("patrol point")
    clean = parse_values(session, values)
    _apply(point, clean)
    point.active = bool(values.get("active", True)) and values.get("active") not in ("0", "false", "off")
    session.add(AuditEvent(at=now, actor=actor, kind="patrol_point_saved", detail={"point_id": point.id, "name": point.name}))
    return point


def list_points(session: Session, *, grid_path: str | None = None) -> list[PatrolPoint]:
    q = select(PatrolPoint).order_by(PatrolPoint.grid_path, PatrolPoint.name)
    if grid_path:
        q = q.where(PatrolPoint.grid_path.startswith(grid_path, autoescape=True))
    return list(session.scalars(q))
