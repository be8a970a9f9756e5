"""Firing due timers: claim a small batch of due instances, advance each, commit once.

The database row is the only source of truth for what is due. A claim is a row lock held until the
batch commits (FOR UPDATE SKIP LOCKED on PostgreSQL), so any number of workers can run against one
database: each due instance is advanced by exactly one of them, and if a worker dies mid-batch its
transaction rolls back and every instance of the batch is simply claimed again.

Each instance is still its own engine step (its own audit events and task rows) inside a SAVEPOINT:
one that fails is rolled back to it and parked, and the others of the batch carry on. Batching is
what makes 10,000 timers due at once affordable: a commit and the claim query cost as much as a
timer step itself, and a claim query walks past the index entries the instances fired before left
behind (docs/architecture.md, "Transactions").
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from engine.core import reference_cache
from engine.core.due_timers import fire_due_timers
from engine.core.errors import GreenloopError
from engine.core.runtime import Runtime
from engine.models import AuditEvent, Case, ProcessInstance, Task

log = logging.getLogger(__name__)

# If an instance looks due but none of its timers fires, look again this much later rather
# than claiming it in a tight loop.
RECHECK_AFTER = timedelta(minutes=1)
# Instances claimed and advanced per transaction. Small enough that a batch commits in a fraction
# of a second (its row locks, and any numbering lock a step takes, are held until then); large
# enough that the claim and the commit are shared by many steps. Measured on PostgreSQL, one
# process firing 1,000 bench timers: 71/s one per transaction, 197/s by 10, 282/s by 25, 382/s by 50.
FIRE_BATCH = 25


def fire_next_batch(runtime: Runtime, size: int = FIRE_BATCH) -> list[int]:
    """Advance up to ``size`` due instances, earliest due first, in one transaction; returns their
    ids (those parked after a failure included), an empty list when nothing is due."""
    with runtime.db.write() as session:
        now = runtime.now()
        instances = list(session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.status == "running", ProcessInstance.next_timer_due < now)
            # Ties by id: instances due at the same moment fire in the order they were started on
            # every run (two of one case tell the same people in one thread, engine/notify/delivery.py).
            .order_by(ProcessInstance.next_timer_due, ProcessInstance.id)
            .limit(size)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)))
        if not instances:
            return []
        ids = [instance.id for instance in instances]
        if runtime.db.is_postgres:
            # Turn the claim's row locks into this transaction's own update of the rows. A row locked
            # FOR UPDATE by the transaction and then updated in a savepoint (a subtransaction) gets
            # a MultiXact as its deleter, and PostgreSQL never marks the index entries of such dead
            # rows as dead before VACUUM: every later claim walked past all the instances fired
            # before it (10,000 due at once: 16-37 ms a claim once 6,000 had fired). Updated here
            # first, the savepoint updates a row version this transaction wrote: no MultiXact.
            session.execute(update(ProcessInstance).where(ProcessInstance.id.in_(ids))
                            .values(row_version=ProcessInstance.row_version)
                            .execution_options(synchronize_session=False))
        # The cases in a statement of their own, after the locks: joined into the claim, a row that
        # a step committed between the claim's snapshot and its lock comes back new while its case
        # comes back old (engine/core/runtime.py lock_instance_and_case says more).
        case_ids = {instance.case_id for instance in instances if instance.case_id is not None}
        cases = {case.id: case for case in session.scalars(
            select(Case).where(Case.id.in_(case_ids)).execution_options(populate_existing=True))} if case_ids else {}
        claimed = [(instance, cases.get(instance.case_id)) for instance in instances]
        # The batch's ready task rows, read once under its locks: each step starts from its own
        # (Runtime.step's ``ready``) instead of reading them itself.
        ready: dict[int, dict[str, Task]] = {instance_id: {} for instance_id in ids}
        for row in session.scalars(select(Task).where(Task.instance_id.in_(list(ready)), Task.state == "ready")):
            ready[row.instance_id][row.id] = row
        # The steps change no reference data: one read of its token serves the whole batch.
        with reference_cache.scope(session):
            for instance, case in claimed:
                _fire(runtime, session, instance, case, now, ready[instance.id])
        return ids


def _fire(runtime: Runtime, session: Session, instance: ProcessInstance, case: Case | None, now: datetime,
          ready: dict[str, Task]) -> None:
    """One instance's step in a savepoint of the batch's transaction; a failure parks it alone."""
    fired: list[tuple[str, str]] = []

    def advance(workflow, ctx):
        fired.extend(fire_due_timers(workflow, ctx, now))

    try:
        with session.begin_nested():
            runtime.step(session, instance, case, "system", advance, ready=ready)
    except (OperationalError, InterfaceError):
        raise  # the database itself is in trouble (connection lost, deadlock, locked): retry the batch later
    except Exception as err:
        # Anything else is this instance's own failure (a helper error, a value the database
        # refuses, ...). Left running, it would be claimed first again on every tick and hold
        # up every timer due after it.
        message = (str(err) if isinstance(err, GreenloopError)
                   else f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
    else:
        if not fired and instance.next_timer_due is not None and instance.next_timer_due < now:
            log.warning("instance %s looked due but no timer fired; rechecking later", instance.id)
            instance.next_timer_due = now + RECHECK_AFTER
        return
    # The failing step was rolled back to the savepoint; park the instance so the worker
    # does not retry it forever, and say why where people will see it.
    instance.status = "error"
    instance.error = message
    session.add(AuditEvent(case_id=instance.case_id, instance_id=instance.id, at=now, actor="system",
                           kind="error", detail={"message": message}))
    log.error("instance %s failed while firing timers: %s", instance.id, message)


def fire_due(runtime: Runtime, limit: int | None = None, batch: int = FIRE_BATCH) -> int:
    """Fire everything due now (or up to ``limit`` instances), ``batch`` instances per transaction;
    returns how many were advanced."""
    count = 0
    while limit is None or count < limit:
        advanced = fire_next_batch(runtime, batch if limit is None else min(batch, limit - count))
        if not advanced:
            break
        count += len(advanced)
    return count


def earliest_due(runtime: Runtime):
    with runtime.db.read() as session:
        return session.scalar(select(func.min(ProcessInstance.next_timer_due))
                              .where(ProcessInstance.status == "running"))
