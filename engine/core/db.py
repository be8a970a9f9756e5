"""Database connection: one SQLAlchemy engine and session factory per database URL."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling begins lazily and would let two writers both read a
    # process instance before either writes it. Taking the write lock at BEGIN (IMMEDIATE)
    # serialises steps the way FOR UPDATE does on PostgreSQL.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


_ROLLBACK_HOOKS = "greenloop_on_rollback"


def on_rollback(session: Session, undo: Callable[[], None]) -> None:
    """Run ``undo`` if the transaction ``session`` belongs to rolls back: for effects outside the
    database (a file written to disk) that must not outlive the rows that point at them."""
    session.info.setdefault(_ROLLBACK_HOOKS, []).append(undo)


class Database:
    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that will write: commits on success, rolls back on any exception (and
        then undoes what services registered with ``on_rollback``, such as files they wrote)."""
        session = self._write_sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            for undo in reversed(session.info.pop(_ROLLBACK_HOOKS, [])):
                undo()
            raise
        finally:
            session.info.pop(_ROLLBACK_HOOKS, None)
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was loaded, so rows read here
            # stay usable (detached) after the block.
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
