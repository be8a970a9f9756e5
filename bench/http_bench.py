"""HTTP benchmark: a realistic mix of requests against the real server (waitress, `greenloop run`),
driven by locust, with throughput and response times per request type.

    greenloop bench http --database-url postgresql+psycopg://postgres@127.0.0.1:5432/greenloop_bench
    greenloop bench http --quick            # a short run on a temporary SQLite file

THE DATABASE IS WIPED: every table is dropped first. On it the bench seeds the county (grid, whole
staff, shipped processes), loads background cases with bench/inbox_bench.py's loader (100,000 with
20 % open; none with --quick) so the inboxes are not empty, registers receive tasks for the intake
clerks to accept, and makes one Open311 api_key per partner client.

The server: --web-processes `greenloop run --no-worker` processes (2 by default, the production
layout of docs/deployment.md in miniature, waitress with 8 threads each; 1 with --quick) and one
`greenloop worker`, all on the real clock, with one GREENLOOP_SECRET_KEY. Nothing stands in front of
them: each locust user sends its requests to the processes in turn, as a proxy without stickiness
would, so a session begun on one process carries on on the other, and with ``Connection: close``,
as nginx talks to its upstreams by default (kept-alive connections from every user to every
process would pass waitress's limit of 100 open connections and leave requests hanging).

The rate limits stay on. The bench plays the reverse proxy of the production layout: the processes
run with GREENLOOP_TRUSTED_PROXIES=1 and every request carries X-Forwarded-For, a fresh address for
each citizen's visit and one per member of staff, so the per-address limits (10 public submissions
an hour, 10 sign-ins a minute) count each person as they would in production. Open311 is limited
per api_key (60 posts a minute): each partner client has its own key and posts every 1.2 s. The
limits are counted where GREENLOOP_RATE_LIMIT_STORAGE says (Redis in production), else per process.

The load (bench/http_load.py, locust as a library in its own process, headless):
- citizens, each visiting once a second (``--submit-rate`` of them, 100 by default): GET the
  public form, POST it (CSRF and double-submit tokens from the form, no photo; 303 expected), GET
  the tracking code page;
- Open311 partner clients (``--open311-clients``, 8): POST a service request (201 expected);
- intake clerks (``--clerks``, 4: `intake` and extra clerks sharing its password hash): the inbox,
  one of their own receive tasks, and its completion with "accept" (302 expected), every 0.5-1.5 s;
- readers (handlers, leads, supervisors, ``--readers``, 6): the inbox and a filtered inbox page,
  every 0.5-1.5 s.
After a warm-up (sign-ins, first pages; 10 s, 3 s with --quick) the window of ``--seconds`` (60; 10
with --quick) is measured. Any answer other than the expected one is an error, warm-up included;
the bench prints them and exits with 1.

The last line: submit_per_s=… submit_p95_ms=… form_p95_ms=… open311_per_s=… open311_p95_ms=…
inbox_p95_ms=… inbox_filtered_p95_ms=… task_p95_ms=… complete_per_s=… complete_p95_ms=…
requests_per_s=… errors=… web_cpu_ms_per_request=… worker_cpu_ms_per_request=…
database_cpu_ms_per_request=… lock_waiting_backends=… (targets, issue 15: submit_per_s ≥ 100, inbox_p95_ms ≤ 100, errors 0).
The CPU figures are the CPU time the web processes, the worker and their PostgreSQL backends spent
in the window, per request answered: what the rate would cost on an idle machine, where the rates
and times themselves also show what else the machine was doing. A citizen's visit is three requests.
``lock_waiting_backends`` (PostgreSQL) is how many of the server's database sessions were waiting
for a row lock, on average over samples taken twice a second in the window; the statements they
waited at most on are printed above it.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import select, text

from bench.harness import bench_database, log, print_figures, stop_all, tail
from bench.inbox_bench import _load as load_background_cases
from bench.options import bench_parser
from engine.bootstrap import build_runtime
from engine.cases.intake import register_case
from engine.core.config import REPO_ROOT
from engine.core.db import Database
from engine.core.runtime import Runtime, in_transaction
from engine.definitions.deploy import deploy_shipped
from engine.models import Department, Grid, Task, User, UserRole
from engine.org.api_tokens import create_token
from engine.org.seed import seed_departments, seed_grid, seed_staff

PASSWORD = "bench-password-1"
KEYS = ("submit_per_s", "submit_p95_ms", "form_p95_ms", "open311_per_s", "open311_p95_ms", "inbox_p95_ms",
        "inbox_filtered_p95_ms", "task_p95_ms", "complete_per_s", "complete_p95_ms", "requests_per_s", "errors",
        "web_cpu_ms_per_request", "worker_cpu_ms_per_request", "database_cpu_ms_per_request",
        "lock_waiting_backends")
# Request types (bench/http_load.py names them) and the figures taken from each.
FIGURES = {"public submit": ("submit", True), "public form": ("form", False), "open311 post": ("open311", True),
           "inbox": ("inbox", False), "inbox filtered": ("inbox_filtered", False), "task page": ("task", False),
           "task complete": ("complete", True)}
SUBMIT_TARGET, INBOX_TARGET_MS = 100.0, 100.0
READERS = ("handler", "handler2", "lead", "lead2", "supervisor", "town", "gridofficer", "leader")
CASE_DATA = {"channel": "hotline", "category": "air", "title": "工厂夜间排放异味", "description": "每晚十点后有刺鼻气味",
             "grid_code": "T01-A01-V01", "complainant_name": "张三", "complainant_phone": "13800000000",
             "subject_type": "enterprise"}


@dataclass(frozen=True)
class Plan:
    background: int       # bulk-loaded cases behind the inboxes
    web_processes: int
    submit_rate: float    # citizens' visits per second asked for (one per citizen per second)
    open311_clients: int
    clerks: int
    readers: int
    warmup: float
    seconds: float


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = bench_parser("http", __doc__)
    parser.add_argument("--web-processes", type=int, help="`greenloop run` processes (default 2, 1 with --quick)")
    parser.add_argument("--submit-rate", type=float, help="public submissions per second asked for (default 100)")
    parser.add_argument("--seconds", type=float, help="the measured window (default 60)")
    parser.add_argument("--background", type=int, help="background cases behind the inboxes (default 100,000)")
    parser.add_argument("--open311-clients", type=int, default=None)
    parser.add_argument("--clerks", type=int, default=None)
    parser.add_argument("--readers", type=int, default=None)
    return parser.parse_args(argv)


def plan_of(args: argparse.Namespace) -> Plan:
    base = Plan(background=0, web_processes=1, submit_rate=5, open311_clients=2, clerks=2, readers=2, warmup=3,
                seconds=10) if args.quick else \
        Plan(background=100_000, web_processes=2, submit_rate=SUBMIT_TARGET, open311_clients=8, clerks=4,
             readers=6, warmup=10, seconds=60)
    given = {"background": args.background, "web_processes": args.web_processes, "submit_rate": args.submit_rate,
             "open311_clients": args.open311_clients, "clerks": args.clerks, "readers": args.readers,
             "seconds": args.seconds}
    return Plan(**{**base.__dict__, **{k: v for k, v in given.items() if v is not None}})


# ---------------------------------------------------------------- the database


def seed(runtime: Runtime, plan: Plan) -> dict:
    """The county, its staff, the processes, the background cases, the clerks' receive tasks and
    the Open311 keys; returns what the load process needs to know."""
    began = time.perf_counter()
    db = runtime.db
    with db.write() as session:
        seed_departments(session)
        seed_grid(session)
        seed_staff(session, PASSWORD, whole_county=True)
        definition, _ = deploy_shipped(session, runtime)
        intake = session.scalars(select(User).where(User.username == "intake")).one()
        # More clerks at the intake desk; argon2 at full cost is slow, so they share intake's hash.
        for n in range(2, plan.clerks + 1):
            session.add(User(username=f"intake{n}", display_name=f"受理员 {n}", password_hash=intake.password_hash,
                             grid_id=intake.grid_id, email=f"intake{n}@greenloop.example",
                             role_rows=[UserRole(role="intake")]))
        villages = [(g.id, g.path, g.code) for g in session.scalars(select(Grid).where(Grid.level == "village"))]
        departments = list(session.scalars(select(Department)))
        keys = [create_token(session, runtime, f"bench partner {n}", ["open311:submit"], created_by="bench")[1]
                for n in range(plan.open311_clients)]
    if plan.background:
        load_background_cases(db, plan.background, 0.2, definition.id, [(i, p) for i, p, _c in villages], departments)
        log(f"loaded {plan.background:,} background cases")
    # Each clerk accepts about one task a second; a few more than the run can use.
    per_clerk = int(plan.warmup + plan.seconds) + 10
    first = [in_transaction(runtime, register_case, CASE_DATA, "hotline-desk").id]
    for _ in range(plan.clerks * per_clerk - 1):
        in_transaction(runtime, register_case, CASE_DATA, "hotline-desk")
    with db.read() as session:
        tasks = list(session.scalars(select(Task.id).where(Task.spec == "receive", Task.state == "ready",
                                                           Task.case_id >= first[0]).order_by(Task.case_id)))
    clerks = (["intake"] + [f"intake{n}" for n in range(2, plan.clerks + 1)])[:plan.clerks]
    log(f"seeded in {time.perf_counter() - began:.1f} s: {len(tasks)} receive tasks for {plan.clerks} clerks, "
        f"{plan.open311_clients} Open311 keys")
    return {"password": PASSWORD, "open311_keys": keys,
            "clerks": [{"username": name, "tasks": tasks[i::plan.clerks]} for i, name in enumerate(clerks)],
            "readers": [{"username": READERS[i % len(READERS)], "tasks": []} for i in range(plan.readers)],
            "villages": [code for _i, _p, code in villages[:200]]}


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The web processes and the worker, with one secret key and one database."""

    def __init__(self, url: str, work_dir: Path):
        self.work_dir = work_dir
        self.env = dict(os.environ, GREENLOOP_DATABASE_URL=url, GREENLOOP_DATA_DIR=str(work_dir / "data"),
                        GREENLOOP_SECRET_KEY=secrets.token_urlsafe(48), GREENLOOP_TRUSTED_PROXIES="1")
        self.env.pop("GREENLOOP_FAKE_NOW", None)
        self.env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), self.env.get("PYTHONPATH")) if p)
        self.procs: list[tuple[subprocess.Popen, Path]] = []
        self.nodes: list[str] = []

    def _start(self, name: str, args: list[str]) -> None:
        path = self.work_dir / f"{name}.log"
        with path.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", *args], cwd=REPO_ROOT,
                                    env=dict(self.env, PGAPPNAME=f"greenloop-bench-{name}"),
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        self.procs.append((proc, path))

    def start(self, web_processes: int) -> None:
        for n in range(web_processes):
            port = _free_port()
            self._start(f"web{n + 1}", ["run", "--no-worker", "--host", "127.0.0.1", "--port", str(port)])
            self.nodes.append(f"http://127.0.0.1:{port}")
        self._start("worker", ["worker"])
        deadline = time.monotonic() + 120
        for node in self.nodes:
            while True:
                self.check_alive()
                try:
                    if requests.get(f"{node}/healthz", timeout=5).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{node} did not answer in time")
                time.sleep(0.2)

    def check_alive(self) -> None:
        for proc, path in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{path.stem} exited with {proc.returncode}:\n{tail(path)}")

    def warnings(self) -> list[str]:
        """What the processes logged at WARNING or above (a connection limit reached, a failed
        request), but waitress's queue depth, which is summed up as its deepest."""
        found = []
        for _proc, path in self.procs:
            deepest = 0
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if "Task queue depth is " in line:
                    deepest = max(deepest, int(line.rsplit(" ", 1)[1]))
                elif " WARNING " in line or " ERROR " in line or line.startswith("Traceback"):
                    found.append(f"{path.stem}: {line}")
            if deepest:
                found.append(f"{path.stem}: requests waiting for one of waitress's threads: at most {deepest}")
        return found

    def stop(self) -> None:
        stop_all(proc for proc, _path in self.procs)


