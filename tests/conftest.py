"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL too when
GREENLOOP_TEST_DATABASE_URL is set (CI sets it)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import MetaData, Table, delete, func, select, text

from engine.bootstrap import build_runtime
from engine.cases.intake import register_case
from engine.core.clock import ManualClock
from engine.core.db import Database
from engine.core.migrate import upgrade
from engine.core.runtime import Runtime, in_transaction
from engine.definitions.deploy import deploy_shipped
from engine.models import AuditEvent, Base, Case, ProcessInstance, Task, User
from engine.org.seed import seed_departments, seed_grid, seed_staff
from engine.timers.fire import fire_due
from engine.work.tasks import claim_task, complete_task

PG_URL = os.environ.get("GREENLOOP_TEST_DATABASE_URL")
# scripts/test.sh runs the suite as two pytest processes at once when PostgreSQL is configured
# (README, tests): GREENLOOP_TEST_PART=sqlite runs every test on SQLite plus those that need no
# database; =postgres runs the tests on PostgreSQL only. Unset, one process runs everything.
PART = os.environ.get("GREENLOOP_TEST_PART", "")
if PART not in ("", "sqlite", "postgres"):
    raise RuntimeError(f"GREENLOOP_TEST_PART={PART!r}: expected sqlite or postgres")
if PART == "postgres" and not PG_URL:
    raise RuntimeError("GREENLOOP_TEST_PART=postgres needs GREENLOOP_TEST_DATABASE_URL")
BACKENDS = {"sqlite": ["sqlite"], "postgres": ["postgres"]}.get(PART) or ["sqlite"] + (["postgres"] if PG_URL else [])
TEST_PASSWORD = "test-password-1"
# Staff passwords are hashed at the cheapest argon2 cost in tests (engine/org/passwords.py);
# tests/unit/test_passwords.py checks the production cost. Subprocesses inherit it.
os.environ.setdefault("GREENLOOP_PASSWORD_HASH", "fast")
# Apps made by the tests sign cookies with a random key of the run's own, rather than creating the
# key file in the checkout's instance/ folder (tests/security/test_session_secret.py tests that).
os.environ.setdefault("GREENLOOP_SECRET_KEY", secrets.token_urlsafe(48))


def _on_postgres(item) -> bool:
    callspec = getattr(item, "callspec", None)
    return (callspec is not None and callspec.params.get("database_url") == "postgres") \
        or item.get_closest_marker("postgres") is not None


