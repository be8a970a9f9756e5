"""The re-inspection draw: candidates are the cases closed in [closed_from, closed_to) that no
earlier draw chose, in id order; the flagged ones are always taken; of the rest,
round(share × count) are drawn with ``random.Random(seed).sample``. The draw row keeps the seed,
the share and all three lists, and ``redraw`` repeats the sampling from them alone."""
from __future__ import annotations

import random
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import WorkflowFault
from engine.core.runtime import Runtime
from engine.core.specs import require_latest
from engine.models import Case, CaseFlag
from engine.models.reinspection import ReinspectionDraw

PROCESS = "reinspection"
# As a leader's reminder is (engine/leadership/reminders.py): the case is not registered again.
STARTED = "side_process_started"


def sample(candidates: list[int], flagged: set[int], share: float, seed: int) -> list[int]:
    """Of the candidates not flagged (kept in the given order), the ones the seed draws, sorted."""
    rest = [case_id for case_id in candidates if case_id not in flagged]
    count = round(share * len(rest))
    return sorted(random.Random(seed).sample(rest, count))


def redraw(draw: ReinspectionDraw) -> list[int]:
    """The sample the recorded draw gives again: anyone can check it was not chosen by hand."""
    return sample(list(draw.candidates), set(draw.flagged), draw.share, draw.seed)


def _already_drawn(session: Session) -> set[int]:
    chosen: set[int] = set()
    for flagged, sampled in session.execute(select(ReinspectionDraw.flagged, ReinspectionDraw.sampled)):
        chosen.update(flagged)
        chosen.update(sampled)
    return chosen


def draw(session: Session, runtime: Runtime, *, closed_from: datetime, closed_to: datetime, share: float,
         actor: str, seed: int | None = None) -> ReinspectionDraw:
    """Draw, record, and start one re-inspection per chosen case."""
    if not 0 <= share <= 1:
        raise WorkflowFault(f"share must be between 0 and 1, got {share}")
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    done = _already_drawn(session)
    closed = list(session.scalars(
        select(Case).where(Case.status == "closed", Case.closed_at >= closed_from, Case.closed_at < closed_to)
        .order_by(Case.id)))
    closed = [c for c in closed if c.id not in done]
    ids = [c.id for c in closed]
    key = set(session.scalars(select(CaseFlag.case_id).where(CaseFlag.flag == "key", CaseFlag.case_id.in_(ids))))
    repeated = {c.id for c in closed if c.recurrence_of_id is not None or c.reopened}
    flagged = sorted(key | repeated)
    row = ReinspectionDraw(drawn_at=runtime.now(), drawn_by=actor, seed=seed, share=share, closed_from=closed_from,
                           closed_to=closed_to, candidates=ids, flagged=flagged, sampled=sample(ids, set(flagged),
                                                                                                 share, seed))
    session.add(row)
    session.flush()
    definition = require_latest(session, PROCESS)
    by_id = {c.id: c for c in closed}
    for case_id in sorted(set(row.flagged) | set(row.sampled)):
        case = by_id[case_id]
        runtime.start(session, case, {"closed_at": case.closed_at.isoformat(), "draw": row.id,
                                      "flagged": case_id in row.flagged}, actor, definition=definition,
                      started=STARTED)
    return row
