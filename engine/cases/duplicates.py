"""Possible duplicates (重复件): recent cases about the same place or the same enterprise.

A candidate shares the category and, within the window, either the work area (so the same
village or a neighbouring one) or the reported enterprise. Candidates are ranked by how alike
their text is; the caller decides what to do with them (suggest a merge, list them on a case).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.core.runtime import Runtime, StepResult
from engine.models import Case, Grid, Task
from engine.org.places import grid_ref
from engine.work.tasks import complete_task

WINDOW = timedelta(days=30)
# Ranking happens in Python; a busy grid may have many recent cases, so look at the newest few.
MAX_CANDIDATES = 300


@dataclass(frozen=True)
class Suggestion:
    case: Case
    score: float  # 0..1 text similarity
    same_place: bool
    same_enterprise: bool


def _bigrams(text: str) -> set[str]:
    # Chinese has no spaces: overlapping character pairs are a robust, dependency-free measure.
    chars = "".join(ch for ch in text.lower() if ch.isalnum())
    if len(chars) < 2:
        return {chars} if chars else set()
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (0 when either text is empty)."""
    left, right = _bigrams(a), _bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _normalise(name: str | None) -> str:
    return (name or "").strip().lower()


def place_prefix(session: Session, grid_code: str | None) -> tuple[str | None, int | None]:
    """The grid path shared by "the same place" (the work area), or the exact grid for a town."""
    if not grid_code:
        return None, None
    grid = grid_ref(session, code=grid_code)
    if grid is None:
        return None, None
    if grid.level == "village" and grid.parent_id:
        area = grid_ref(session, grid_id=grid.parent_id)
        return (area.path if area else grid.path), None
    if grid.level == "area":
        return grid.path, None
    # A whole town or the county is too wide to call "the same place": only the same node.
    return None, grid.id


def same_place_or_enterprise(session: Session, grid_code: str | None, enterprise: str | None):
    """The conditions a case about "the same place or the same enterprise" meets (empty: the new
    complaint names neither), and the place prefix, grid and enterprise they compare with. Used for
    possible duplicates here and for repeat complaints (engine/cases/recurrence.py)."""
    prefix, exact_grid = place_prefix(session, grid_code)
    company = _normalise(enterprise)
    where_place = []
    if prefix:
        where_place.append(Case.grid_path.startswith(prefix, autoescape=True))
    if exact_grid:
        where_place.append(Case.grid_id == exact_grid)
    if company:
        where_place.append(func.lower(func.trim(Case.subject_enterprise)) == company)
    return where_place, prefix, exact_grid, company


def _candidates(session: Session, *, category: str, grid_code: str | None, enterprise: str | None,
                since: datetime, until: datetime, scope=None, exclude: tuple[int, ...] = ()):
    where_place, prefix, exact_grid, company = same_place_or_enterprise(session, grid_code, enterprise)
    if not category or not where_place:
        return [], prefix, exact_grid, company
    query = (select(Case)
             .where(Case.category == category, or_(*where_place),
                    Case.received_at >= since, Case.received_at <= until,
                    # A merged case points at its parent; offering it as a parent would chain merges.
                    Case.status != "merged")
             .order_by(Case.received_at.desc(), Case.id.desc())
             .limit(MAX_CANDIDATES))
    if scope is not None:
        query = query.where(scope)
    if exclude:
        query = query.where(Case.id.not_in(exclude))
    return list(session.scalars(query)), prefix, exact_grid, company


def _rank(rows, text: str, prefix, exact_grid, company, limit: int) -> list[Suggestion]:
    ranked = []
    for row in rows:
        same_place = bool((prefix and (row.grid_path or "").startswith(prefix))
                          or (exact_grid and row.grid_id == exact_grid))
        same_enterprise = bool(company and _normalise(row.subject_enterprise) == company)
        score = similarity(text, f"{row.title} {row.description or ''}")
        ranked.append(Suggestion(row, score, same_place, same_enterprise))
    # Stable sort: equally similar cases stay newest first.
    ranked.sort(key=lambda s: s.score, reverse=True)
    return ranked[:limit]


def suggest_duplicates(session: Session, *, category: str | None, grid_code: str | None,
                       enterprise: str | None, text: str, now: datetime, limit: int = 5,
                       scope=None, exclude: tuple[int, ...] = ()) -> list[Suggestion]:
    """Cases received in the 30 days before ``now`` that a new complaint may repeat."""
    rows, prefix, exact_grid, company = _candidates(
        session, category=category or "", grid_code=grid_code, enterprise=enterprise,
        since=now - WINDOW, until=now, scope=scope, exclude=exclude)
    return _rank(rows, text, prefix, exact_grid, company, limit)


def possible_duplicates_of(session: Session, case: Case, *, scope=None, limit: int = 5) -> list[Suggestion]:
    """Cases within 30 days either side of ``case`` that look like the same matter."""
    grid = session.get(Grid, case.grid_id) if case.grid_id else None
    grid_code = grid.code if grid else None
    # The case itself and the cases already linked to it are listed elsewhere on its page.
    children = session.scalars(select(Case.id).where(Case.parent_id == case.id))
    exclude = tuple({case.id, *children} | ({case.parent_id} if case.parent_id else set()))
    rows, prefix, exact_grid, company = _candidates(
        session, category=case.category, grid_code=grid_code, enterprise=case.subject_enterprise,
        since=case.received_at - WINDOW, until=case.received_at + WINDOW, scope=scope, exclude=exclude)
    return _rank(rows, f"{case.title} {case.description or ''}", prefix, exact_grid, company, limit)


def merge_new_case(session: Session, runtime: Runtime, case_id: int, parent_number: str, actor: str,
                   lang: str = "zh_CN") -> StepResult:
    """Record at acceptance that a just-registered case repeats ``parent_number`` (重复件合并):
    its receive task is completed with decision=duplicate, so the process itself merges it."""
    task_id = session.scalar(select(Task.id).where(Task.case_id == case_id, Task.spec == "receive",
                                                   Task.state == "ready"))
    if task_id is None:
        raise NotFound(f"案件 {case_id} 没有待受理任务 (no ready receive task)")
    return complete_task(session, runtime, task_id, {"decision": "duplicate", "duplicate_of": parent_number}, actor,
                         lang)