# ---------------------------------------------------------------- the load


def cpu_seconds(server: Server, db: Database, load_pid: int) -> dict[str, float]:
    """CPU time so far of the web processes, the worker, (PostgreSQL) the database backends
    serving them (found by their application_name, PGAPPNAME) and the load process itself;
    psutil comes with locust."""
    import psutil

    cpu = psutil.Process(load_pid).cpu_times()
    times = {"web": 0.0, "worker": 0.0, "database": 0.0, "load": cpu.user + cpu.system}
    for proc, path in server.procs:
        cpu = psutil.Process(proc.pid).cpu_times()
        times["worker" if path.stem == "worker" else "web"] += cpu.user + cpu.system
    if db.is_postgres:
        with db.engine.connect() as conn:
            backends = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name LIKE "
                                         "'greenloop-bench-%'")).scalars().all()
        for pid in backends:
            try:
                cpu = psutil.Process(pid).cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue  # gone meanwhile, or another user's process on a shared machine
            times["database"] += cpu.user + cpu.system
    return times


class LockWatch:
    """On PostgreSQL, samples twice a second which of the server's backends wait for a lock and on
    what statement: a row every request must lock (a counter, a summary) shows here first."""

    def __init__(self, db: Database):
        self.db, self.samples = db, 0
        self.waiting: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        if self.db.is_postgres:
            self._thread.start()

    def _run(self) -> None:
        with self.db.engine.connect() as conn:
            while not self._stop.wait(0.5):
                rows = conn.execute(text(
                    "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 80) FROM pg_stat_activity "
                    "WHERE application_name LIKE 'greenloop-bench-%' AND wait_event_type = 'Lock'")).scalars().all()
                conn.rollback()
                self.samples += 1
                for query in rows:
                    self.waiting[query] = self.waiting.get(query, 0) + 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def mean_waiting(self) -> float:
        return sum(self.waiting.values()) / self.samples if self.samples else 0.0