def pytest_collection_modifyitems(config, items):
    if not PART:
        return
    keep, drop = [], []
    for item in items:
        (keep if _on_postgres(item) == (PART == "postgres") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _reset_postgres(url: str) -> None:
    db = Database(url)
    with db.engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'greenloop.db'}"
    else:
        url = PG_URL
        _reset_postgres(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def database(database_url):
    db = Database(database_url)
    yield db
    db.dispose()


def _empty(conn, db: Database) -> None:
    # DELETE rather than TRUNCATE: on PostgreSQL, truncating every table took ~0.3 s a test
    # (new files for each table and index) against ~0.03 s for deleting these few rows.
    for table in reversed(Base.metadata.sorted_tables):
        conn.execute(delete(table))
    if db.is_postgres:
        # What TRUNCATE's RESTART IDENTITY did: ids start again at 1.
        conn.execute(text("SELECT " + ", ".join(
            f"setval(pg_get_serial_sequence('\"{t.name}\"', '{t.autoincrement_column.name}'), 1, false)"
            for t in Base.metadata.sorted_tables if t.autoincrement_column is not None)))


def truncate_all(db: Database) -> None:
    with db.engine.begin() as conn:
        _empty(conn, db)


# Monday 2 March 2026, 10:00 in Shanghai: an ordinary working week.
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@dataclass
class Env:
    runtime: Runtime
    clock: ManualClock

    @property
    def db(self) -> Database:
        return self.runtime.db

    def run(self, service, *args, **kwargs):
        """Call an engine service the way a request does: in one write transaction of its own."""
        return in_transaction(self.runtime, service, *args, **kwargs)

    def register(self, **overrides) -> Case:
        data = {"channel": "hotline", "category": "air", "title": "工厂夜间排放异味",
                "description": "每晚十点后有刺鼻气味", "grid_code": "T01-A01-V01",
                "complainant_name": "张三", "complainant_phone": "13800000000", "subject_type": "enterprise"}
        data.update(overrides)
        return self.run(register_case, data, "intake")

    def ready(self, case: Case | int) -> list[Task]:
        case_id = case if isinstance(case, int) else case.id
        with self.db.read() as s:
            return list(s.scalars(select(Task).where(Task.case_id == case_id, Task.state == "ready")
                                  .order_by(Task.created_at, Task.spec)))

    def task(self, case: Case | int, spec: str) -> Task:
        matches = [t for t in self.ready(case) if t.spec == spec]
        assert matches, f"no ready {spec} task; ready: {[t.spec for t in self.ready(case)]}"
        return matches[0]

    def complete(self, case: Case | int, spec: str, data: dict | None = None, actor: str = "tester"):
        return self.run(complete_task, self.task(case, spec).id, data or {}, actor)

    def case(self, case: Case | int) -> Case:
        case_id = case if isinstance(case, int) else case.id
        with self.db.read() as s:
            return s.get(Case, case_id)

    def instance(self, case: Case | int) -> ProcessInstance:
        case_id = case if isinstance(case, int) else case.id
        with self.db.read() as s:
            return s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()

    def audit(self, case: Case | int, kind: str | None = None) -> list[AuditEvent]:
        case_id = case if isinstance(case, int) else case.id
        with self.db.read() as s:
            q = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
            if kind:
                q = q.where(AuditEvent.kind == kind)
            return list(s.scalars(q))

    def count(self, model=Case) -> int:
        """How many rows the table of `model` holds (cases, unless told)."""
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(model))

    def newest_case(self) -> Case | None:
        with self.db.read() as s:
            return s.scalars(select(Case).order_by(Case.id.desc())).first()

    def at(self, iso: str) -> int:
        """Move the clock to a moment (ISO with offset) and fire whatever timers are due."""
        self.clock.set(datetime.fromisoformat(iso))
        return fire_due(self.runtime)

    def accept_and_assign(self, case: Case, department: str = "air", **assign) -> None:
        self.complete(case, "receive", {"decision": "accept"})
        self.complete(case, "assign", {"action": "assign", "department": department, **assign})

    def sign_for(self, case: Case | int, username: str = "handler", spec: str = "handle") -> Task:
        """The receiving department signs for (签收) the case: a handler claims its handling task
        (engine/cases/norms.py). Tests that let time run in the handling stage sign first, or the
        1-working-day sign-for limit escalates the case."""
        with self.db.read() as s:
            user_id = s.scalar(select(User.id).where(User.username == username))
        return self.run(claim_task, self.task(case, spec).id, user_id, username)

    def return_to_intake(self, case: Case | int, reason: str = "不属于本部门职责", *, accept: bool = True,
                         comment: str | None = None, actor: str = "tester"):
        """The department returns the case (退单) and intake reviews the return: accepted, the case
        waits for a new assignment; refused, it goes back to the department."""
        self.complete(case, "handle", {"outcome": "return", "return_reason": reason}, actor=actor)
        decision = {"return_decision": "accept" if accept else "refuse"}
        if comment or not accept:
            decision["return_comment"] = comment or "属本部门职责，请办理"
        return self.complete(case, "review_return", decision)


@dataclass
class Baseline:
    """The seeded rows every test starts from, read back once per database."""

    rows: dict[Table, list[dict]]
    # PostgreSQL: each serial column's sequence and the value seeding left it at.
    sequences: list[tuple[str, int]]

    def restore(self, db: Database) -> None:
        """Empty every table and put the seeded rows back: the same rows, ids and next ids that
        seeding afresh would give, without hashing passwords or parsing the diagrams again."""
        with db.engine.begin() as conn:
            _empty(conn, db)
            for table, rows in self.rows.items():
                conn.execute(table.insert(), rows)
            for sequence, value in self.sequences:
                conn.execute(text("SELECT setval(:sequence, :value)"), {"sequence": sequence, "value": value})


def seed_baseline(runtime: Runtime) -> None:
    with runtime.db.write() as s:
        seed_departments(s)
        seed_grid(s, areas=28, villages=56)
        seed_staff(s, TEST_PASSWORD)
        deploy_shipped(s, runtime)


def take_baseline(db: Database) -> Baseline:
    rows, sequences = {}, []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "reference_generation":
                continue  # its triggers write it while the other rows are put back (engine/core/reference_cache.py)
            # Primary-key order puts a grid's parent before it (parents are seeded first).
            found = [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
            if found:
                rows[table] = found
            serial = table.autoincrement_column
            if db.is_postgres and serial is not None:
                name = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                   {"t": f'"{table.name}"', "c": serial.name})
                last, called = conn.execute(text(f"SELECT last_value, is_called FROM {name}")).one()
                if called:
                    sequences.append((name, last))
    return Baseline(rows, sequences)


@pytest.fixture(scope="session")
def baseline(database) -> Baseline:
    truncate_all(database)
    seed_baseline(build_runtime(database, ManualClock(START), "Asia/Shanghai"))
    return take_baseline(database)


@pytest.fixture
def env(database, baseline) -> Env:
    baseline.restore(database)
    clock = ManualClock(START)
    return Env(build_runtime(database, clock, "Asia/Shanghai"), clock)
