"""Engine benchmark: case starts, task completions on long histories, state size, timer firing.

    greenloop bench engine [--quick] [--database-url URL]

Runs on a fresh SQLite file by default, or on the database given by --database-url or
GREENLOOP_BENCH_DATABASE_URL. THAT DATABASE IS WIPED: every table is dropped first.

Figures:
- cases started per second: engine.intake.register_case, i.e. intake validated, case numbered,
  process started and its first task projected, committed;
- ms per task completion (engine.tasks.complete_task) for a case with about 10 and about 100
  completed tasks; the history is built with the review-reject loop (handle → feedback →
  review rejected → handle …) and ~20 completions around each point are timed;
- the serialized workflow state (process_instance.state) after the 10th and 100th completion;
- due timers fired per second by 1 and by 2 `greenloop worker --timers-only` processes, N
  instances due at the same moment (--timers N; 1,000 by default). On SQLite the two workers queue
  for its single write lock; that is the point of putting the two figures side by side.
- how late timers fire (ms past their due moment, from the ``timer_fired`` audit event), on the
  real clock: a worker process sleeps while another process, standing in for web requests,
  starts instances one after another whose timers fall due a few seconds later. Once with a
  `greenloop worker --timers-only`, once with a plain `greenloop worker` (timer and job loops)
  facing a backlog of pending documents to render (2,000; 200 with --quick). On PostgreSQL each
  such step wakes the worker (LISTEN/NOTIFY, engine/timers/wake.py); SQLite's worker polls (every
  10 s), so its lateness shows the poll.

The last line printed is machine-readable:
start_per_s=… step10_ms=… step100_ms=… size10_kb=… size100_kb=… timers_per_s_1w=… timers_per_s_2w=…
timer_late_p50_ms=… timer_late_p95_ms=… timer_late_max_ms=… timer_late_p50_backlog_ms=…
timer_late_p95_backlog_ms=… timer_late_max_backlog_ms=… (step figures are medians).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select, update

from bench.harness import bench_database, log, print_figures
from bench.options import bench_parser
from engine.bootstrap import build_runtime
from engine.cases.intake import register_case
from engine.core.clock import ManualClock
from engine.core.config import REPO_ROOT
from engine.core.db import Database
from engine.core.runtime import Runtime, in_transaction
from engine.definitions.deploy import deploy, deploy_shipped
from engine.models import AuditEvent, Case, ProcessDefinition, ProcessInstance, Task
from engine.models.documents import Document
from engine.org.seed import seed_departments, seed_grid, seed_staff
from engine.work.tasks import complete_task

# Monday 2 March 2026, 10:00 in Shanghai, as in the tests.
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
TIMER_DIAGRAM = Path(__file__).resolve().parent / "timer_bench.bpmn"
TIMER_PROCESS = "timer_bench"
# Instances are created with status HELD (which no worker claims) and released in one UPDATE,
# so that all N become due in the same instant, like a morning's worth of deadlines.
HELD = "bench_held"

CASE_DATA = {"channel": "hotline", "category": "air", "title": "工厂夜间排放异味",
             "description": "每晚十点后有刺鼻气味", "grid_code": "T01-A01-V01",
             "complainant_name": "张三", "complainant_phone": "13800000000", "subject_type": "enterprise"}
REJECT_LOOP = [
    ("handle", {"outcome": "done", "findings": "现场核查属实，已责令整改"}),
    ("feedback", {"reply": "已处理", "contact_method": "phone"}),
    ("review", {"approved": False, "comment": "整改措施不具体，请重新办理"}),
]
KEYS = ("start_per_s", "step10_ms", "step100_ms", "size10_kb", "size100_kb", "timers_per_s_1w", "timers_per_s_2w",
        "timer_late_p50_ms", "timer_late_p95_ms", "timer_late_max_ms",
        "timer_late_p50_backlog_ms", "timer_late_p95_backlog_ms", "timer_late_max_backlog_ms")
# Parked: instances left from the rounds on the frozen clock (their timers long past on the real one).
PARKED = "bench_parked"


@dataclass(frozen=True)
class Plan:
    cases: int            # cases registered for the start rate
    long_cases: int       # cases driven through 100+ completions
    half_window: int      # completions timed on each side of the 10th / 100th
    timers: int           # instances due at once, per worker round
    late_timers: int      # instances started by the "web" process per lateness round
    backlog: int          # pending documents during the second lateness round


FULL = Plan(cases=200, long_cases=3, half_window=10, timers=1000, late_timers=40, backlog=2000)
QUICK = Plan(cases=20, long_cases=1, half_window=3, timers=60, late_timers=10, backlog=200)
POINTS = (10, 100)


# ---------------------------------------------------------------- database


def seed(runtime: Runtime) -> None:
    with runtime.db.write() as session:
        seed_departments(session)
        seed_grid(session, areas=28, villages=56)
        seed_staff(session, "bench-password-1")
        deploy_shipped(session, runtime)


# ---------------------------------------------------------------- starts


def bench_starts(runtime: Runtime, count: int) -> float:
    in_transaction(runtime, register_case, CASE_DATA, "intake")  # warm-up: parse and cache the specs, fill the pools
    began = time.perf_counter()
    for _ in range(count):
        in_transaction(runtime, register_case, CASE_DATA, "intake")
    return count / (time.perf_counter() - began)


# ---------------------------------------------------------------- long histories


def _ready_task_id(db: Database, case_id: int, spec: str) -> str:
    with db.read() as session:
        task_id = session.scalar(select(Task.id).where(Task.case_id == case_id, Task.state == "ready",
                                                      Task.spec == spec))
    if task_id is None:
        raise RuntimeError(f"case {case_id}: no ready {spec} task")
    return task_id


def _state_kb(db: Database, case_id: int) -> float:
    with db.read() as session:
        size = session.scalar(select(func.length(ProcessInstance.state)).where(ProcessInstance.case_id == case_id))
    return size / 1024


def run_long_case(runtime: Runtime, clock: ManualClock, completions: int) -> tuple[list[float], dict[int, float]]:
    """Drive one case through ``completions`` task completions; returns ms per completion and sizes."""
    case = in_transaction(runtime, register_case, CASE_DATA, "intake")
    steps = [("receive", {"decision": "accept"}), ("assign", {"action": "assign", "department": "air"})]
    timings: list[float] = []
    sizes: dict[int, float] = {}
    while len(timings) < completions:
        spec, data = steps[len(timings)] if len(timings) < len(steps) else \
            REJECT_LOOP[(len(timings) - len(steps)) % len(REJECT_LOOP)]
        task_id = _ready_task_id(runtime.db, case.id, spec)
        clock.advance(minutes=1)
        began = time.perf_counter()
        in_transaction(runtime, complete_task, task_id, data, "bench")
        timings.append((time.perf_counter() - began) * 1000)
        if len(timings) in POINTS:
            sizes[len(timings)] = _state_kb(runtime.db, case.id)
    return timings, sizes


def window(point: int, half: int) -> range:
    """Completion numbers (1-based) timed around ``point``; receive and assign are left out."""
    return range(max(3, point - half + 1), point + half + 1)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# ---------------------------------------------------------------- timers


def _process_env(url: str, data_dir: Path, fake_now: datetime | None) -> dict[str, str]:
    env = dict(os.environ, GREENLOOP_DATABASE_URL=url, GREENLOOP_DATA_DIR=str(data_dir))
    env.pop("GREENLOOP_FAKE_NOW", None)
    if fake_now is not None:
        env["GREENLOOP_FAKE_NOW"] = fake_now.isoformat()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def _start_worker(url: str, fake_now: datetime | None, data_dir: Path, log_path: Path,
                  options: tuple[str, ...] = ("--timers-only", "--poll", "0.2")) -> subprocess.Popen:
    """A `greenloop worker` process; ``fake_now`` None: on the real clock."""
    with log_path.open("ab") as err:
        return subprocess.Popen([sys.executable, "-m", "webapp.cli", "worker", *options], cwd=REPO_ROOT,
                                env=_process_env(url, data_dir, fake_now), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)


def _wait_started(procs: list[subprocess.Popen], logs: list[Path], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for proc, path in zip(procs, logs, strict=True):
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited with {proc.returncode}:\n{_tail(path)}")
        if all("timer worker started" in path.read_text(encoding="utf-8", errors="replace") for path in logs):
            return
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not start in time:\n" + "\n".join(_tail(p) for p in logs))
        time.sleep(0.05)


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bench_timers(url: str, db: Database, definition_id: int, count: int, workers: int, work_dir: Path,
                 round_no: int) -> float:
    """Hold ``count`` due instances, start the workers, release the instances; returns fired per second."""
    clock = ManualClock(START)
    runtime = build_runtime(db, clock, "Asia/Shanghai")
    fire_at = START + timedelta(hours=round_no)
    with db.read() as session:
        definition = session.get(ProcessDefinition, definition_id)
    for offset in range(0, count, 100):
        with db.write() as session:
            for _ in range(min(100, count - offset)):
                result = runtime.start(session, None, {"fire_at": fire_at.isoformat()}, "bench", definition=definition)
                result.instance.status = HELD

    logs = [work_dir / f"worker-r{round_no}-{i}.log" for i in range(workers)]
    procs = [_start_worker(url, fire_at + timedelta(minutes=5), work_dir / "data", path) for path in logs]
    try:
        _wait_started(procs, logs)
        with db.write() as session:
            session.execute(update(ProcessInstance).where(ProcessInstance.status == HELD)
                            .values(status="running"))
        began = time.perf_counter()
        deadline = time.monotonic() + max(120.0, count / 2)
        while True:
            with db.read() as session:
                waiting = session.scalar(select(func.count()).select_from(ProcessInstance).where(
                    ProcessInstance.definition_id == definition_id, ProcessInstance.next_timer_due.is_not(None),
                    ProcessInstance.status == "running"))
                failed = session.scalar(select(func.count()).select_from(ProcessInstance).where(
                    ProcessInstance.definition_id == definition_id, ProcessInstance.status == "error"))
            if failed:
                raise RuntimeError(f"{failed} timer instances failed:\n" + "\n".join(_tail(p) for p in logs))
            if not waiting:
                break
            for proc, path in zip(procs, logs, strict=True):
                if proc.poll() is not None:
                    raise RuntimeError(f"worker exited with {proc.returncode}:\n{_tail(path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{waiting} of {count} timers still due after {deadline - began:.0f} s")
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
    finally:
        _stop(procs)
    return count / elapsed


# ---------------------------------------------------------------- lateness


def start_near_timers(url: str, definition_id: int, count: int, lead_s: float, spacing_s: float) -> None:
    """What the "web" process does: ``count`` steps, one every ``spacing_s``, each starting an
    instance whose timer falls due ``lead_s`` later on the real clock, each its own transaction."""
    db = Database(url)
    runtime = build_runtime(db)
    try:
        for _ in range(count):
            with db.write() as session:
                definition = session.get(ProcessDefinition, definition_id)
                fire_at = runtime.now() + timedelta(seconds=lead_s)
                runtime.start(session, None, {"fire_at": fire_at.isoformat()}, "bench-web", definition=definition)
            time.sleep(spacing_s)
    finally:
        db.dispose()


def park_running(db: Database) -> None:
    with db.write() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.status == "running")
                        .values(status=PARKED))


def add_document_backlog(db: Database, count: int) -> int:
    """``count`` pending copies of an issued document (new numbers): a rendering backlog."""
    with db.read() as session:
        model = session.scalars(select(Document).order_by(Document.id).limit(1)).first()
    if model is None:
        raise RuntimeError("no issued document to copy for the rendering backlog")
    columns = {c.key: getattr(model, c.key) for c in Document.__table__.columns
               if c.key not in ("id", "number", "status", "stored_path", "size", "sha256", "pages", "rendered_at")}
    with db.write() as session:
        session.execute(Document.__table__.insert(), [
            {**columns, "number": f"{model.number}-B{n}", "status": "pending"} for n in range(count)])
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Document).where(Document.status == "pending"))


def _pending_documents(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Document).where(Document.status == "pending"))


def bench_lateness(url: str, db: Database, definition_id: int, count: int, work_dir: Path, name: str,
                   options: tuple[str, ...]) -> list[float]:
    """Start a worker on the real clock with ``options``, let another process start ``count``
    instances with timers due 2 s after their step; returns ms each fired past its due moment."""
    log_path = work_dir / f"worker-{name}.log"
    proc = _start_worker(url, None, work_dir / "data", log_path, options)
    web = None
    try:
        _wait_started([proc], [log_path])
        time.sleep(2.0)  # the worker has ticked once and sleeps; its listener has connected
        with db.read() as session:
            last_id = session.scalar(select(func.coalesce(func.max(ProcessInstance.id), 0)))
        web = subprocess.Popen(
            [sys.executable, "-c", "import sys; from bench.engine_bench import start_near_timers as s; "
             "s(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), 2.0, 0.25)", url, str(definition_id), str(count)],
            cwd=REPO_ROOT, env=_process_env(url, work_dir / "data", None), stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60 + count
        while True:
            with db.read() as session:
                mine = select(ProcessInstance.id).where(ProcessInstance.definition_id == definition_id,
                                                        ProcessInstance.id > last_id)
                started = session.scalar(select(func.count()).select_from(mine.subquery()))
                fired = list(session.execute(select(AuditEvent.at, AuditEvent.detail).where(
                    AuditEvent.kind == "timer_fired", AuditEvent.instance_id.in_(mine))))
            if web.poll() is not None and web.returncode != 0:
                raise RuntimeError(f"the web process exited with {web.returncode}")
            if web.poll() is not None and started == count and len(fired) >= count:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited with {proc.returncode}:\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(fired)} of {count} timers fired in time:\n{_tail(log_path)}")
            time.sleep(0.1)
    finally:
        if web is not None and web.poll() is None:
            web.kill()
            web.wait()
        _stop([proc])
    if len(fired) != count:
        raise RuntimeError(f"{len(fired)} timer_fired events for {count} instances: not exactly once")
    return [((_aware(at) - datetime.fromisoformat(detail["due"])).total_seconds() * 1000) for at, detail in fired]


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)  # SQLite: naive UTC


def deploy_timer_diagram(runtime: Runtime) -> int:
    with runtime.db.write() as session:
        definition, _ = deploy(session, runtime, {TIMER_DIAGRAM.name: TIMER_DIAGRAM.read_text(encoding="utf-8")}, {},
                               process_id=TIMER_PROCESS, deployed_by="bench")
        return definition.id


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = bench_parser("engine", __doc__)
    parser.add_argument("--timers", type=int, help="instances due at once in the timer rounds "
                                                   f"(default {FULL.timers}, {QUICK.timers} with --quick)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.timers:
        plan = replace(plan, timers=args.timers)
    with bench_database("engine", args) as (url, db, work_dir):
        figures = run(url, db, plan, work_dir)
    print_figures(figures, KEYS)
    return 0


def run(url: str, db: Database, plan: Plan, work_dir: Path) -> dict[str, float]:
    clock = ManualClock(START)
    runtime = build_runtime(db, clock, "Asia/Shanghai")
    seed(runtime)

    start_rate = bench_starts(runtime, plan.cases)
    log(f"case start (register_case, committed): {start_rate:.1f} cases/s over {plan.cases} cases")

    completions = POINTS[-1] + plan.half_window
    samples: dict[int, list[float]] = {point: [] for point in POINTS}
    sizes: dict[int, float] = {}
    for _ in range(plan.long_cases):
        timings, case_sizes = run_long_case(runtime, clock, completions)
        for point in POINTS:
            samples[point] += [timings[n - 1] for n in window(point, plan.half_window)]
        sizes = sizes or case_sizes
    medians = {point: statistics.median(samples[point]) for point in POINTS}
    for point in POINTS:
        span = window(point, plan.half_window)
        log(f"task completion around {point} completed tasks (#{span.start}-#{span.stop - 1}, "
            f"{len(samples[point])} samples): median {medians[point]:.1f} ms, "
            f"p95 {percentile(samples[point], 95):.1f} ms; state after #{point}: {sizes[point]:.1f} KB")
    ratio = medians[100] / medians[10]
    log(f"step100/step10 = {ratio:.2f} ({'within' if ratio <= 2 else 'OVER'} the 2x budget)")

    definition_id = deploy_timer_diagram(runtime)
    rates = {}
    for round_no, workers in enumerate((1, 2), start=1):
        rates[workers] = bench_timers(url, db, definition_id, plan.timers, workers, work_dir, round_no)
        log(f"due timers fired by {workers} worker process{'es' if workers > 1 else ''}: "
            f"{rates[workers]:.1f} /s ({plan.timers} due at once)")

    park_running(db)
    late = bench_lateness(url, db, definition_id, plan.late_timers, work_dir, "late", ("--timers-only",))
    log(_lateness("timers started by another process, worker --timers-only asleep", late))
    backlog = add_document_backlog(db, plan.backlog)
    late_backlog = bench_lateness(url, db, definition_id, plan.late_timers, work_dir, "late-backlog", ())
    log(_lateness(f"the same, worker with its job loop facing {backlog} pending documents "
                  f"({backlog - _pending_documents(db)} rendered meanwhile)", late_backlog))

    with db.read() as session:
        cases = session.scalar(select(func.count()).select_from(Case))
    log(f"({cases} cases, {plan.long_cases} with {completions} completions; {2 * plan.timers} timer instances)")
    return {
        "start_per_s": start_rate, "step10_ms": medians[10], "step100_ms": medians[100],
        "size10_kb": sizes[10], "size100_kb": sizes[100],
        "timers_per_s_1w": rates[1], "timers_per_s_2w": rates[2],
        "timer_late_p50_ms": percentile(late, 50), "timer_late_p95_ms": percentile(late, 95),
        "timer_late_max_ms": max(late),
        "timer_late_p50_backlog_ms": percentile(late_backlog, 50),
        "timer_late_p95_backlog_ms": percentile(late_backlog, 95), "timer_late_max_backlog_ms": max(late_backlog),
    }


def _lateness(what: str, late: list[float]) -> str:
    return (f"timer lateness, {what}: p50 {percentile(late, 50):.0f} ms, p95 {percentile(late, 95):.0f} ms, "
            f"max {max(late):.0f} ms ({len(late)} timers, each fired once)")


if __name__ == "__main__":
    sys.exit(main())
