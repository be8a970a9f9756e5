"""Backups that restore: a folder holding the database, a copy of the data folder's files and a
manifest (row count of every table, SHA-256 of every file), all taken while the app runs.

The row counts are taken in the very snapshot that is saved — the SQLite copy itself, or the
PostgreSQL snapshot exported to pg_dump — so a restore can prove it got every row back. Files are
copied after the database: a file is written before the row that names it is committed, so every
file the saved rows name is already there (a few newer files may come along unnamed, harmlessly).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy.engine import URL, make_url

from engine.core.config import Settings
from engine.core.errors import GreenloopError

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.dump"
FILES = "files"


class BackupError(GreenloopError):
    """A backup could not be made or restored; the message says why and nothing was overwritten."""


@dataclass(frozen=True)
class Outcome:
    folder: Path
    tables: dict[str, int]
    files: int


def _sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database).resolve()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL pg_dump/pg_restore take, and the environment carrying the password (never argv)."""
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain, env


def _counts(conn) -> dict[str, int]:
    meta = MetaData()
    meta.reflect(conn)
    return {name: conn.scalar(select(func.count()).select_from(table)) for name, table in sorted(meta.tables.items())}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _data_files(data_dir: Path, skip: Path | None) -> list[Path]:
    if not data_dir.is_dir():
        return []
    skipped = {skip, *(skip.with_name(skip.name + s) for s in ("-wal", "-shm", "-journal"))} if skip else set()
    return sorted(p for p in data_dir.rglob("*") if p.is_file() and p.resolve() not in skipped)


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed ({done.returncode}): {done.stderr.strip()[-800:]}")


def backup(settings: Settings, destination: Path, now: datetime) -> Outcome:
    url = make_url(settings.database_url)
    folder = destination / f"greenloop-{now:%Y%m%dT%H%M%S}"
    try:
        folder.mkdir(parents=True)
    except FileExistsError as exc:
        raise BackupError(f"{folder} exists already; nothing was written") from exc
    sqlite_path = _sqlite_path(url)
    if sqlite_path is not None:
        if not sqlite_path.exists():
            raise BackupError(f"no database at {sqlite_path}")
        source, copy = sqlite3.connect(sqlite_path), sqlite3.connect(folder / SQLITE_FILE)
        try:
            source.backup(copy)  # the online backup API: a consistent copy while others write
        finally:
            source.close()
            copy.close()
        engine = create_engine(f"sqlite:///{folder / SQLITE_FILE}")
        with engine.connect() as conn:
            tables = _counts(conn)
        engine.dispose()
    else:
        tables = _pg_dump(settings.database_url, folder / PG_FILE)
    files = {}
    for path in _data_files(settings.data_dir, sqlite_path):
        relative = path.relative_to(settings.data_dir)
        target = folder / FILES / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        files[relative.as_posix()] = _sha256(target)
    manifest = {"format": FORMAT, "created_at": now.isoformat(),
                "database": "sqlite" if sqlite_path is not None else "postgresql",
                "tables": tables, "files": files,
                # Files kept in an object store (GREENLOOP_STORAGE_URL) are not in this folder: the
                # store is backed up on its own (docs/deployment.md, "Backups that restore").
                "object_store": settings.storage_url}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return Outcome(folder, tables, len(files))


def _pg_dump(database_url: str, target: Path) -> dict[str, int]:
    """pg_dump in a snapshot this connection exported, counting the rows in that same snapshot."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            tables = _counts(conn)
            plain, env = _libpq(make_url(database_url))
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={target}", f"--dbname={plain}"], env, "pg_dump")
            conn.rollback()
    finally:
        engine.dispose()
    return tables


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a greenloop backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: backup format {manifest.get('format')!r}, this version reads {FORMAT}")
    return manifest


def check(folder: Path) -> dict:
    """The manifest, once every saved file is there with its recorded SHA-256."""
    manifest = read_manifest(folder)
    database = folder / (SQLITE_FILE if manifest["database"] == "sqlite" else PG_FILE)
    if not database.is_file():
        raise BackupError(f"{folder}: the database file {database.name} is missing")
    for relative, digest in manifest["files"].items():
        path = folder / FILES / relative
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{folder}: {relative} is missing or changed since the backup")
    return manifest


def restore(settings: Settings, folder: Path) -> Outcome:
    """Into an empty database and an empty data folder only: a restore never overwrites data."""
    manifest = check(folder)
    url = make_url(settings.database_url)
    sqlite_path = _sqlite_path(url)
    kind = "sqlite" if sqlite_path is not None else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"the backup holds a {manifest['database']} database; the target is {kind}")
    if any(p for p in _data_files(settings.data_dir, sqlite_path)):
        raise BackupError(f"the data folder {settings.data_dir} has files already; restore into an empty one")
    _refuse_filled(settings.database_url, sqlite_path)
    if sqlite_path is not None:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        saved, target = sqlite3.connect(folder / SQLITE_FILE), sqlite3.connect(sqlite_path)
        try:
            saved.backup(target)
        finally:
            saved.close()
            target.close()
    else:
        plain, env = _libpq(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={plain}", str(folder / PG_FILE)], env, "pg_restore")
    for relative in manifest["files"]:
        target = settings.data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / FILES / relative, target)
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            tables = _counts(conn)
    finally:
        engine.dispose()
    if tables != manifest["tables"]:
        differ = sorted(t for t in set(tables) | set(manifest["tables"]) if tables.get(t) != manifest["tables"].get(t))
        raise BackupError(f"restored row counts differ from the backup's in: {', '.join(differ)}")
    return Outcome(folder, tables, len(manifest["files"]))


def _refuse_filled(database_url: str, sqlite_path: Path | None) -> None:
    if sqlite_path is not None and not sqlite_path.exists():
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            filled = [name for name, count in _counts(conn).items() if count and name != "alembic_version"]
    finally:
        engine.dispose()
    if filled:
        raise BackupError(f"the database is not empty ({', '.join(filled[:5])}{' …' if len(filled) > 5 else ''}); "
                          "restore into an empty one")
