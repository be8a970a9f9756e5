"""Calendar benchmark: a working-calendar change that moves the deadlines of many open cases.

    greenloop bench calendar [--quick] [--compare] [--cases N] [--database-url URL]

Runs on a fresh SQLite file by default, or on the database given by --database-url or
GREENLOOP_BENCH_DATABASE_URL. THAT DATABASE IS WIPED: every table is dropped first.

Registers 10,000 cases through the engine (Monday 2 March 2026; each waits in the receive stage,
whose 15-working-day limit runs across Tuesday 10 March), then makes 10 March a holiday as the
administrator's page does (engine/calendar/admin.set_day) and runs the job that moves the
deadlines (engine/calendar/jobs.run_job: batches of 500, one transaction each). Checks that every
case moved, once. With ``--compare``, then makes 11 March a holiday too with every deadline moved
in the change's own transaction (``at_once``, the way changes ran before batches) and logs its time.

The last line printed is machine-readable:
calendar_cases=… calendar_s=… calendar_batches=…
(calendar_s: the change's transaction plus every batch, wall time.)
"""
from __future__ import annotations

import argparse
import time
from datetime import date

from sqlalchemy import func, select

from bench.engine_bench import CASE_DATA, START, seed
from bench.harness import bench_database, log, print_figures
from bench.options import bench_parser
from engine.bootstrap import build_runtime
from engine.calendar.admin import set_day
from engine.calendar.jobs import run_batch
from engine.cases.intake import register_case
from engine.core.clock import ManualClock
from engine.core.db import Database
from engine.models import AuditEvent, Case
from engine.models.calendar_jobs import CalendarJob

KEYS = ("calendar_cases", "calendar_s", "calendar_batches")
FULL, QUICK = 10_000, 60
PER_TRANSACTION = 50  # registering is not what is measured: fewer commits load faster
HOLIDAY = date(2026, 3, 10)
SECOND_HOLIDAY = date(2026, 3, 11)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = bench_parser("calendar", __doc__)
    parser.add_argument("--compare", action="store_true", help="also time the one-transaction version")
    parser.add_argument("--cases", type=int, default=FULL, help=f"open cases to register (default {FULL:,})")
    return parser.parse_args(argv)


def load_cases(runtime, count: int) -> None:
    began = time.perf_counter()
    done = 0
    while done < count:
        with runtime.db.write() as session:
            for _ in range(min(PER_TRANSACTION, count - done)):
                register_case(session, runtime, CASE_DATA, "intake")
                done += 1
        if done % 1000 == 0 or done == count:
            log(f"registered {done}/{count} cases ({done / (time.perf_counter() - began):.0f}/s)")


def run(db: Database, count: int, compare: bool = False) -> dict[str, float]:
    runtime = build_runtime(db, ManualClock(START), "Asia/Shanghai")
    seed(runtime)
    load_cases(runtime, count)
    began = time.perf_counter()
    with runtime.db.write() as session:
        job_id = set_day(session, runtime, HOLIDAY, False, "admin", note="bench").job_id
    batches = 0
    while run_batch(runtime, job_id):  # as engine/calendar/jobs.run_job does, with progress
        batches += 1
        if batches % 4 == 0:
            log(f"{batches} batches in {time.perf_counter() - began:.1f} s")
    elapsed = time.perf_counter() - began
    with db.read() as session:
        job = session.get(CalendarJob, job_id)
        moved = session.scalar(select(func.count(func.distinct(AuditEvent.case_id)))
                               .where(AuditEvent.kind == "deadline_recomputed")) or 0
        cases = session.scalar(select(func.count()).select_from(Case)) or 0
    if not (job.state == "done" and job.moved == moved == cases == count):
        raise RuntimeError(f"expected {count} cases moved once, got job {job.state} moved={job.moved}, "
                           f"audited={moved}, cases={cases}")
    log(f"calendar change: {count} cases recomputed in {job.batches} batches, {elapsed:.1f} s "
        f"({count / elapsed:.0f} cases/s)")
    if not compare:
        return {"calendar_cases": count, "calendar_s": elapsed, "calendar_batches": job.batches}
    began = time.perf_counter()
    with runtime.db.write() as session:
        at_once = len(set_day(session, runtime, SECOND_HOLIDAY, False, "admin", at_once=True).recomputed)
    log(f"for comparison, one transaction (at_once): {at_once} cases recomputed in "
        f"{time.perf_counter() - began:.1f} s")
    return {"calendar_cases": count, "calendar_s": elapsed, "calendar_batches": job.batches}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with bench_database("calendar", args) as (_url, db, _work_dir):
        figures = run(db, QUICK if args.quick else args.cases, compare=args.compare or args.quick)
    print_figures(figures, KEYS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
