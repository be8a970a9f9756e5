"""The worker's share of rendering: rows issued ``pending`` (engine/models/rendered.RenderedPdf)
rendered a few at a time, where one broken row must hold up neither the others nor the timers."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import select

log = logging.getLogger(__name__)


def render_pending(runtime, model, order: Sequence, limit: int, render: Callable[[int], object],
                   mark_failed: Callable[[int, Exception], None], what: str) -> int:
    """Render up to ``limit`` pending rows of ``model`` in ``order`` with ``render(id)``, recording
    a failure with ``mark_failed(id, err)``; returns how many were rendered. Never raises."""
    try:
        with runtime.db.read() as session:
            ids = list(session.scalars(select(model.id).where(model.status == "pending")
                                       .order_by(*order).limit(limit)))
    except Exception:
        log.exception("looking for %ss to render failed", what)
        return 0
    done = 0
    for row_id in ids:
        try:
            render(row_id)
            done += 1
        except Exception as err:  # one broken row must not hold up the others, or the timers
            log.exception("rendering %s %s failed", what, row_id)
            try:
                mark_failed(row_id, err)
            except Exception:
                log.exception("recording the failure of %s %s failed", what, row_id)
    return done
