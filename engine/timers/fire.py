"""Firing due timers: claim one due instance at a time, advance it, commit.

The database row is the only source of truth for what is due. A claim is a row lock held for
the whole step (FOR UPDATE SKIP LOCKED on PostgreSQL), so any number of workers can run against
one database: each due instance is advanced by exactly one of them, and if a worker dies
mid-step its transaction rolls back and the instance is simply claimed again.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError

from engine.core.due_timers import fire_due_timers
from engine.core.errors import GreenloopError
from engine.core.runtime import Runtime
from engine.models import AuditEvent, Case, ProcessInstance

log = logging.getLogger(__name__)

# If an instance looks due but none of its timers fires, look again this much later rather
# than claiming it in a tight loop.
RECHECK_AFTER = timedelta(minutes=1)


def fire_next_due(runtime: Runtime) -> int | None:
    """Advance one due instance; returns its id, or None when nothing is due."""
    failed: tuple[int, str] | None = None
    with runtime.db.write() as session:
        now = runtime.now()
        instance = session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.status == "running", ProcessInstance.next_timer_due < now)
            .order_by(ProcessInstance.next_timer_due)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if instance is None:
            return None
        case = session.get(Case, instance.case_id) if instance.case_id else None
        fired: list[tuple[str, str]] = []

        def advance(workflow, ctx):
            fired.extend(fire_due_timers(workflow, ctx, now))

        try:
            with session.begin_nested():
                runtime.step(session, instance, case, "system", advance)
        except (OperationalError, InterfaceError):
            raise  # the database itself is in trouble (connection lost, deadlock, locked): retry later
        except Exception as err:
            # Anything else is this instance's own failure (a helper error, a value the database
            # refuses, ...). Left running, it would be claimed first again on every tick and hold
            # up every timer due after it.
            failed = (instance.id, str(err) if isinstance(err, GreenloopError)
                      else f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
        else:
            if not fired and instance.next_timer_due is not None and instance.next_timer_due < now:
                log.warning("instance %s looked due but no timer fired; rechecking later", instance.id)
                instance.next_timer_due = now + RECHECK_AFTER
            return instance.id
        # The failing step was rolled back to the savepoint; park the instance so the worker
        # does not retry it forever, and say why where people will see it.
        instance.status = "error"
        instance.error = failed[1]
        session.add(AuditEvent(case_id=instance.case_id, instance_id=instance.id, at=now, actor="system",
                               kind="error", detail={"message": failed[1]}))
        log.error("instance %s failed while firing timers: %s", instance.id, failed[1])
        return instance.id


def fire_due(runtime: Runtime, limit: int | None = None) -> int:
    """Fire everything due now (or up to ``limit`` instances); returns how many were advanced."""
    count = 0
    while limit is None or count < limit:
        if fire_next_due(runtime) is None:
            break
        count += 1
    return count


def earliest_due(runtime: Runtime):
    with runtime.db.read() as session:
        return session.scalar(select(func.min(ProcessInstance.next_timer_due))
                              .where(ProcessInstance.status == "running"))
