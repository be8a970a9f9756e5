"""Inbox speed at bureau scale: seed 1,000,000 cases (200,000 open tasks) in PostgreSQL and time
the inbox pages through the real Flask view (server time, template included).

    greenloop bench inbox --database-url postgresql+psycopg://postgres@127.0.0.1:5432/greenloop_bench
    greenloop bench inbox --quick            # 20,000 cases on a temporary SQLite file

The rows are bulk-loaded (COPY on PostgreSQL), not driven through the engine: the engine's own
speed is bench/engine_bench.py; this measures the read side, which never touches a workflow.

Where a page's time goes: for the first and the filtered page, the time in SQL statements
(execute to rows fetched, SQLAlchemy's cursor events) and in rendering templates (Flask's template
signals) are printed beside the total; the rest is Python in the view (scopes, paging, forms).
The last line adds ``first_sql_p95_ms``, ``first_render_p95_ms``, ``filtered_sql_p95_ms``,
``filtered_render_p95_ms``, the statements per page (``first_statements``, ``filtered_statements``)
and ``load1``, the machine's load average when the timing ended (other work inflates every figure).
``--reuse`` times the cases an earlier run loaded, after migrating them to the current schema
(a new index is then timed without seeding again).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from sqlalchemy import func, select, text

from bench.harness import RequestSplit, fresh_database, signed_in
from engine.bootstrap import build_runtime
from engine.core.clock import ManualClock
from engine.core.db import Database
from engine.core.migrate import upgrade
from engine.definitions.deploy import deploy_shipped
from engine.models import CATEGORIES, CHANNELS, Case, Department, Grid, Task
from engine.org.seed import seed_departments, seed_grid, seed_staff
from webapp import create_app

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
PASSWORD = "bench-password"
STAGE_GROUP = {"receive": "intake", "assign": "intake", "handle": "handler", "feedback": "handler",
               "review": "lead", "follow_up": "intake", "supervise": "supervisor"}
CASE_COLS = ["id", "number", "tracking_code", "channel", "category", "title", "description", "grid_id", "grid_path",
             "complainant_anonymous", "urgent", "status", "stage", "colour", "stage_due", "tier", "department_id",
             "reopened", "extension_days", "received_at"]
INSTANCE_COLS = ["id", "definition_id", "case_id", "state", "status", "row_version", "created_at", "updated_at"]
TASK_COLS = ["id", "instance_id", "case_id", "spec", "name", "form", "stage", "candidate_group", "department_id",
             "grid_path", "category", "channel", "tier", "state", "due_at", "colour", "created_at"]
WORDS = ["异味", "噪声", "扬尘", "污水", "黑臭水体", "焚烧", "油烟", "固废", "养殖废水", "施工噪声", "废气", "排污口"]


def _rows(n_cases: int, open_share: float, definition_id: int, villages, departments, rng):
    bureau = [d.id for d in departments if d.kind == "bureau"]
    for i in range(1, n_cases + 1):
        grid_id, grid_path = villages[rng.randrange(len(villages))]
        received = NOW - timedelta(days=rng.uniform(0, 3 * 365))
        is_open = rng.random() < open_share
        stage = rng.choice(list(STAGE_GROUP)) if is_open else None
        colour = rng.choices(["blue", "yellow", "red"], [70, 15, 15])[0] if is_open else "green"
        due = NOW + timedelta(hours=rng.uniform(-400, 1400))
        dept = rng.choice(bureau)
        year = received.year
        words = rng.sample(WORDS, 2)
        channel, category = rng.choice(CHANNELS), rng.choice(CATEGORIES)
        case = (i, f"环字〔{year}〕第{i:07d}号", f"B{i:09d}", channel, category,
                f"{words[0]}{words[1]}问题 {i}", f"群众反映{words[0]}，地址编号 {i}。", grid_id, grid_path,
                False, False, "handling" if is_open else "closed", stage, colour, due if is_open else None,
                rng.randint(1, 4) if is_open else 1, dept, False, 0, received)
        instance = (i, definition_id, i, "{}", "running" if is_open else "completed", 1, received, received)
        group = STAGE_GROUP[stage] if is_open else "handler"
        task = (f"00000000-0000-4000-8000-{i:012d}", i, i, stage or "handle", stage or "handle", stage or "handle",
                stage or "handle", group, dept if group in ("handler", "lead") else None, grid_path, category, channel,
                rng.randint(2, 4) if group == "supervisor" else 1, "ready" if is_open else "completed",
                due, colour, received)
        yield case, instance, task


def _load(db: Database, n_cases: int, open_share: float, definition_id: int, villages, departments) -> None:
    rng = random.Random(42)
    rows = _rows(n_cases, open_share, definition_id, villages, departments, rng)
    if db.is_postgres:
        raw = db.engine.raw_connection()
        try:
            cases, instances, tasks = [], [], []
            for c, i, t in rows:
                cases.append(c)
                instances.append(i)
                tasks.append(t)
            with raw.cursor() as cur:
                for table, cols, data in (('"case"', CASE_COLS, cases), ("process_instance", INSTANCE_COLS, instances),
                                          ("task", TASK_COLS, tasks)):
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
                cur.execute("SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), %s)", (n_cases,))
                cur.execute("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), %s)", (n_cases,))
            raw.commit()
        finally:
            raw.close()
        # What autovacuum does to a table after a bulk load; without the visibility map the
        # inbox counts cannot be answered from the index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ('"case"', "task", "process_instance"):
                conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
        return
    with db.engine.begin() as conn:
        batch: list = []
        for triple in rows:
            batch.append(triple)
            if len(batch) == 5000:
                _insert_sqlite(conn, batch)
                batch = []
        if batch:
            _insert_sqlite(conn, batch)
        conn.execute(text("ANALYZE"))


def _insert_sqlite(conn, batch) -> None:
    for table, cols, index in (('"case"', CASE_COLS, 0), ("process_instance", INSTANCE_COLS, 1),
                               ("task", TASK_COLS, 2)):
        marks = ", ".join(f":{c}" for c in cols)
        conn.execute(text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"),
                     [dict(zip(cols, row[index], strict=True)) for row in batch])


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="greenloop bench inbox")
    parser.add_argument("--database-url", default=os.environ.get("GREENLOOP_BENCH_DATABASE_URL"))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open-share", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="20,000 cases, 10 repeats (smoke test)")
    parser.add_argument("--reuse", action="store_true",
                        help="time the data a previous run left, migrated to the current schema (no seeding)")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.repeat = 20_000, 10
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='greenloop-inbox-')}/bench.db"
    print(f"inbox bench on {url.split('@')[-1]}: {args.cases:,} cases, {args.open_share:.0%} open")
    if args.reuse:
        upgrade(url)
        db = Database(url)
        runtime = build_runtime(db, ManualClock(NOW))
    else:
        fresh_database(url)
        db = Database(url)
        runtime = build_runtime(db, ManualClock(NOW))
        with db.write() as s:
            seed_departments(s)
            seed_grid(s)
            seed_staff(s, PASSWORD, whole_county=True)
            definition, _ = deploy_shipped(s, runtime)
            villages = [(g.id, g.path) for g in s.scalars(select(Grid).where(Grid.level == "village"))]
            departments = list(s.scalars(select(Department)))
            definition_id = definition.id
        started = time.perf_counter()
        _load(db, args.cases, args.open_share, definition_id, villages, departments)
        print(f"seeded in {time.perf_counter() - started:.1f} s")
    app = create_app(runtime=runtime, LOGIN_RATE_LIMIT="100000 per minute")
    with db.read() as s:
        sample = s.scalars(select(Task.id).join(Case, Case.id == Task.case_id)
                           .where(Task.state == "ready", Task.candidate_group == "handler",
                                  Task.department_id == select(Department.id).where(Department.code == "air")
                                  .scalar_subquery())
                           .limit(1)).first()
        number = s.scalar(select(Case.number).join(Task, Task.case_id == Case.id).where(Task.id == sample))
    probes = {
        "first": "/inbox?view=group",
        "filtered": "/inbox?view=group&colour=red&category=air&due=overdue",
        "search": "/inbox?view=group&q=" + quote(number or "环字〔2026〕第0000001号"),
    }
    figures: dict[str, list[float]] = {}
    split = RequestSplit(app, db.engine)
    for who in ("handler", "intake", "lead", "supervisor"):
        client = signed_in(app, who, PASSWORD)
        for name, url in probes.items():
            client.get(url)  # warm caches and the connection pool
            times, sql, render = [], [], []
            for _ in range(args.repeat):
                split.reset()
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                sql.append(split.sql * 1000)
                render.append(split.render * 1000)
                assert response.status_code == 200, (who, url, response.status_code)
            figures.setdefault(name, []).extend(times)
            figures.setdefault(f"{name}_sql", []).extend(sql)
            figures.setdefault(f"{name}_render", []).extend(render)
            figures.setdefault(f"{name}_statements", []).append(split.statements)
            print(f"{who:10s} {name:8s} p50 {statistics.median(times):6.1f} ms  p95 {_percentile(times, .95):6.1f} ms"
                  f"  (SQL p50 {statistics.median(sql):5.1f} ms in {split.statements} statements, "
                  f"render p50 {statistics.median(render):5.1f} ms)")
    if number:
        body = signed_in(app, "handler", PASSWORD).get(probes["search"]).get_data(as_text=True)
        assert number in body, "case-number search did not find the case"
    parts = []
    for name in probes:
        parts.append(f"{name}_p50_ms={statistics.median(figures[name]):.1f}")
        parts.append(f"{name}_p95_ms={_percentile(figures[name], .95):.1f}")
    for name in ("first", "filtered"):
        parts.append(f"{name}_sql_p95_ms={_percentile(figures[f'{name}_sql'], .95):.1f}")
        parts.append(f"{name}_render_p95_ms={_percentile(figures[f'{name}_render'], .95):.1f}")
        parts.append(f"{name}_statements={max(figures[f'{name}_statements'])}")
    with db.read() as s:
        open_tasks = s.scalar(select(func.count()).select_from(Task).where(Task.state == "ready"))
    parts.append(f"load1={os.getloadavg()[0]:.2f}")
    print(f"cases={args.cases} open_tasks={open_tasks} " + " ".join(parts))
    return 0

