"""Demo benchmark: how long `greenloop demo` takes to seed its county and work its cases
through the engine on the simulated clock (engine/demo.py).

    greenloop bench demo [--quick] [--cases N] [--database-url URL]

Runs on a fresh SQLite file by default (what ./scripts/run.sh uses), or on the database given by
--database-url or GREENLOOP_BENCH_DATABASE_URL. THAT DATABASE IS WIPED: every table is dropped
first. The demo's files (self-inspection uploads) go to the bench's temporary folder. The machine
is shared: the figures include the 1-minute load average when the run ended, and the process's
CPU time, which other processes' load changes far less than the wall time.

The last line printed is machine-readable:
cases=… seconds=… cpu_seconds=… setup_seconds=… case_ms=… steps=… step_ms=… load1=…
"""
from __future__ import annotations

import os
import time

from sqlalchemy import func, select

from bench.harness import bench_database, log, print_figures
from bench.options import bench_parser
from engine.bootstrap import build_runtime
from engine.core.config import load_settings
from engine.demo import seed_demo
from engine.models import AuditEvent
from webapp.progress_bar import ProgressBar

KEYS = ("cases", "seconds", "cpu_seconds", "setup_seconds", "case_ms", "steps", "step_ms", "load1")
# Audit kinds that mark an engine step: a process started, a task completed, a timer fired (a step
# firing two timers at once counts twice).
STEP_KINDS = ("process_started", "task_completed", "timer_fired")


def main(argv=None) -> int:
    parser = bench_parser("demo", __doc__)
    parser.add_argument("--cases", type=int, default=2000, help="cases to simulate (default 2000, as `greenloop demo`)")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases = 20
    with bench_database("demo", args) as (_url, db, work_dir):
        before = os.environ.get("GREENLOOP_DATA_DIR")
        os.environ["GREENLOOP_DATA_DIR"] = str(work_dir)
        try:
            runtime = build_runtime(db, None, load_settings().timezone)
            first: list[float] = []
            bar = ProgressBar("demo bench")

            def progress(done: float, total: float, cases: int) -> None:
                if not first:
                    first.append(time.perf_counter())
                bar(done, total, cases)

            started, cpu = time.perf_counter(), time.process_time()
            report = seed_demo(runtime, password="bench-demo-pw", cases=args.cases, progress=progress)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        finally:
            if before is None:
                os.environ.pop("GREENLOOP_DATA_DIR", None)
            else:
                os.environ["GREENLOOP_DATA_DIR"] = before
        for line in report.splitlines():
            if "demo cases" in line or "patrol" in line:
                log(line)
        with db.read() as s:
            steps = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind.in_(STEP_KINDS)))
    setup = (first[0] - started) if first else seconds
    figures = {"cases": args.cases, "seconds": seconds, "cpu_seconds": cpu_seconds, "setup_seconds": setup,
               "case_ms": (seconds - setup) * 1000 / max(args.cases, 1), "steps": steps,
               "step_ms": (seconds - setup) * 1000 / max(steps, 1), "load1": os.getloadavg()[0]}
    log(f"demo of {args.cases} cases: {seconds:.1f} s ({cpu_seconds:.1f} s CPU), load average {figures['load1']:.2f}")
    print_figures(figures, KEYS)
    return 0
