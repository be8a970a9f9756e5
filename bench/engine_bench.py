"""Engine benchmark: case starts, task completions on long histories, state size, timer firing.

    greenloop bench engine [--quick] [--database-url URL] [--only starts,steps,timers,lateness]

``--only`` runs some parts alone (to iterate on one figure faster); the last line then holds
only their figures ("lateness" copies a document issued in "steps" for its backlog).

Runs on a fresh SQLite file by default, or on the database given by --database-url or
GREENLOOP_BENCH_DATABASE_URL. THAT DATABASE IS WIPED: every table is dropped first.

Figures:
- cases started per second: engine.intake.register_case, i.e. intake validated, case numbered,
  process started and its first task projected, committed; by one client (``start_per_s``) and
  by 4 client processes at once, each with its own connection (``start_per_s_4c``; on PostgreSQL
  a line also says what their sessions spent the time on: row-lock waits and on which statement,
  their clients computing inside a transaction, running);
- SQL statements per case start and per task completion (``sql_per_start``, ``sql_per_step``:
  every statement the engine sends, counted with SQLAlchemy's ``before_cursor_execute`` event;
  a batched INSERT of many rows counts once, as it is one round trip);
- ms per task completion (engine.tasks.complete_task) for a case with about 10, 100 and 1,000
  completed tasks; the history is built with the review-reject loop (handle → feedback →
  review rejected → handle …), one engine step per completion as in production (the first long
  case is driven on to 1,000; the others stop after 100), and ~20 completions around each point
  are timed (~6 with --quick);
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
timer_late_p95_backlog_ms=… timer_late_max_backlog_ms=… sql_per_start=… sql_per_step=… start_per_s_4c=…
step1000_ms=… (step figures are medians; sql figures are means).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import event, func, select, text, update

from bench.harness import bench_database, log, print_figures, stop_all, tail
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
        "timer_late_p50_backlog_ms", "timer_late_p95_backlog_ms", "timer_late_max_backlog_ms",
        "sql_per_start", "sql_per_step", "start_per_s_4c", "step1000_ms")
# Parked: instances left from the rounds on the frozen clock (their timers long past on the real one).
PARKED = "bench_parked"
CLIENTS = 4
# The parts of a run (``--only``), in the order they run.
PARTS = ("starts", "steps", "timers", "lateness")


@dataclass(frozen=True)
class Plan:
    cases: int            # cases registered for the start rate
    long_cases: int       # cases driven through 100+ completions (the first through 1,000+)
    half_window: int      # completions timed on each side of the 10th / 100th
    timers: int           # instances due at once, per worker round
    late_timers: int      # instances started by the "web" process per lateness round
    backlog: int          # pending documents during the second lateness round
    longest: int          # the history the first long case is driven to (step1000_ms is timed there)


FULL = Plan(cases=200, long_cases=3, half_window=10, timers=1000, late_timers=40, backlog=2000, longest=1000)
# A smoke test: the "1,000" point is taken at 200 completions (the log says so).
QUICK = Plan(cases=20, long_cases=1, half_window=3, timers=60, late_timers=10, backlog=200, longest=200)
POINTS = (10, 100, 1000)


class StatementCounter:
    """Counts the statements the engine sends while ``counting`` (the before_cursor_execute event)."""

    def __init__(self, db: Database):
        self.statements = 0
        self.counting = False
        event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        if self.counting:
            self.statements += 1


# ---------------------------------------------------------------- database


def seed(runtime: Runtime) -> None:
    with runtime.db.write() as session:
        seed_departments(session)
        seed_grid(session, areas=28, villages=56)
        seed_staff(session, "bench-password-1")
        deploy_shipped(session, runtime)


# ---------------------------------------------------------------- starts


def bench_starts(runtime: Runtime, count: int, counter: StatementCounter | None = None) -> float:
    in_transaction(runtime, register_case, CASE_DATA, "intake")  # warm-up: parse and cache the specs, fill the pools
    if counter:
        counter.counting = True
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        in_transaction(runtime, register_case, CASE_DATA, "intake")
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    if counter:
        counter.counting = False
    # This process's CPU time is what the machine's other load disturbs least.
    log(f"client CPU per case start: {cpu / count * 1000:.1f} ms (load average {os.getloadavg()[0]:.1f})")
    return count / elapsed


def _start_client(url: str, count: int, ready, results) -> None:
    """One of the concurrent clients: its own process, engine and connection."""
    db = Database(url)
    try:
        runtime = build_runtime(db, ManualClock(START), "Asia/Shanghai")
        in_transaction(runtime, register_case, CASE_DATA, "intake")  # warm-up, before the common start
        ready.wait()
        began = time.monotonic()
        for _ in range(count):
            in_transaction(runtime, register_case, CASE_DATA, "intake")
        results.put((began, time.monotonic(), count))
    finally:
        db.dispose()


class WaitSampler:
    """What the clients' PostgreSQL backends are doing, sampled every 5 ms from pg_stat_activity in
    a thread of its own: waiting for a row lock (and on which statement), running, or idle — in a
    transaction (its client computing) or between transactions. Where the time of concurrent
    starts goes, beside their rate."""

    def __init__(self, db: Database):
        self.db, self.samples, self._stop = db, Counter(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        if self.db.is_postgres:
            self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        query = text("SELECT state, wait_event_type, left(query, 40) FROM pg_stat_activity WHERE "
                     "datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        with self.db.engine.connect() as conn:
            while not self._stop.wait(0.005):
                for state, wait, statement in conn.execute(query):
                    what = {"Lock": f"waiting for a lock ({' '.join(statement.split())[:40]}…)",
                            "Client": None}.get(wait, "running or on disk" if state == "active" else None)
                    self.samples[what or {"idle in transaction": "idle in a transaction (client computing)",
                                          "idle": "between transactions"}.get(state, state)] += 1
                conn.rollback()  # a fresh snapshot of the activity each round

    def report(self) -> str:
        total = sum(self.samples.values())
        return "; ".join(f"{n / total * 100:.0f}% {what}" for what, n in self.samples.most_common(4)) if total else ""


def bench_concurrent_starts(url: str, count: int, clients: int = CLIENTS, db: Database | None = None) -> float:
    """Cases started per second by ``clients`` processes registering ``count`` cases each at once,
    timed from their common start to the last one's end (and, given ``db`` on PostgreSQL, what their
    backends spent the time on)."""
    mp = multiprocessing.get_context("spawn")  # a fresh interpreter each: no connection shared by a fork
    ready, results = mp.Barrier(clients + 1), mp.Queue()
    procs = [mp.Process(target=_start_client, args=(url, count, ready, results)) for _ in range(clients)]
    for proc in procs:
        proc.start()
    try:
        ready.wait(timeout=120)
        if db is not None:
            with WaitSampler(db) as sampler:
                spans = [results.get(timeout=max(120.0, count)) for _ in procs]
            if sampler.report():
                log(f"the {clients} clients' database sessions, sampled: {sampler.report()}")
        else:
            spans = [results.get(timeout=max(120.0, count)) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
    if any(proc.exitcode for proc in procs):
        raise RuntimeError(f"a start client failed: exit codes {[proc.exitcode for proc in procs]}")
    return sum(n for _b, _e, n in spans) / (max(e for _b, e, _n in spans) - min(b for b, _e, _n in spans))


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


def run_long_case(runtime: Runtime, clock: ManualClock, completions: int, counter: StatementCounter | None = None,
                  cpu_ms: list[float] | None = None) -> tuple[list[float], dict[int, float]]:
    """Drive one case through ``completions`` task completions; returns ms per completion and sizes
    (and counts the completions' statements on ``counter``, adds their client CPU ms to ``cpu_ms``)."""
    cpu_ms = [] if cpu_ms is None else cpu_ms
    case = in_transaction(runtime, register_case, CASE_DATA, "intake")
    steps = [("receive", {"decision": "accept"}), ("assign", {"action": "assign", "department": "air"})]
    timings: list[float] = []
    sizes: dict[int, float] = {}
    while len(timings) < completions:
        spec, data = steps[len(timings)] if len(timings) < len(steps) else \
            REJECT_LOOP[(len(timings) - len(steps)) % len(REJECT_LOOP)]
        task_id = _ready_task_id(runtime.db, case.id, spec)
        clock.advance(minutes=1)
        if counter:
            counter.counting = True
        began, cpu = time.perf_counter(), time.process_time()
        in_transaction(runtime, complete_task, task_id, data, "bench")
        timings.append((time.perf_counter() - began) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        if counter:
            counter.counting = False
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
                raise RuntimeError(f"worker exited with {proc.returncode}:\n{tail(path)}")
        if all("timer worker started" in path.read_text(encoding="utf-8", errors="replace") for path in logs):
            return
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not start in time:\n" + "\n".join(tail(p) for p in logs))
        time.sleep(0.05)


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
        # Polled every 50 ms: whether one is still due, read through the due index (status,
        # next_timer_due) only as far as the first, since counting them all took CPU from the workers
        # being timed; once none is, every timer of the round is counted as before.
        still_due = select(ProcessInstance.id).where(
            ProcessInstance.status == "running", ProcessInstance.next_timer_due <= fire_at,
            ProcessInstance.definition_id == definition_id).limit(1)
        waiting_count = select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.definition_id == definition_id, ProcessInstance.next_timer_due.is_not(None),
            ProcessInstance.status == "running")
        while True:
            with db.read() as session:
                waiting = session.scalar(still_due) is not None or session.scalar(waiting_count)
                failed = session.scalar(select(func.count()).select_from(ProcessInstance).where(
                    ProcessInstance.status == "error", ProcessInstance.definition_id == definition_id))
            if failed:
                raise RuntimeError(f"{failed} timer instances failed:\n" + "\n".join(tail(p) for p in logs))
            if not waiting:
                break
            for proc, path in zip(procs, logs, strict=True):
                if proc.poll() is not None:
                    raise RuntimeError(f"worker exited with {proc.returncode}:\n{tail(path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timers of the {count} still due after {deadline - began:.0f} s")
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
    finally:
        stop_all(procs)
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
                raise RuntimeError(f"worker exited with {proc.returncode}:\n{tail(log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(fired)} of {count} timers fired in time:\n{tail(log_path)}")
            time.sleep(0.1)
    finally:
        if web is not None and web.poll() is None:
            web.kill()
            web.wait()
        stop_all([proc])
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
    parser.add_argument("--only", type=lambda text: [p.strip() for p in text.split(",") if p.strip()],
                        default=list(PARTS), help=f"parts to run, comma-separated (default all: {','.join(PARTS)})")
    parser.add_argument("--timers", type=int, help="instances due at once in the timer rounds "
                                                   f"(default {FULL.timers}, {QUICK.timers} with --quick)")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(PARTS)
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}; choose among {', '.join(PARTS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.timers:
        plan = replace(plan, timers=args.timers)
    with bench_database("engine", args) as (url, db, work_dir):
        figures = run(url, db, plan, work_dir, set(args.only))
    print_figures(figures, [key for key in KEYS if key in figures])
    return 0


def run(url: str, db: Database, plan: Plan, work_dir: Path, parts: set[str] = frozenset(PARTS)) -> dict[str, float]:
    clock = ManualClock(START)
    runtime = build_runtime(db, clock, "Asia/Shanghai")
    seed(runtime)
    counter = StatementCounter(db)
    figures: dict[str, float] = {}
    if "starts" in parts:
        figures.update(run_starts(url, runtime, plan, counter))
    if "steps" in parts:
        figures.update(run_steps(runtime, clock, plan, counter))
    if parts & {"timers", "lateness"}:
        definition_id = deploy_timer_diagram(runtime)
    if "timers" in parts:
        for round_no, workers in enumerate((1, 2), start=1):
            rate = bench_timers(url, db, definition_id, plan.timers, workers, work_dir, round_no)
            figures[f"timers_per_s_{workers}w"] = rate
            log(f"due timers fired by {workers} worker process{'es' if workers > 1 else ''}: "
                f"{rate:.1f} /s ({plan.timers} due at once)")
    if "lateness" in parts:
        figures.update(run_lateness(url, db, definition_id, plan, work_dir))
    with db.read() as session:
        cases = session.scalar(select(func.count()).select_from(Case))
    log(f"({cases} cases, {plan.long_cases if 'steps' in parts else 0} with {POINTS[1] + plan.half_window}+ "
        f"completions; {2 * plan.timers if 'timers' in parts else 0} timer instances)")
    return figures


def run_starts(url: str, runtime: Runtime, plan: Plan, counter: StatementCounter) -> dict[str, float]:
    start_rate = bench_starts(runtime, plan.cases, counter)
    sql_per_start = counter.statements / plan.cases
    log(f"case start (register_case, committed): {start_rate:.1f} cases/s over {plan.cases} cases, "
        f"{sql_per_start:.1f} SQL statements each")
    concurrent_rate = bench_concurrent_starts(url, plan.cases // CLIENTS, db=runtime.db)
    log(f"case start by {CLIENTS} client processes at once: {concurrent_rate:.1f} cases/s "
        f"({plan.cases // CLIENTS} cases each; load average {os.getloadavg()[0]:.1f})")
    return {"start_per_s": start_rate, "sql_per_start": sql_per_start, "start_per_s_4c": concurrent_rate}


def run_steps(runtime: Runtime, clock: ManualClock, plan: Plan, counter: StatementCounter) -> dict[str, float]:
    samples: dict[int, list[float]] = {point: [] for point in POINTS}
    sizes: dict[int, float] = {}
    counter.statements = steps = 0
    cpu: list[float] = []
    for n in range(plan.long_cases):
        # One case carries on to the longest history: building it is the slow part.
        began = time.perf_counter()
        timings, case_sizes = run_long_case(runtime, clock, (plan.longest if n == 0 else POINTS[1]) + plan.half_window,
                                            counter, cpu)
        if n == 0:
            log(f"built a history of {len(timings)} completions in {time.perf_counter() - began:.1f} s "
                f"(one engine step each; step1000_ms is timed around #{plan.longest})")
            samples[1000] += [timings[p - 1] for p in window(plan.longest, plan.half_window)]
        steps += len(timings)
        for point in POINTS[:2]:
            samples[point] += [timings[p - 1] for p in window(point, plan.half_window)]
        sizes = sizes or case_sizes
    sql_per_step = counter.statements / steps
    log(f"task completion: {sql_per_step:.1f} SQL statements each (mean over {steps}); client CPU median "
        f"{statistics.median(cpu):.1f} ms (load average {os.getloadavg()[0]:.1f})")
    medians = {point: statistics.median(samples[point]) for point in POINTS}
    for point in POINTS:
        span = window(plan.longest if point == 1000 else point, plan.half_window)
        log(f"task completion around {span.stop - 1 - plan.half_window} completed tasks (#{span.start}-#{span.stop - 1}, "
            f"{len(samples[point])} samples): median {medians[point]:.1f} ms, "
            f"p95 {percentile(samples[point], 95):.1f} ms"
            + (f"; state after #{point}: {sizes[point]:.1f} KB" if point in sizes else ""))
    for point in POINTS[1:]:
        ratio = medians[point] / medians[10]
        log(f"step{point}/step10 = {ratio:.2f} ({'within' if ratio <= 1.3 else 'OVER'} the 1.3x target)")
    return {"step10_ms": medians[10], "step100_ms": medians[100], "step1000_ms": medians[1000],
            "size10_kb": sizes[10], "size100_kb": sizes[100], "sql_per_step": sql_per_step}


def run_lateness(url: str, db: Database, definition_id: int, plan: Plan, work_dir: Path) -> dict[str, float]:
    park_running(db)
    late = bench_lateness(url, db, definition_id, plan.late_timers, work_dir, "late", ("--timers-only",))
    log(_lateness("timers started by another process, worker --timers-only asleep", late))
    backlog = add_document_backlog(db, plan.backlog)
    late_backlog = bench_lateness(url, db, definition_id, plan.late_timers, work_dir, "late-backlog", ())
    log(_lateness(f"the same, worker with its job loop facing {backlog} pending documents "
                  f"({backlog - _pending_documents(db)} rendered meanwhile)", late_backlog))
    return {
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
