"""`greenloop backup` and `greenloop restore` (engine/ops/backup.py): a demo county is backed up —
once at rest, once while cases keep arriving — and restored into an empty database and data folder;
every table's rows and every file's checksum come back, and a restore never overwrites data."""
from __future__ import annotations

import hashlib
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from engine.bootstrap import make_runtime
from engine.cases.intake import register_case
from engine.core.config import load_settings
from engine.core.runtime import in_transaction
from engine.ops.backup import MANIFEST, BackupError, check, restore
from tests.conftest import PG_URL
from webapp.cli import main

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=[pytest.mark.postgres, pytest.mark.skipif(
                not PG_URL, reason="set GREENLOOP_TEST_DATABASE_URL")])]


@pytest.fixture
def databases(request):
    """(source URL, target URL) on the backend, each a fresh database; PostgreSQL ones dropped after."""
    if request.param == "sqlite":
        yield None, None
        return
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"gl_backup_{uuid.uuid4().hex[:10]}_{side}" for side in ("src", "dst")]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield tuple(make_url(PG_URL).set(database=name).render_as_string(hide_password=False) for name in names)
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _use(monkeypatch, data_dir: Path, url: str | None) -> None:
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(data_dir))
    monkeypatch.delenv("GREENLOOP_FAKE_NOW", raising=False)
    if url:
        monkeypatch.setenv("GREENLOOP_DATABASE_URL", url)
    else:
        monkeypatch.delenv("GREENLOOP_DATABASE_URL", raising=False)


def _demo(monkeypatch, data_dir: Path, url: str | None, *, county: bool = True) -> None:
    """A data folder and database as an installation has them: the demo county (or only the
    deployed diagrams, where the test needs no more) and files of every kind."""
    _use(monkeypatch, data_dir, url)
    assert main(["init-db"]) == 0 and main(["deploy"]) == 0
    if county:
        assert main(["demo", "--password", "pw-123456", "--cases", "4"]) == 0
    # Files of every kind the data folder holds, in nested folders, binary and empty.
    (data_dir / "attachments" / "2026" / "03").mkdir(parents=True, exist_ok=True)
    (data_dir / "attachments" / "2026" / "03" / "photo.jpg").write_bytes(bytes(range(256)) * 40)
    (data_dir / "documents").mkdir(exist_ok=True)
    (data_dir / "documents" / "受理告知书.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00" * 1000)
    (data_dir / "documents" / "empty.txt").write_bytes(b"")


def _rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            meta = MetaData()
            meta.reflect(conn)
            return {name: [tuple(r) for r in conn.execute(select(t).order_by(*(t.primary_key.columns or t.columns)))]
                    for name, t in sorted(meta.tables.items())}
    finally:
        engine.dispose()


def _files(data_dir: Path) -> dict[str, str]:
    return {p.relative_to(data_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data_dir.rglob("*")) if p.is_file() and not p.name.startswith("greenloop.db")}


def _only_backup(destination: Path) -> Path:
    [folder] = list(destination.iterdir())
    return folder


@pytest.mark.parametrize("databases", BACKENDS, indirect=True)
def test_a_backup_restores_every_row_and_file(databases, tmp_path, monkeypatch, capsys):
    source_url, target_url = databases
    source, target, backups = tmp_path / "source", tmp_path / "target", tmp_path / "backups"
    _demo(monkeypatch, source, source_url)
    capsys.readouterr()
    assert main(["backup", str(backups)]) == 0
    assert "backup:" in capsys.readouterr().out
    folder = _only_backup(backups)
    source_db = load_settings().database_url

    _use(monkeypatch, target, target_url)
    assert main(["restore", str(folder)]) == 0
    assert "match the backup" in capsys.readouterr().out

    restored = _rows(load_settings().database_url)
    original = _rows(source_db)
    assert restored == original and sum(len(r) for r in restored.values()) > 100
    assert _files(target) == _files(source) and len(_files(target)) >= 3

    # A second restore onto what is now a filled database and data folder is refused.
    with pytest.raises(BackupError, match="not empty|has files"):
        restore(load_settings(), folder)
    assert _rows(load_settings().database_url) == original


@pytest.mark.parametrize("databases", BACKENDS, indirect=True)
def test_a_backup_taken_while_cases_arrive_is_one_consistent_moment(databases, tmp_path, monkeypatch):
    source_url, target_url = databases
    source, target, backups = tmp_path / "source", tmp_path / "target", tmp_path / "backups"
    _demo(monkeypatch, source, source_url, county=False)
    runtime = make_runtime(load_settings())
    stop, registered, errors = threading.Event(), [], []

    def arrive():
        data = {"channel": "hotline", "category": "air", "title": "夜间异味", "description": "工厂排气",
                "complainant_name": "李四", "complainant_phone": "13900000000", "subject_type": "enterprise"}
        while not stop.is_set():
            try:
                registered.append(in_transaction(runtime, register_case, dict(data), "intake").id)
            except Exception as exc:  # noqa: BLE001 — reported by the assertion below
                errors.append(repr(exc))
                return

    writer = threading.Thread(target=arrive)
    writer.start()
    try:
        while len(registered) < 2 and not errors:
            stop.wait(0.01)
        assert main(["backup", str(backups)]) == 0
    finally:
        stop.set()
        writer.join()
        runtime.db.dispose()
    assert errors == []

    _use(monkeypatch, target, target_url)
    assert main(["restore", str(_only_backup(backups))]) == 0  # row counts checked against the manifest
    rows = _rows(load_settings().database_url)
    case_ids = {r[0] for r in rows["case"]}
    assert 0 < len(case_ids) <= len(registered)
    # Each restored case came with its process instance: the copy is one moment, not a mixture.
    with create_engine(load_settings().database_url).connect() as conn:
        orphans = conn.scalar(text('SELECT count(*) FROM "case" c WHERE NOT EXISTS '
                                   '(SELECT 1 FROM process_instance p WHERE p.case_id = c.id)'))
    assert orphans == 0


def test_a_damaged_backup_or_a_filled_target_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    source, target, backups = tmp_path / "source", tmp_path / "target", tmp_path / "backups"
    _demo(monkeypatch, source, None, county=False)
    assert main(["backup", str(backups)]) == 0
    folder = _only_backup(backups)
    assert check(folder)["database"] == "sqlite"

    (folder / "files" / "documents" / "受理告知书.pdf").write_bytes(b"changed")
    _use(monkeypatch, target, None)
    with pytest.raises(BackupError, match="missing or changed"):
        restore(load_settings(), folder)
    assert not target.exists() or not any(target.rglob("*"))

    (folder / MANIFEST).write_text("{", encoding="utf-8")
    with pytest.raises(BackupError, match="not a greenloop backup"):
        restore(load_settings(), folder)
    assert main(["restore", str(folder)]) == 1  # the command says why instead of a traceback
