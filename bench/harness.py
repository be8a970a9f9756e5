"""What every benchmark does around its measurements: the progress it prints, the database it runs
on (built fresh for the run) and the figures line it ends with."""
from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import before_render_template, template_rendered
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url

from engine.core.db import Database
from engine.core.migrate import upgrade


def log(message: str) -> None:
    print(message, flush=True)


def fresh_database(url: str) -> None:
    """Drop every table (the bench owns this database) and build the current schema."""
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            meta = MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        db.dispose()
    upgrade(url)


@contextmanager
def bench_database(name: str, args: argparse.Namespace, *, keep: bool = False) -> Iterator[tuple[str, Database, Path]]:
    """(url, database, work folder) for one run of the `name` bench: ``args.database_url`` (ALL ITS
    TABLES ARE DROPPED, unless ``keep``: then only migrated to the current schema, for a bench that
    reuses what an earlier run loaded) or a SQLite file in a temporary work folder, with the current
    schema. The folder is removed and the database's connections closed afterwards."""
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as tmp:
        work_dir = Path(tmp)
        url = args.database_url or f"sqlite:///{work_dir / 'bench.db'}"
        shown = make_url(url).render_as_string(hide_password=True)
        if keep and args.database_url:
            log(f"{name} bench on {shown}: keeping its data, migrating to the current schema")
            upgrade(url)
        else:
            log(f"{name} bench on {shown}{' (quick)' if args.quick else ''}: dropping all tables, building schema")
            fresh_database(url)
        db = Database(url)
        try:
            yield url, db, work_dir
        finally:
            db.dispose()


def print_figures(figures: dict[str, float], keys: Iterable[str]) -> None:
    """The last line, `key=value …` in the order of `keys`: what scripts and tests/bench read."""
    log(" ".join(f"{key}={figures[key]:.1f}" for key in keys))


def bulk_insert_cases(db: Database, cols: list[str], rows: Iterable[tuple], last_id: int) -> None:
    """Load generated ``case`` rows (values in the order of ``cols``) past the ORM: COPY and the id
    sequence moved on to ``last_id`` on PostgreSQL, batched INSERTs on SQLite; then the planner's
    statistics, as autovacuum would gather them after a bulk load (on PostgreSQL also the visibility
    map that lets an index answer without visiting the table)."""
    names = ", ".join(cols)
    if db.is_postgres:
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cur:
                with cur.copy(f'COPY "case" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
                cur.execute("SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), %s)", (last_id,))
            raw.commit()
        finally:
            raw.close()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql('VACUUM (ANALYZE) "case"')
        return
    insert = text(f'INSERT INTO "case" ({names}) VALUES ({", ".join(f":{c}" for c in cols)})')
    with db.engine.begin() as conn:
        batch = []
        for row in rows:
            batch.append(dict(zip(cols, row, strict=True)))
            if len(batch) == 5000:
                conn.execute(insert, batch)
                batch = []
        if batch:
            conn.execute(insert, batch)
        conn.execute(text("ANALYZE"))


def signed_in(app, username: str, password: str):
    """A Flask test client of ``app`` signed in as ``username`` through the login form (with its
    CSRF token), as a browser would be."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


class RequestSplit:
    """The time requests spend in SQL statements (cursor execute to rows fetched) and in rendering
    templates, measured with SQLAlchemy's cursor events and Flask's template signals; ``reset``
    before each request."""

    def __init__(self, app, engine):
        self.sql = self.render = 0.0
        self.statements = 0
        self._sql_started: list[float] = []
        self._render_started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._sql_begins)
        event.listen(engine, "after_cursor_execute", self._sql_done)
        before_render_template.connect(self._render_begins, app, weak=False)
        template_rendered.connect(self._render_done, app, weak=False)

    def _sql_begins(self, *_args) -> None:
        self.statements += 1
        self._sql_started.append(time.perf_counter())

    def _sql_done(self, *_args) -> None:
        self.sql += time.perf_counter() - self._sql_started.pop()

    def _render_begins(self, *_args, **_kw) -> None:
        self._render_started.append(time.perf_counter())

    def _render_done(self, *_args, **_kw) -> None:
        self.render += time.perf_counter() - self._render_started.pop()

    def reset(self) -> None:
        self.sql = self.render = 0.0
        self.statements = 0


def tail(log: Path, lines: int = 20) -> str:
    """The last lines of a child process's log file, for a failure's message."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def stop_all(procs: Iterable[subprocess.Popen]) -> None:
    """Ask each running child process to stop, then kill those that have not after 10 s."""
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
