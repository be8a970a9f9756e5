"""Statistics speed at bureau scale: 1,000,000 cases over three years in PostgreSQL, the measures of
a year by town through the engine (engine/measures) and through the real ``GET /api/v1/stats``
(Flask test client, token auth and JSON included), the monthly trend and the ranking.

    greenloop bench stats --database-url postgresql+psycopg://postgres@127.0.0.1:5432/greenloop_bench
    greenloop bench stats --quick             # 20,000 cases on a temporary SQLite file
    greenloop bench stats --reuse --database-url …   # time the cases a previous run left

The cases are bulk-loaded with every fact the measures read (accepted, closed on time or late,
followed up with every answer, merged, rejected, transferred, returned, escalated, red and
yellow now, working days to closure), not driven through the engine: this measures the read side.
Each probe is a function of ``Bench`` returning its timings; ``PROBES`` lists them in order.
The last line is ``key=value …``.
"""
from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import func, select, true

from bench.harness import bulk_insert_cases, fresh_database, log, signed_in
from bench.options import bench_parser
from engine.bootstrap import build_runtime
from engine.core.clock import ManualClock
from engine.core.db import Database
from engine.core.runtime import Runtime, in_transaction
from engine.measures import Period, measure, ranking, trend
from engine.measures.summary import rebuild
from engine.models import CATEGORIES, CHANNELS, Case, Department, Grid, User
from engine.org.api_tokens import create_token
from engine.org.scopes import statistics_scope
from engine.org.seed import seed_departments, seed_grid, seed_staff
from webapp import create_app
from webapp.access import load_staff

# Monday 23 November 2026, 10:00 Shanghai: most of a year's cases are in.
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
TZ = "Asia/Shanghai"
PASSWORD = "bench-password"
YEAR = Period.preset("year", NOW.date())
CASE_COLS = ["id", "number", "tracking_code", "channel", "category", "title", "description", "grid_id", "grid_path",
             "complainant_anonymous", "urgent", "status", "stage", "colour", "tier", "department_id", "reopened",
             "extension_days", "received_at", "accepted_at", "closed_at", "closed_on_time", "satisfaction",
             "assigned_at", "return_count", "escalation_count", "followed_up_at", "handling_workdays"]
# The figures every run prints (the probes added below print theirs after them).
KEYS = ["cases", "year_cases", "stats_year_by_town_p50_ms", "stats_year_by_town_p95_ms", "api_stats_p50_ms",
        "api_stats_p95_ms", "stats_page_p50_ms", "stats_page_p95_ms", "trend_p50_ms", "trend_p95_ms",
        "ranking_p50_ms", "ranking_p95_ms"]


# ---------------------------------------------------------------------------- data


def _case_rows(n_cases: int, villages: list[tuple[int, str]], departments: list[int], rng: random.Random):
    """Cases with the proportions of a county bureau's year: most closed, a fifth open, a few
    rejected, transferred or merged, the latest still awaiting acceptance."""
    for i in range(1, n_cases + 1):
        grid_id, grid_path = villages[rng.randrange(len(villages))]
        received = NOW - timedelta(days=rng.uniform(0, 3 * 365))
        fate = rng.random()
        accepted = assigned = closed = satisfaction = followed = None
        on_time = days = None
        department = None
        stage, colour, escalations, returns = None, "green", 0, 0
        if received > NOW - timedelta(days=2) and fate < 0.5:
            status, stage, colour = "received", "receive", "blue"
        elif fate < 0.05:
            status, closed = "rejected", received + timedelta(hours=rng.uniform(1, 72))
        elif fate < 0.09:
            status, closed = "merged", received + timedelta(hours=rng.uniform(1, 72))
        else:
            accepted = received + timedelta(hours=rng.uniform(1, 48))
            if fate < 0.12:
                status, closed = "transferred", accepted + timedelta(hours=rng.uniform(1, 24))
            else:
                assigned = accepted + timedelta(hours=rng.uniform(1, 24))
                department = rng.choice(departments)
                returns = 1 if rng.random() < 0.04 else 0
                escalations = 1 if rng.random() < 0.06 else 0
                age = (NOW - received).days
                if rng.random() < (0.9 if age > 60 else 0.5):
                    status = "closed"
                    handling = rng.uniform(1, min(80, max(age, 1)))
                    closed = accepted + timedelta(days=handling)
                    days = int(handling * 5 / 7)
                    on_time = escalations == 0
                    if rng.random() < 0.85:
                        followed = closed + timedelta(days=rng.uniform(0.5, 3))
                        satisfaction = rng.choices(("satisfied", "basically_satisfied", "unsatisfied", "unreachable"),
                                                   (70, 15, 5, 10))[0]
                else:
                    status, stage = "handling", "handle"
                    colour = rng.choices(("blue", "yellow", "red"), (70, 15, 15))[0]
                    escalations = max(escalations, 1 if colour == "red" else 0)
        yield (i, f"环字〔{received.year}〕第{i:07d}号", f"S{i:09d}", rng.choice(CHANNELS), rng.choice(CATEGORIES),
               f"问题 {i}", f"群众反映的问题，编号 {i}。", grid_id, grid_path, False, False, status, stage, colour,
               rng.randint(1, 4), department, False, 0, received, accepted, closed, on_time, satisfaction, assigned,
               returns, escalations, followed, days)


