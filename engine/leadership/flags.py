"""The supervision section's flags on a case: 重点 key, 疑难 difficult, 积案 backlog.

A case may carry several. Setting and clearing each needs a reason and is audited; callers pass
``flag_scope`` of the person (engine/org/scopes.py): a case outside it is NotFound.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.core.runtime import Runtime
from engine.leadership.errors import Problems
from engine.models import CASE_FLAGS, AuditEvent, Case, CaseFlag

REASON_MAX = 500


def _checked(flag: str, reason: str | None) -> str:
    problems = Problems()
    if flag not in CASE_FLAGS:
        problems.add("flag", "unknown_flag")
    text = (reason or "").strip()
    if not text:
        problems.add("reason", "required")
    elif len(text) > REASON_MAX:
        problems.add("reason", "too_long")
    problems.raise_any()
    return text


def _case(session: Session, case_id: int, scope) -> Case:
    case = session.scalars(select(Case).where(Case.id == case_id, scope).with_for_update()).first()
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在 (no such case)")
    return case


def _audit(session: Session, runtime: Runtime, case: Case, actor: str, kind: str, flag: str, reason: str) -> None:
    session.add(AuditEvent(case_id=case.id, at=runtime.now(), actor=actor, kind=kind, stage=case.stage,
                           detail={"flag": flag, "reason": reason}))


def set_flag(session: Session, runtime: Runtime, case_id: int, flag: str, *, actor: str, reason: str | None,
             scope) -> CaseFlag:
    text = _checked(flag, reason)
    case = _case(session, case_id, scope)
    if session.get(CaseFlag, (case.id, flag)) is not None:
        problems = Problems()
        problems.add("flag", "already_flagged")
        problems.raise_any()
    row = CaseFlag(case_id=case.id, flag=flag, reason=text, set_by=actor, set_at=runtime.now())
    session.add(row)
    _audit(session, runtime, case, actor, "case_flagged", flag, text)
    return row


def clear_flag(session: Session, runtime: Runtime, case_id: int, flag: str, *, actor: str, reason: str | None,
               scope) -> None:
    text = _checked(flag, reason)
    case = _case(session, case_id, scope)
    row = session.get(CaseFlag, (case.id, flag))
    if row is None:
        problems = Problems()
        problems.add("flag", "not_flagged")
        problems.raise_any()
    session.delete(row)
    _audit(session, runtime, case, actor, "case_unflagged", flag, text)


def flags_of(session: Session, case_ids: Iterable[int]) -> dict[int, list[CaseFlag]]:
    """The flags of these cases, in CASE_FLAGS order."""
    ids = list(case_ids)
    found: dict[int, list[CaseFlag]] = {}
    if not ids:
        return found
    for row in session.scalars(select(CaseFlag).where(CaseFlag.case_id.in_(ids))):
        found.setdefault(row.case_id, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda r: CASE_FLAGS.index(r.flag) if r.flag in CASE_FLAGS else len(CASE_FLAGS))
    return found
