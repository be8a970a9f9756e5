"""Export jobs: the file built within the asker's scope with its progress recorded, failures
recorded on the job (never raised), a job whose process died shown as failed, old jobs purged."""
from __future__ import annotations

from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select, update

from engine.ledger.exports import STALE_AFTER, own_export, purge_old, request_export, run_export
from engine.ledger.filters import LedgerFilters
from engine.models import User
from engine.models.ledger import LedgerExport
from engine.org.scopes import member_of
from tests.engine.ledger.conftest import MARCH

TZ = "Asia/Shanghai"


def _request(env, username="town", fmt="xlsx", filters=LedgerFilters()):
    with env.db.write() as s:
        staff = member_of(s, s.scalar(select(User.id).where(User.username == username)))
        return request_export(s, staff=staff, fmt=fmt, period=MARCH, filters=filters, now=env.clock.now()).id


def _job(env, export_id) -> LedgerExport:
    with env.db.read() as s:
        return s.get(LedgerExport, export_id)


def test_an_export_is_built_in_the_askers_scope(env, ledger_cases, tmp_path):
    export_id = _request(env, "town", filters=LedgerFilters(colour="red"))
    run_export(env.db, export_id, folder=tmp_path, tz=TZ, clock=env.clock)
    job = _job(env, export_id)
    assert job.state == "done" and job.written == job.total == 2
    assert job.stored_path and (tmp_path / job.stored_path).stat().st_size == job.size
    assert not list(tmp_path.glob("*.part"))
    book = load_workbook(tmp_path / job.stored_path)
    assert book.sheetnames == ["台账", "汇总", "城关镇"]
    # A job runs once: a second run of a finished job does nothing.
    run_export(env.db, export_id, folder=tmp_path, tz=TZ, clock=env.clock)
    assert _job(env, export_id).stored_path == job.stored_path


def test_an_account_switched_off_meanwhile_gets_nothing(env, ledger_cases, tmp_path):
    export_id = _request(env, "lead")
    with env.db.write() as s:
        s.execute(update(User).where(User.username == "lead").values(active=False))
    run_export(env.db, export_id, folder=tmp_path, tz=TZ, clock=env.clock)
    job = _job(env, export_id)
    assert job.state == "failed" and job.stored_path is None and list(tmp_path.iterdir()) == []


def test_a_failure_is_recorded_and_leaves_no_file(env, ledger_cases, tmp_path):
    export_id = _request(env)
    with env.db.write() as s:
        s.get(LedgerExport, export_id).filters = {"colour": "purple"}  # as if tampered with
    run_export(env.db, export_id, folder=tmp_path, tz=TZ, clock=env.clock)
    job = _job(env, export_id)
    assert job.state == "failed" and "LedgerInputError" in job.error
    assert list(tmp_path.iterdir()) == []


def test_only_the_asker_sees_a_job_and_a_silent_one_shows_as_failed(env, ledger_cases):
    export_id = _request(env, "town")
    with env.db.read() as s:
        town = s.scalar(select(User.id).where(User.username == "town"))
        other = s.scalar(select(User.id).where(User.username == "leader"))
        assert own_export(s, export_id, other, env.clock.now()) is None
        assert own_export(s, export_id, town, env.clock.now()).state == "queued"
        later = env.clock.now() + STALE_AFTER + timedelta(seconds=1)
        assert own_export(s, export_id, town, later).state == "failed"


def test_old_jobs_and_their_files_are_purged(env, ledger_cases, tmp_path):
    export_id = _request(env, "town")
    run_export(env.db, export_id, folder=tmp_path, tz=TZ, clock=env.clock)
    fresh = _request(env, "town")
    with env.db.write() as s:
        assert purge_old(s, tmp_path, env.clock.now() + timedelta(hours=1)) == 0
        s.get(LedgerExport, fresh).created_at = env.clock.now() + timedelta(days=2)
    with env.db.write() as s:
        assert purge_old(s, tmp_path, env.clock.now() + timedelta(days=1, minutes=1)) == 1
    assert list(tmp_path.iterdir()) == []
    assert _job(env, export_id) is None and _job(env, fresh) is not None
