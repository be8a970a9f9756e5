"""A statement that writes a case anyway may return more of the case for whoever keeps figures
derived from it in step (the monthly summary, engine/measures/summary.py), so that the case is
not read again for them: a new case's number (engine/cases/numbering.py) returns what the summary
counts. The summary registers here because engine/cases may not import engine/measures
(docs/architecture.md, layers)."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

_NOTHING: tuple = ()
_listener: dict[str, Callable | None] = {"columns": None, "written": None}


def listen(columns: Callable[[str], list], written: Callable[[Session, int, Mapping], None]) -> None:
    """``columns(dialect)``: what to return; ``written(session, case_id, values)`` hears it."""
    _listener["columns"], _listener["written"] = columns, written


def columns(dialect: str) -> list | tuple:
    provider = _listener["columns"]
    return provider(dialect) if provider is not None else _NOTHING


def written(session: Session, case_id: int, values: Mapping) -> None:
    listener = _listener["written"]
    if listener is not None:
        listener(session, case_id, values)
