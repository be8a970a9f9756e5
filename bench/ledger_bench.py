"""Four-colour ledger (四色台账) at bureau scale: the ledger's first page and a 100,000-row Excel
export, on 1,000,000 cases.

    greenloop bench ledger --database-url postgresql+psycopg://postgres@127.0.0.1:5432/greenloop_bench
    greenloop bench ledger --quick            # 20,000 cases on a temporary SQLite file

THE DATABASE IS WIPED: every table is dropped first. The cases are bulk-loaded (COPY on
PostgreSQL), spread over three years, every colour, tier, department and village of a county of
14 towns; the ledger only reads them.

- ``ledger_first_page_ms``, ``ledger_first_page_p95_ms``: the median and 95th percentile server
  time of ``GET /ledger`` (this month, 25 rows and the count, the template included) through the
  real Flask view, for a county supervisor and a department lead; of which
  ``ledger_first_page_sql_p95_ms`` in the database (every statement of the request, sign-in
  included, from execute to its rows fetched) and ``ledger_first_page_render_p95_ms`` rendering
  the template; ``ledger_first_page_cpu_ms``: the median CPU time this process spent on a request
  (on a shared machine the wall times also count the time other processes held the CPUs);
- ``ledger_xlsx_100k_s``: an export job of the most recent ``--export-rows`` cases (a period of
  whole days holding at least that many) run end to end as the web app runs it
  (engine/ledger/exports.run_export: progress transactions, the file moved into place) —
  every row on the ledger sheet and on its town's sheet, the summary from engine/measures;
- ``ledger_xlsx_cpu_s``: the CPU time this process spent on it (on a shared machine the wall time
  above also counts the time other processes held the CPUs);
- ``ledger_xlsx_rows``, ``ledger_xlsx_mb``: what that export wrote;
- ``ledger_pdf_s``: the PDF of the same period (its newest engine/ledger/pdf.PDF_ROW_CAP rows, or
  ``--pdf-cap``).

The last line is ``key=value …``.
"""
from __future__ import annotations

import os
import random
import statistics
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, inspect, select, text

from bench.harness import RequestSplit, bench_database, bulk_insert_cases, log, print_figures, signed_in
from bench.options import bench_parser
from engine.bootstrap import build_runtime
from engine.core.clock import ManualClock
from engine.core.db import Database
from engine.ledger.exports import request_export, run_export
from engine.ledger.filters import LedgerFilters
from engine.ledger.pdf import PDF_ROW_CAP, write_ledger_pdf
from engine.ledger.rows import LedgerScope
from engine.measures import Period
from engine.models import CATEGORIES, CHANNELS, Case, Department, Grid, User
from engine.models.ledger import LedgerExport
from engine.org.scopes import member_of
from engine.org.seed import seed_departments, seed_grid, seed_staff
from webapp import create_app

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
TZ = "Asia/Shanghai"
PASSWORD = "bench-password"
KEYS = ("ledger_first_page_ms", "ledger_first_page_p95_ms", "ledger_first_page_sql_p95_ms",
        "ledger_first_page_render_p95_ms", "ledger_first_page_cpu_ms", "ledger_xlsx_100k_s", "ledger_xlsx_cpu_s", "ledger_xlsx_rows",
        "ledger_xlsx_mb", "ledger_pdf_s")
COLS = ["id", "number", "tracking_code", "channel", "category", "title", "description", "grid_id", "grid_path",
        "complainant_anonymous", "urgent", "status", "stage", "colour", "stage_due", "tier", "department_id",
        "leader_owner_id", "reopened", "extension_days", "received_at", "accepted_at", "closed_at", "closed_on_time",
        "satisfaction", "return_count", "escalation_count"]
WORDS = ["异味", "噪声", "扬尘", "污水", "黑臭水体", "焚烧", "油烟", "固废", "养殖废水", "施工噪声", "废气", "排污口"]
STAGES = ["receive", "assign", "handle", "feedback", "review", "follow_up", "supervise"]


def parse_args(argv):
    parser = bench_parser("ledger", __doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pdf-cap", type=int, default=None, help="rows in the PDF (default: the app's cap)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the cases an earlier run loaded into --database-url if it holds exactly --cases "
                             "of them (loading 1,000,000 takes minutes); otherwise wipe and load as usual")
    args = parser.parse_args(argv)
    if args.quick:
        # Smaller unless given: 20,000 cases, a 5,000-row export, a 100-row PDF, 5 repeats.
        for name, small in (("cases", 20_000), ("export_rows", 5_000), ("repeat", 5), ("pdf_cap", 100)):
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, small)
    return args


def _rows(n: int, villages, departments, leaders, rng):
    for i in range(1, n + 1):
        grid_id, grid_path = villages[rng.randrange(len(villages))]
        # Newest first in id order is not assumed anywhere; spread over three years.
        received = NOW - timedelta(days=rng.uniform(0, 3 * 365))
        is_open = rng.random() < 0.2
        colour = rng.choices(["blue", "yellow", "red"], [70, 15, 15])[0] if is_open else "green"
        tier = rng.randint(1, 4) if colour == "red" else 1
        accepted = received + timedelta(hours=rng.uniform(1, 48))
        closed = None if is_open else accepted + timedelta(days=rng.uniform(2, 50))
        words = rng.sample(WORDS, 2)
        yield (i, f"环字〔{received.year}〕第{i:07d}号", f"L{i:09d}", rng.choice(CHANNELS), rng.choice(CATEGORIES),
               f"{words[0]}{words[1]}问题 {i}", f"群众反映{words[0]}，地址编号 {i}。", grid_id, grid_path,
               False, rng.random() < 0.03, "handling" if is_open else "closed",
               rng.choice(STAGES) if is_open else None, colour,
               NOW + timedelta(hours=rng.uniform(-400, 1400)) if is_open else None, tier, rng.choice(departments),
               rng.choice(leaders) if tier == 4 else None, False, 0, received, accepted, closed,
               None if is_open else rng.random() < 0.9,
               None if is_open else rng.choice(["satisfied", "basically_satisfied", "unsatisfied", None]), 0,
               1 if tier > 1 else 0)


