"""What every benchmark does around its measurements: the progress it prints, the database it runs
on (built fresh for the run) and the figures line it ends with."""
from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import MetaData, text
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
def bench_database(name: str, args: argparse.Namespace) -> Iterator[tuple[str, Database, Path]]:
    """(url, database, work folder) for one run of the `name` bench: ``args.database_url`` (ALL ITS
    TABLES ARE DROPPED) or a SQLite file in a temporary work folder, with the current schema. The
    folder is removed and the database's connections closed afterwards."""
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as tmp:
        work_dir = Path(tmp)
        url = args.database_url or f"sqlite:///{work_dir / 'bench.db'}"
        shown = make_url(url).render_as_string(hide_password=True)
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
