"""Reference data (staff, places, the working calendar, settings, form versions) kept per process
for as long as the database says it has not changed.

Every change to a reference table — through the ORM, a bulk statement or plain SQL, from any
process — gives ``reference_generation.token`` a new random value inside the changing transaction
(triggers, engine/migrations/versions/0033_reference_generation.py). A reader compares the token
with the one its cached value was read under: one small read instead of the several it replaces,
and a change made by another web process or worker is seen by the next step that starts after it
commits. Within ``scope`` (an engine step) the token is read once; outside it, on every call.

Values kept here are plain data, never ORM objects (they outlive the session that read them).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ReferenceGeneration

T = TypeVar("T")
_TOKEN = "greenloop_reference_token"
_UNREAD = object()
_lock = threading.Lock()
# (database url, name, key) → (token, value)
_entries: dict[tuple[str, str, Any], tuple[int, Any]] = {}


def _read_token(session: Session) -> int | None:
    return session.scalar(select(ReferenceGeneration.token).where(ReferenceGeneration.id == 1))


def _token(session: Session) -> int | None:
    held = session.info.get(_TOKEN)
    if held is None:
        return _read_token(session)
    if held is _UNREAD:
        held = session.info[_TOKEN] = _read_token(session)
    return held


def token_column():
    """The token as a column of a statement the step sends anyway (its instance lock,
    engine/core/runtime.py), handed to ``prime``: the step's one read of it costs no statement."""
    return select(ReferenceGeneration.token).where(ReferenceGeneration.id == 1).scalar_subquery()


def prime(session: Session, token: int | None) -> None:
    """Within ``scope``, take ``token`` (read through ``token_column``) as the scope's one read."""
    if session.info.get(_TOKEN) is _UNREAD:
        session.info[_TOKEN] = token


@contextmanager
def scope(session: Session) -> Iterator[None]:
    """Read the token at most once until the block ends: for an engine step, which changes no
    reference data. Nested scopes share the outer one's token."""
    if _TOKEN in session.info:
        yield
        return
    session.info[_TOKEN] = _UNREAD
    try:
        yield
    finally:
        session.info.pop(_TOKEN, None)


def cached(session: Session, name: str, key: Any, load: Callable[[], T]) -> T:
    """``load()``'s value, read again only when the reference data changed since it was kept.
    Without a token (a database built otherwise than by the migrations) nothing is kept."""
    token = _token(session)
    if token is None:
        return load()
    entry = (str(session.get_bind().url), name, key)
    with _lock:
        hit = _entries.get(entry)
    if hit is not None and hit[0] == token:
        return hit[1]
    value = load()
    with _lock:
        _entries[entry] = (token, value)
    return value
