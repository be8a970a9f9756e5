"""Reference data kept per process (engine/core/reference_cache.py) is read again as soon as it
changes — by the ORM, by plain SQL, from another connection — and a rolled-back change leaves no
stale value behind; engine steps send a bounded number of statements, whatever the case's history."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from engine.calendar.deadlines import deadline_functions
from engine.core import reference_cache
from engine.core.db import Database
from engine.models import Department, Grid, User, UserRole
from engine.notify.delivery import Audience, Directory
from engine.org.places import grid_ref, villages_by_area


def _handlers(db, department_id: int) -> set[int]:
    with db.read() as s:
        return set(Directory(s).recipients(Audience(group="handler", department_id=department_id)))


def _air(db) -> int:
    with db.read() as s:
        return s.scalar(select(Department.id).where(Department.code == "air"))


def test_a_deactivated_handler_is_no_longer_told(env):
    air = _air(env.db)
    before = _handlers(env.db, air)
    assert before
    gone = min(before)
    with env.db.write() as s:
        s.get(User, gone).active = False
    assert _handlers(env.db, air) == before - {gone}


def test_a_change_in_plain_sql_from_another_connection_is_seen(env, database_url):
    air = _air(env.db)
    before = _handlers(env.db, air)
    other = Database(database_url)  # another engine: as another web process or worker would be
    try:
        with other.engine.begin() as conn:
            conn.execute(text('UPDATE "user" SET active = false WHERE id = :id'), {"id": min(before)})
    finally:
        other.dispose()
    assert _handlers(env.db, air) == before - {min(before)}


def test_a_rolled_back_change_leaves_the_cached_value_right(env):
    air = _air(env.db)
    before = _handlers(env.db, air)
    with pytest.raises(RuntimeError):
        with env.db.write() as s:
            s.get(User, min(before)).active = False
            # Read inside the changing transaction: the change is seen there ...
            assert min(before) not in Directory(s).recipients(Audience(group="handler", department_id=air))
            raise RuntimeError("roll back")
    # ... and not after it rolled back.
    assert _handlers(env.db, air) == before


def test_a_new_role_and_a_renamed_grid_are_seen(env):
    with env.db.read() as s:
        code = s.scalar(select(Grid.code).where(Grid.level == "village").limit(1))
        assert grid_ref(s, code=code).code == code
        nobody = s.scalar(select(User.id).where(User.id.not_in(
            select(UserRole.user_id).where(UserRole.role == "handler"))).order_by(User.id).limit(1))
    with env.db.write() as s:
        s.execute(text("UPDATE grid SET code = :new WHERE code = :old"), {"new": code + "X", "old": code})
    with env.db.read() as s:
        assert grid_ref(s, code=code) is None
        assert grid_ref(s, code=code + "X").path
    air = _air(env.db)
    with env.db.write() as s:
        user = s.get(User, nobody)
        user.department_id, user.active = air, True
        s.query(UserRole).filter(UserRole.user_id == nobody).delete()
        s.add(UserRole(user_id=nobody, role="handler"))
    assert nobody in _handlers(env.db, air)


def _village_names(db) -> dict[str, str]:
    with db.read() as s:
        return {v.code: v.name for _town, _area, villages in villages_by_area(s) for v in villages}


def test_the_village_picker_follows_a_renamed_village(env):
    before = _village_names(env.db)
    code = min(before)
    with env.db.write() as s:
        s.execute(text("UPDATE grid SET name = :name WHERE code = :code"), {"name": "新村（改名）", "code": code})
    assert _village_names(env.db) == {**before, code: "新村（改名）"}


def test_a_calendar_change_reaches_the_next_step(env):
    from datetime import date

    from engine.models import CalendarDay

    def deadline():
        with env.db.read() as s:
            ctx = env.runtime.context(s, None, None, "tester")
            return deadline_functions(ctx)["deadline"]("2026-03-02T10:00:00+08:00", 1, 4)

    before = deadline()
    with env.db.write() as s:
        s.add(CalendarDay(day=date(2026, 3, 3), is_workday=False, note="test", updated_by="tester"))
    assert deadline() != before


def test_within_a_step_the_generation_is_read_once(env):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(env.db.engine, "before_cursor_execute", seen)
    try:
        env.register()
    finally:
        event.remove(env.db.engine, "before_cursor_execute", seen)
    assert sum("reference_generation" in s for s in statements) == 1
    with env.db.read() as s:
        assert reference_cache._TOKEN not in s.info  # the scope ended with the step


def _step_statements(env, case, spec, data) -> int:
    count = [0]

    def seen(*_args):
        count[0] += 1

    event.listen(env.db.engine, "before_cursor_execute", seen)
    try:
        env.complete(case, spec, data)
    finally:
        event.remove(env.db.engine, "before_cursor_execute", seen)
    return count[0]


def test_a_step_costs_the_same_statements_after_a_long_history(env):
    case = env.register()
    env.accept_and_assign(case)
    loop = [("handle", {"outcome": "done", "findings": "已整改"}), ("feedback", {"reply": "已处理", "contact_method": "phone"}),
            ("review", {"approved": False, "comment": "请重新办理"})]
    for _ in range(2):  # past the first pass's one-off rows (a document series, a notification thread)
        for spec, data in loop:
            env.complete(case, spec, data)
    early = [_step_statements(env, case, spec, data) for spec, data in loop]
    for _ in range(20):
        for spec, data in loop:
            env.complete(case, spec, data)
    late = [_step_statements(env, case, spec, data) for spec, data in loop]
    assert late == early
    # A review (no document issued): 12 statements on PostgreSQL in the engine bench (sql_per_step,
    # bench/engine_bench.py), here with this harness's read of the ready task, the two BEGINs of
    # SQLite, a notification row per person told, and the case read after the instance's lock
    # (engine/core/runtime.py lock_instance_and_case); 28 before the reference data was cached.
    assert late[2] <= 19, late