def _load(db, n: int) -> None:
    with db.read() as s:
        villages = [(g.id, g.path) for g in s.scalars(select(Grid).where(Grid.level == "village"))]
        departments = [d.id for d in s.scalars(select(Department).where(Department.kind == "bureau"))]
        leaders = list(s.scalars(select(User.id).where(User.tier == 4)))
    bulk_insert_cases(db, COLS, _rows(n, villages, departments, leaders, random.Random(7)), n)


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def _loaded(url: str) -> int | None:
    """The cases a database holds (None if it has no case table): what ``--reuse`` checks."""
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            if not inspect(conn).has_table("case"):
                return None
            return conn.execute(text('SELECT count(*) FROM "case"')).scalar()
    finally:
        db.dispose()


def _export_period(db, rows: int) -> Period:
    """The most recent whole local days holding at least ``rows`` cases."""
    with db.read() as s:
        newest = s.scalar(select(func.max(Case.received_at)))
        nth = s.scalar(select(Case.received_at).order_by(Case.received_at.desc()).offset(rows - 1).limit(1))
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(TZ)
    return Period.custom(nth.astimezone(zone).date(), newest.astimezone(zone).date())


def main(argv=None) -> int:
    args = parse_args(argv)
    figures: dict[str, float] = {}
    reuse = args.reuse and args.database_url and _loaded(args.database_url) == args.cases
    with bench_database("ledger", args, keep=bool(reuse)) as (_url, db, work_dir):
        clock = ManualClock(NOW)
        runtime = build_runtime(db, clock, TZ)
        if reuse:
            log(f"reusing the {args.cases:,} cases already in the database")
        else:
            with db.write() as s:
                seed_departments(s)
                seed_grid(s)
                seed_staff(s, PASSWORD, whole_county=True)
            started = time.perf_counter()
            _load(db, args.cases)
            log(f"seeded {args.cases:,} cases in {time.perf_counter() - started:.1f} s")

        app = create_app(runtime=runtime, LOGIN_RATE_LIMIT="100000 per minute", LEDGER_DIR=str(work_dir / "ledger"))
        split = RequestSplit(app, db.engine)
        times, sql, render, cpu = [], [], [], []
        for who in ("supervisor", "lead"):
            client = signed_in(app, who, PASSWORD)
            assert client.get("/ledger").status_code == 200  # warm caches and the pool
            mine = []
            for _ in range(args.repeat):
                split.reset()
                t0, cpu0 = time.perf_counter(), time.process_time()
                response = client.get("/ledger")
                mine.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - cpu0) * 1000)
                sql.append(split.sql * 1000)
                render.append(split.render * 1000)
                assert response.status_code == 200
            log(f"GET /ledger as {who:10s} p50 {statistics.median(mine):6.1f} ms  max {max(mine):6.1f} ms  "
                f"SQL p50 {statistics.median(sql[-args.repeat:]):5.1f} ms  "
                f"render p50 {statistics.median(render[-args.repeat:]):5.1f} ms  "
                f"CPU p50 {statistics.median(cpu[-args.repeat:]):5.1f} ms  "
                f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
            times += mine
        figures["ledger_first_page_ms"] = statistics.median(times)
        figures["ledger_first_page_p95_ms"] = _p95(times)
        figures["ledger_first_page_sql_p95_ms"] = _p95(sql)
        figures["ledger_first_page_render_p95_ms"] = _p95(render)
        figures["ledger_first_page_cpu_ms"] = statistics.median(cpu)

        period = _export_period(db, args.export_rows)
        folder = work_dir / "ledger"
        with db.write() as s:
            staff = member_of(s, s.scalar(select(User.id).where(User.username == "supervisor")))
            export_id = request_export(s, staff=staff, fmt="xlsx", period=period, filters=LedgerFilters(),
                                       now=clock.now()).id
        t0, cpu0 = time.perf_counter(), time.process_time()
        run_export(db, export_id, folder=folder, tz=TZ, clock=clock)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        with db.read() as s:
            job = s.get(LedgerExport, export_id)
        assert job.state == "done", job.error
        log(f"xlsx export of {period}: {job.written:,} rows, {job.size / 1e6:.1f} MB in {elapsed:.1f} s "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        figures["ledger_xlsx_100k_s"] = elapsed
        figures["ledger_xlsx_cpu_s"] = cpu
        figures["ledger_xlsx_rows"] = job.written
        figures["ledger_xlsx_mb"] = job.size / 1e6

        cap = args.pdf_cap or PDF_ROW_CAP
        t0 = time.perf_counter()
        with db.read() as s, open(work_dir / "ledger.pdf", "wb") as out:
            listed = write_ledger_pdf(s, period, LedgerFilters(), LedgerScope.of(staff), out, tz=TZ,
                                      generated_at=clock.now(), cap=cap)
        figures["ledger_pdf_s"] = time.perf_counter() - t0
        log(f"pdf of the same period: {listed} rows in {figures['ledger_pdf_s']:.1f} s "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print_figures(figures, KEYS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