def run_load(plan: Plan, people: dict, server: Server, db: Database, work_dir: Path) -> dict:
    """The load process, start to end; the server's CPU time is read when its measured window
    opens and closes (the load process says so on its output)."""
    plan_path, result_path, log_path = (work_dir / name for name in ("plan.json", "result.json", "load.log"))
    plan_path.write_text(json.dumps({**people, "nodes": server.nodes, "citizens": max(1, round(plan.submit_rate)),
                                     "citizen_rate": plan.submit_rate / max(1, round(plan.submit_rate)),
                                     "warmup": plan.warmup, "duration": plan.seconds}, ensure_ascii=False),
                         encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    samples = []
    locks = LockWatch(db)
    with log_path.open("w", encoding="utf-8") as out:
        load = subprocess.Popen([sys.executable, "-m", "bench.http_load", str(plan_path), str(result_path)],
                                cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=out, text=True)
        try:
            for line in load.stdout:
                if line.startswith("window: "):
                    samples.append(cpu_seconds(server, db, load.pid))
                    (locks.start if len(samples) == 1 else locks.stop)()
                elif line.startswith("load: "):
                    log(line.rstrip())
                out.write(line)
            load.wait(timeout=plan.warmup + plan.seconds + 120)
        finally:
            locks.stop()
            if load.poll() is None:
                load.kill()
                load.wait()
    if load.returncode != 0 or not result_path.exists() or len(samples) != 2:
        raise RuntimeError(f"the load process failed ({load.returncode}):\n{tail(log_path)}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["cpu"] = {part: samples[1][part] - samples[0][part] for part in samples[0]}
    result["lock_waits"] = {"mean": locks.mean_waiting(), "samples": locks.samples,
                            "top": sorted(locks.waiting.items(), key=lambda item: -item[1])[:3]}
    return result


def figures_of(result: dict) -> dict[str, float]:
    stats = result["stats"]
    figures: dict[str, float] = {}
    for name, (key, rate) in FIGURES.items():
        entry = stats.get(name, {"per_s": 0.0, "p95_ms": 0.0})
        if rate:
            figures[f"{key}_per_s"] = entry["per_s"]
        figures[f"{key}_p95_ms"] = entry["p95_ms"]
    figures["requests_per_s"] = sum(entry["per_s"] for entry in stats.values())
    figures["errors"] = len(result["failures"])
    figures["lock_waiting_backends"] = result["lock_waits"]["mean"]
    requests_done = sum(entry["count"] for entry in result["stats"].values()) or 1
    for part, seconds in result["cpu"].items():
        if part == "load":
            continue  # the bench's own, shown in the report only
        figures[f"{part}_cpu_ms_per_request"] = seconds * 1000 / requests_done
    return figures


def report(result: dict, plan: Plan) -> None:
    log(f"{'request':18s} {'count':>7s} {'per s':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'errors':>6s}")
    for name, entry in sorted(result["stats"].items()):
        if not entry["count"]:
            continue  # only in the warm-up
        log(f"{name:18s} {entry['count']:7d} {entry['per_s']:7.1f} {entry['p50_ms']:8.0f} {entry['p95_ms']:8.0f} "
            f"{entry['max_ms']:8.0f} {entry['failures']:6d}")
    for failure in result["failures"][:20]:
        log(f"error: {failure}")
    if len(result["failures"]) > 20:
        log(f"… and {len(result['failures']) - 20} more errors")
    for line in result["server_warnings"][:10]:
        log(f"server log: {line}")
    cpu = result["cpu"]
    done = sum(entry["count"] for entry in result["stats"].values())
    log(f"CPU in the window: web processes {cpu['web']:.1f} s, worker {cpu['worker']:.1f} s, database backends "
        f"{cpu['database']:.1f} s, for {done} requests ({result['seconds']:.0f} s on {os.cpu_count()} cores); "
        f"the load process {cpu['load']:.1f} s")
    per_request = (cpu["web"] + cpu["worker"] + cpu["database"]) * 1000 / max(done, 1)
    submits = result["stats"].get("public submit", {}).get("count", 0)
    log(f"CPU per request: {per_request:.1f} ms (server, worker and database together); at that cost "
        f"{os.cpu_count()} idle cores would serve at most {os.cpu_count() * 1000 / per_request:.0f} requests/s of this "
        f"mix, {os.cpu_count() * 1000 / per_request * submits / max(done, 1):.0f} public submissions/s "
        f"(an estimate: the load generator's own CPU not counted)")
    waits = result["lock_waits"]
    if waits["samples"]:
        log(f"backends waiting for a lock: {waits['mean']:.1f} on average over {waits['samples']} samples")
        for query, count in waits["top"]:
            log(f"  {count / waits['samples']:.1f} on average at: {query}")
    if result["clerk_tasks_left"] == 0 and plan.clerks:
        log("note: the clerks ran out of receive tasks before the end")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = plan_of(args)
    with bench_database("http", args) as (url, db, work_dir):
        runtime = build_runtime(db)
        people = seed(runtime, plan)
        server = Server(url, work_dir)
        try:
            server.start(plan.web_processes)
            log(f"{plan.web_processes} web process{'es' if plan.web_processes > 1 else ''} and a worker serving; "
                f"rate limits counted in {os.environ.get('GREENLOOP_RATE_LIMIT_STORAGE') or 'each process (memory://)'}")
            result = run_load(plan, people, server, db, work_dir)
            server.check_alive()
            result["server_warnings"] = server.warnings()
        finally:
            server.stop()
    figures = figures_of(result)
    report(result, plan)
    log(f"{result['seconds']:.0f} s measured, load average {os.getloadavg()[0]:.1f}; public submissions "
        f"{figures['submit_per_s']:.1f}/s ({'met' if figures['submit_per_s'] >= SUBMIT_TARGET else 'below'} the "
        f"{SUBMIT_TARGET:.0f}/s target, {plan.submit_rate:.0f}/s asked for), inbox p95 {figures['inbox_p95_ms']:.0f} ms "
        f"({'within' if figures['inbox_p95_ms'] <= INBOX_TARGET_MS else 'OVER'} the {INBOX_TARGET_MS:.0f} ms target)")
    print_figures(figures, KEYS)
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