def seed(db: Database, runtime: Runtime, n_cases: int) -> None:
    with db.write() as s:
        seed_departments(s)
        seed_grid(s)
        seed_staff(s, PASSWORD, whole_county=True)
        villages = [(g.id, g.path) for g in s.scalars(select(Grid).where(Grid.level == "village"))]
        departments = [d.id for d in s.scalars(select(Department).where(Department.kind == "bureau"))]
    rows = _case_rows(n_cases, villages, departments, random.Random(42))
    started = time.perf_counter()
    bulk_insert_cases(db, CASE_COLS, rows, n_cases)
    log(f"seeded {n_cases:,} cases in {time.perf_counter() - started:.1f} s")
    # COPY goes around the ORM, so the monthly summary is counted once, as migration 0013 does.
    started = time.perf_counter()
    with db.write() as s:
        rows = rebuild(s, TZ)
    log(f"statistics summary: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    if db.is_postgres:  # autovacuum's ANALYZE after a bulk load: without it the planner guesses 22 rows
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) case_stat")


# ---------------------------------------------------------------------------- probes


@dataclass
class Bench:
    db: Database
    runtime: Runtime
    app: Flask
    repeat: int

    def timed(self, name: str, call: Callable[[], object]) -> list[float]:
        call()  # warm: caches, the connection pool, the planner
        times = []
        for _ in range(self.repeat):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        log(f"{name:28s} p50 {statistics.median(times):7.1f} ms  p95 {percentile(times, .95):7.1f} ms")
        return times

    def engine(self, call: Callable) -> Callable[[], object]:
        def run():
            with self.db.read() as session:
                return call(session)
        return run


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def stats_year_by_town(bench: Bench) -> dict[str, list[float]]:
    """engine/measures: every measure of this year, one row per town, the whole county's scope."""
    return {"stats_year_by_town": bench.timed("engine: year by town", bench.engine(
        lambda s: measure(s, YEAR, scope=true(), tz=TZ, by="town")))}


def api_stats(bench: Bench) -> dict[str, list[float]]:
    """GET /api/v1/stats?period=year&by=town with the county supervisor's token."""
    token = in_transaction(bench.runtime, create_token, "bench", ["stats:read"], created_by="bench",
                           username="supervisor")[1]
    client = bench.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def call():
        response = client.get("/api/v1/stats?period=year&by=town", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response

    body = call().get_json()
    log(f"api: {len(body['slices'])} towns, {body['total']['facts']['received']:,} cases this year, "
        f"办结率 {body['total']['measures']['closure_rate']['value']:.3f}")
    return {"api_stats": bench.timed("api: year by town", call)}


def stats_page(bench: Bench) -> dict[str, list[float]]:
    """GET /stats for this year by town, signed in as the county supervisor: the whole page (its
    measures, trend and ranking, the template and the session) through the real Flask view."""
    client = signed_in(bench.app, "supervisor", PASSWORD)

    def call():
        response = client.get("/stats?period=year&by=town")
        assert response.status_code == 200, response.status_code
        return response

    return {"stats_page": bench.timed("page: /stats year by town", call)}


def lead_year_by_category(bench: Bench) -> dict[str, list[float]]:
    """A department lead's year by category: their scope is counted from the cases (the covering
    index ix_case_stats_department), not the county-wide summary."""
    with bench.db.read() as s:
        lead = load_staff(s, s.scalar(select(User.id).where(User.username == "lead")))
    return {"lead_year_by_category": bench.timed("engine: lead's year", bench.engine(
        lambda s: measure(s, YEAR, scope=statistics_scope(lead), tz=TZ, by="category")))}


def trend_by_month(bench: Bench) -> dict[str, list[float]]:
    return {"trend": bench.timed("engine: trend by month", bench.engine(
        lambda s: trend(s, YEAR, scope=true(), tz=TZ, bucket="month")))}


def ranking_by_department(bench: Bench) -> dict[str, list[float]]:
    return {"ranking": bench.timed("engine: department ranking", bench.engine(
        lambda s: ranking(s, YEAR, scope=true(), tz=TZ, by="department")))}


# The probes in order (the ledger's first page has a bench of its own, bench/ledger_bench.py):
# a function of Bench returning {figure name: timings in ms}; each name gets _p50_ms and _p95_ms
# figures, printed after KEYS.
PROBES: list[Callable[[Bench], dict[str, list[float]]]] = [
    stats_year_by_town, api_stats, stats_page, trend_by_month, ranking_by_department, lead_year_by_category,
]


def main(argv=None) -> int:
    parser = bench_parser("stats", __doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="time the cases a previous run left (no seeding)")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.repeat = 20_000, 5
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='greenloop-stats-')}/bench.db"
    log(f"stats bench on {url.split('@')[-1]}: {args.cases:,} cases over three years"
        f"{' (reusing the loaded cases)' if args.reuse else ''}")
    if not args.reuse:
        fresh_database(url)
    db = Database(url)
    try:
        runtime = build_runtime(db, ManualClock(NOW), TZ)
        if not args.reuse:
            seed(db, runtime, args.cases)
        app = create_app(runtime=runtime, API_RATE_LIMIT="1000000 per minute")
        bench = Bench(db, runtime, app, args.repeat)
        timings: dict[str, list[float]] = {}
        for probe in PROBES:
            timings.update(probe(bench))
        start, end = YEAR.utc_bounds(TZ)
        with db.read() as s:
            cases = s.scalar(select(func.count()).select_from(Case))
            year_cases = s.scalar(select(func.count()).select_from(Case)
                                  .where(Case.received_at >= start, Case.received_at < end))
        figures = {"cases": cases, "year_cases": year_cases}
        for name, times in timings.items():
            figures[f"{name}_p50_ms"] = round(statistics.median(times), 1)
            figures[f"{name}_p95_ms"] = round(percentile(times, .95), 1)
        log(" ".join(f"{key}={value}" for key, value in figures.items()))
    finally:
        db.dispose()
    return 0

