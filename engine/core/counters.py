"""Gapless per-year counters (case numbers, document number series): a row per series whose
``last`` is counted on inside the caller's transaction, so a rollback gives the number back."""
from __future__ import annotations

from sqlalchemy import and_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def bump_statement(model, **key):
    """``UPDATE … SET last = last + 1 … RETURNING last`` on the series' row: the row lock is taken
    and the number counted on in one statement. A Core statement: no autoflush, none of the ORM's
    bulk-update work."""
    table = model.__table__
    return update(table).where(and_(*(table.c[name] == value for name, value in key.items()))) \
        .values(last=table.c.last + 1).returning(table.c.last)


def bump(session: Session, model, **key) -> int:
    """The series' next number; the series' row is made on its first use (a new year)."""
    statement = bump_statement(model, **key)
    last = session.connection().scalar(statement)
    if last is None:
        # The first number of the series: two transactions may race to create its row.
        try:
            with session.begin_nested():
                session.add(model(**key, last=0))
        except IntegrityError:
            pass
        last = session.connection().execute(statement).scalar_one()
    return last
