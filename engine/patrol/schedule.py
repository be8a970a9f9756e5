"""Start the due patrols: one patrol process (workflows/bpmn/patrol.bpmn) per point and slot.

Called from the timer worker's tick (engine/timers/worker.py). Each start is a transaction of its
own with the point's row locked; the patrol row's unique (point, slot) key makes a second start of
the same slot fail in the database whatever two workers do, so every slot starts exactly once.
A slot that ended while nothing ran (the worker stopped for days) is skipped, not started late.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.calendar.store import load_calendar
from engine.core.runtime import Runtime, in_transaction
from engine.core.specs import require_latest
from engine.models import Grid, Patrol, PatrolPoint, User, UserRole
from engine.patrol import frequency

log = logging.getLogger(__name__)
PROCESS = "patrol"
STARTED = "patrol_started"


def officer_for(session: Session, point: PatrolPoint) -> int | None:
    """The point's own officer, else the first active grid officer (a handler with a supervision
    tier) posted at its grid node or the nearest node above it."""
    if point.officer_id:
        return point.officer_id
    grid = session.get(Grid, point.grid_id)
    while grid is not None:
        found = session.scalar(
            select(User.id).join(UserRole).where(UserRole.role == "handler", User.grid_id == grid.id,
                                                 User.active.is_(True), User.tier.is_not(None)).order_by(User.id).limit(1))
        if found:
            return found
        grid = grid.parent
    return None


def _level(session: Session, point: PatrolPoint) -> str:
    grid = session.get(Grid, point.grid_id)
    return grid.level if grid else "town"


def start_slot(session: Session, runtime: Runtime, point_id: int) -> Patrol | None:
    """Start the point's next slot if it has opened; None when nothing is due."""
    point = session.get(PatrolPoint, point_id, with_for_update=True)
    if point is None or not point.active:
        return None
    settings = frequency.load(session)
    calendar = load_calendar(session, runtime.timezone)
    tz = calendar.tz
    every = settings.interval(_level(session, point), point.every_days)
    now = runtime.now()
    anchor = point.anchor.astimezone(tz).date()
    k = point.next_slot
    current = frequency.slot(calendar, anchor, every, k)
    if frequency.start_of(current.first_day, tz) > now:
        return None
    while frequency.end_of(current.last_day, tz) <= now:  # ended unseen: skip to the open slot
        k += 1
        current = frequency.slot(calendar, anchor, every, k)
    nxt = frequency.slot(calendar, anchor, every, k + 1)
    opens_at = frequency.start_of(current.first_day, tz)
    due_at = frequency.end_of(current.last_day, tz)
    patrol = Patrol(point_id=point.id, slot=k, officer_id=officer_for(session, point), grid_path=point.grid_path,
                    opens_at=opens_at, due_at=due_at, status="open", colour="blue", far=False)
    try:
        with session.begin_nested():
            session.add(patrol)
            session.flush()
    except IntegrityError:
        log.info("patrol slot %s of point %s already started", k, point.id)
        return None
    point.next_slot = k + 1
    data = {"patrol_id": patrol.id, "point": point.name, "reserved_for": patrol.officer_id,
            "grid_path": point.grid_path,
            "opens_at": opens_at.isoformat(), "due_at": due_at.isoformat(),
            # Yellow from the start of the last day; closed as missed when the next slot ends.
            "warn_at": frequency.start_of(current.last_day, tz).isoformat(),
            "closes_at": frequency.end_of(nxt.last_day, tz).isoformat()}
    result = runtime.start(session, None, data, "system", definition=require_latest(session, PROCESS), started=STARTED)
    patrol.instance_id = result.instance.id
    return patrol


def due_point_ids(session: Session) -> list[int]:
    return list(session.scalars(select(PatrolPoint.id).where(PatrolPoint.active.is_(True)).order_by(PatrolPoint.id)))


def start_due_patrols(runtime: Runtime) -> int:
    """Start every point's open slot, one transaction per point; returns how many started."""
    with runtime.db.read() as s:
        ids = due_point_ids(s)
    started = 0
    for point_id in ids:
        try:
            if in_transaction(runtime, start_slot, point_id) is not None:
                started += 1
        except Exception:  # one point's failure must not stop the others'
            log.exception("starting a patrol of point %s failed", point_id)
    return started


