"""Rendering the rows issued ``pending`` (engine/models/rendered.RenderedPdf) in the job loop
(engine/jobs/worker.py), where one broken row must hold up neither the others nor the loop.

Each row is claimed before it is rendered. On PostgreSQL the claim is a row lock (FOR UPDATE SKIP
LOCKED) held by a transaction that stays open while the row renders and in which the result is
stored: several job loops never render one row at once, and a loop killed mid-way leaves the row
``pending`` (its lock goes with its connection) for the next one to take. On SQLite, where one
process runs the job loop, the row is simply read and rendered with transactions of its own
(holding SQLite's single write lock through a render would stop every step meanwhile); the ids in
hand are kept in memory, so that two loops of that process still never render one row at once.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# render(id, session) / mark_failed(id, err, session): ``session`` holds the claim (PostgreSQL) or
# is None (the function opens its own transactions).
Render = Callable[[int, Session | None], object]
MarkFailed = Callable[[int, Exception, Session | None], None]


# SQLite: the rows this process's job loops are rendering, by database and table.
_in_hand: dict[str, set[int]] = {}
_in_hand_lock = threading.Lock()


def render_pending(runtime, model, order: Sequence, limit: int, render: Render, mark_failed: MarkFailed,
                   what: str) -> int:
    """Render up to ``limit`` pending rows of ``model`` in ``order``, recording a failure with
    ``mark_failed``; returns how many were rendered. Never raises."""
    claim = _claim_locked if runtime.db.is_postgres else _claim_plain
    done = 0
    tried: list[int] = []
    try:
        while len(tried) < limit:
            query = select(model.id).where(model.status == "pending").order_by(*order).limit(1)
            if tried:  # a row whose failure could not be recorded is not taken again this round
                query = query.where(model.id.not_in(tried))
            rendered = claim(runtime, model, query, tried, render, mark_failed, what)
            if rendered is None:
                break
            done += rendered
    except Exception:
        log.exception("claiming %ss to render failed", what)
    return done


def _claim_locked(runtime, model, query, tried: list[int], render: Render, mark_failed: MarkFailed, what: str) -> int | None:
    with runtime.db.write() as session:
        row_id = session.scalar(query.with_for_update(skip_locked=True))
        if row_id is None:
            return None
        tried.append(row_id)
        try:
            with session.begin_nested():
                render(row_id, session)
            return 1
        except Exception as err:  # one broken row must not hold up the others
            log.exception("rendering %s %s failed", what, row_id)
            mark_failed(row_id, err, session)
            return 0


def _claim_plain(runtime, model, query, tried: list[int], render: Render, mark_failed: MarkFailed, what: str) -> int | None:
    with _in_hand_lock:
        in_hand = _in_hand.setdefault(f"{runtime.db.url} {model.__tablename__}", set())
        with runtime.db.read() as session:
            row_id = session.scalar(query.where(model.id.not_in(in_hand)) if in_hand else query)
        if row_id is None:
            return None
        in_hand.add(row_id)
    tried.append(row_id)
    try:
        render(row_id, None)
        return 1
    except Exception as err:  # one broken row must not hold up the others
        log.exception("rendering %s %s failed", what, row_id)
        try:
            mark_failed(row_id, err, None)
        except Exception:
            log.exception("recording the failure of %s %s failed", what, row_id)
        return 0
    finally:
        with _in_hand_lock:
            in_hand.discard(row_id)
