"""The `greenloop` command: init-db, deploy, run, worker, demo, bench, api-token, reinspection-draw, draw,
backup, restore."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from engine.core.config import load_settings
from engine.core.errors import GreenloopError


def _runtime():
    from engine.bootstrap import make_runtime

    return make_runtime(load_settings())


def cmd_backup(args) -> int:
    from datetime import datetime, timezone

    from engine.ops.backup import backup

    outcome = backup(load_settings(), args.destination, datetime.now(timezone.utc))
    print(f"backup: {outcome.folder} ({sum(outcome.tables.values())} rows in {len(outcome.tables)} tables, "
          f"{outcome.files} files)")
    if load_settings().storage_url:
        print("note: attachments and documents live in the object store (GREENLOOP_STORAGE_URL) and are not in "
              "this backup; keep that bucket versioned and copied (docs/deployment.md)", file=sys.stderr)
    return 0


def cmd_restore(args) -> int:
    from engine.ops.backup import restore

    outcome = restore(load_settings(), args.folder)
    print(f"restored: {sum(outcome.tables.values())} rows in {len(outcome.tables)} tables, {outcome.files} files; "
          f"row counts and file checksums match the backup")
    return 0


def cmd_draw_verify(args) -> int:
    """PLAN: a plan id, whose recorded draw is recomputed from the database; or a published file."""
    import json

    from engine.inspections.draw import verify

    if args.plan.isdigit() and not Path(args.plan).exists():
        from engine.inspections.recording import verify_recorded
        from engine.models.inspection import InspectionPlan

        runtime = _runtime()
        with runtime.db.read() as session:
            plan = session.get(InspectionPlan, int(args.plan))
            if plan is None:
                print(f"no inspection plan {args.plan}", file=sys.stderr)
                return 2
            problems = verify_recorded(session, plan.id)
            document = plan.draw_document
    else:
        path = Path(args.plan)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"cannot read {path}: {exc}", file=sys.stderr)
            return 2
        problems = verify(document) if isinstance(document, dict) else ["the file is not a published draw"]
    for problem in problems:
        print(f"NOT VERIFIED: {problem}")
    if not problems:
        pairs = len(document["result"]["pairings"])
        print(f"verified: seed {document['inputs']['seed'][:16]}…, {pairs} objects drawn, digest {document['digest']}")
    return 1 if problems else 0


def cmd_init_db(args) -> int:
    from engine.core.migrate import upgrade

    settings = load_settings()
    if settings.database_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    print(f"database ready: {_safe_url(settings.database_url)}")
    return 0


def cmd_deploy(args) -> int:
    from engine.definitions.deploy import MAIN_PROCESS, deploy, shipped_files, shipped_processes

    # Every shipped process, each a version of its own; or one (--process), from given files if any.
    processes = [args.process] if args.process else [MAIN_PROCESS] if (args.bpmn or args.dmn) \
        else shipped_processes()
    runtime = _runtime()
    for process_id in processes:
        bpmn, dmn = shipped_files(process_id) if process_id in shipped_processes() else ({}, {})
        if args.bpmn:
            bpmn = {Path(p).name: Path(p).read_text(encoding="utf-8") for p in args.bpmn}
        if args.dmn:
            dmn = {Path(p).name: Path(p).read_text(encoding="utf-8") for p in args.dmn}
        with runtime.db.write() as session:
            definition, created = deploy(session, runtime, bpmn, dmn, process_id=process_id,
                                         deployed_by=args.user, comment=args.comment)
        state = "deployed as new version" if created else "unchanged, still"
        print(f"{definition.process_id}: {state} v{definition.version} ({definition.checksum[:12]})")
    return 0


def _warn_calendar(runtime) -> None:
    from engine.calendar.store import calendar_warnings

    with runtime.db.read() as session:
        for warning in calendar_warnings(session, runtime.timezone, runtime.now()):
            print(f"warning: {warning}", file=sys.stderr)


def cmd_run(args) -> int:
    from engine.org.passwords import COST_VARIABLE, fast_hashing
    from webapp import create_app
    from webapp.runtime import runtime_of

    settings = load_settings()
    app = create_app(settings)
    _warn_calendar(runtime_of(app))
    scheduler = None if args.no_worker else _scheduler(_workers(runtime_of(app), args.poll)).start()
    if settings.secret_key is None:
        # Fine for one server; web servers sharing a database need one key (README, configuration).
        print(f"GREENLOOP_SECRET_KEY is not set: cookies are signed with this installation's own key, "
              f"{settings.secret_key_file}", file=sys.stderr)
    if settings.trusted_proxies:
        print(f"believing X-Forwarded-For/-Proto from {settings.trusted_proxies} reverse prox"
              f"{'y' if settings.trusted_proxies == 1 else 'ies'} (GREENLOOP_TRUSTED_PROXIES)", file=sys.stderr)
    if fast_hashing():
        print(f"warning: {COST_VARIABLE}=fast: passwords are hashed at the cost meant for tests", file=sys.stderr)
    print(f"greenloop on http://{args.host}:{args.port}/  (database {_safe_url(settings.database_url)})")
    try:
        from waitress import serve

        # Waitress drops X-Forwarded-* headers unless told to keep them; with proxies declared,
        # ProxyFix (webapp/https.py) believes exactly that many hops, so the client's address
        # reaches the rate limits instead of the proxy's (one count for every citizen otherwise).
        serve(app, host=args.host, port=args.port, threads=8,
              clear_untrusted_proxy_headers=not settings.trusted_proxies)
    finally:
        if scheduler is not None:
            scheduler.stop()
    return 0


def _scheduler(workers: list, blocking: bool = False):
    """One APScheduler for the process's loops, each loop a job (engine/core/scheduler.py)."""
    from engine.core.scheduler import WorkerScheduler

    return WorkerScheduler(workers, blocking=blocking)


def _workers(runtime, poll: float, batch: int = 500, timers: bool = True, jobs: bool = True) -> list:
    """The timer loop and the job loop (docs/deployment.md, worker processes)."""
    from engine.jobs.worker import JobWorker
    from engine.timers.worker import TimerWorker

    return ([TimerWorker(runtime, poll_seconds=poll, batch=batch)] if timers else []) + \
        ([JobWorker(runtime)] if jobs else [])


def cmd_worker(args) -> int:
    runtime = _runtime()
    _warn_calendar(runtime)
    workers = _workers(runtime, args.poll, args.batch, timers=not args.jobs_only, jobs=not args.timers_only)
    if args.once:
        for worker in workers:
            print(worker.DONE % worker.run_once())
        return 0
    # One scheduler, each loop a job run in a pool thread of its own, so neither waits for the
    # other; the scheduler's own loop runs here until the process is interrupted.
    scheduler = _scheduler(workers, blocking=True)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop()
    return 0


def cmd_demo(args) -> int:
    import time

    from engine.demo import seed_demo
    from webapp.progress_bar import ProgressBar

    started = time.monotonic()
    report = seed_demo(_runtime(), password=args.password, cases=args.cases,
                       progress=ProgressBar("demo: simulating cases"))
    print(report)
    print(f"demo seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    name = args.name.removesuffix("_bench")
    try:
        module = importlib.import_module(f"bench.{name}_bench")
    except ModuleNotFoundError:
        available = sorted(p.stem.removesuffix("_bench") for p in Path(__file__).resolve().parent.parent
                           .joinpath("bench").glob("*_bench.py"))
        print(f"no benchmark named {name!r}; available: {', '.join(available) or 'none'}", file=sys.stderr)
        return 2
    return int(module.main(args.rest) or 0)


def cmd_api_token(args) -> int:
    from engine.org.api_tokens import create_token, list_tokens, revoke_token

    runtime = _runtime()
    if args.action == "create":
        with runtime.db.write() as session:
            row, token = create_token(session, runtime, args.name, args.scopes, created_by=args.by,
                                      username=args.user, channel=args.channel)
        print(f"token {row.id} {row.name!r} scopes={','.join(row.scopes)}"
              + (f" user={args.user}" if args.user else " (machine client)"))
        print("the token is shown only now; store it safely:", file=sys.stderr)
        print(token)
    elif args.action == "list":
        with runtime.db.read() as session:
            rows = list_tokens(session)
        for row, username in rows:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M} UTC" if row.revoked_at else "active"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M} UTC" if row.last_used_at else "never"
            print(f"{row.id}\t{row.prefix}…\t{row.name}\t{','.join(row.scopes)}\t{username or '-'}\t"
                  f"last used {used}\t{state}")
    else:
        with runtime.db.write() as session:
            row = revoke_token(session, runtime, args.id, args.by)
        print(f"token {row.id} {row.name!r} revoked")
    return 0


def cmd_reinspection_draw(args) -> int:
    """The supervision section's re-inspection draw (engine/reinspection/sampling.py), or with
    --check a recorded draw drawn again from its seed."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from engine.core.runtime import in_transaction
    from engine.models.reinspection import ReinspectionDraw
    from engine.reinspection.sampling import draw, redraw

    runtime = _runtime()
    if args.check:
        with runtime.db.read() as session:
            row = session.get(ReinspectionDraw, args.check)
            if row is None:
                print(f"no draw {args.check}", file=sys.stderr)
                return 1
            again = redraw(row)
        print(f"draw {row.id} seed={row.seed} share={row.share} sampled={row.sampled} redrawn={again}")
        return 0 if again == list(row.sampled) else 1
    zone = ZoneInfo(runtime.timezone)
    start, end = (datetime.combine(d, time(0), tzinfo=zone) for d in (args.closed_from, args.closed_to))
    row = in_transaction(runtime, draw, closed_from=start, closed_to=end, share=args.share, actor=args.by,
                         seed=args.seed)
    print(f"draw {row.id} seed={row.seed} candidates={len(row.candidates)} flagged={row.flagged} "
          f"sampled={row.sampled}")
    return 0


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="greenloop", description="greenloop complaint handling")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="create or upgrade the database schema").set_defaults(func=cmd_init_db)

    p = sub.add_parser("deploy", help="validate and deploy process diagrams (default: the shipped ones)")
    p.add_argument("--bpmn", nargs="*", help="BPMN files (default workflows/bpmn/<process>.bpmn)")
    p.add_argument("--dmn", nargs="*", help="DMN files (default workflows/dmn/*.dmn for complaint)")
    p.add_argument("--process", help="process id to deploy (default: every shipped process; "
                                     "complaint when files are given)")
    p.add_argument("--comment")
    p.add_argument("--user", default="cli")
    p.set_defaults(func=cmd_deploy)

    p = sub.add_parser("run", help="serve the web app with an in-process worker (timers and jobs)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--no-worker", action="store_true", help="run neither timers nor jobs in this process")
    p.add_argument("--poll", type=float, default=10.0, help="longest sleep between timer checks, seconds")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("worker", help="fire due timers and run side jobs (documents, mail, SMS); "
                                      "any number may run against one PostgreSQL")
    p.add_argument("--poll", type=float, default=10.0, help="longest sleep between timer checks, seconds")
    p.add_argument("--batch", type=int, default=500)
    only = p.add_mutually_exclusive_group()
    only.add_argument("--timers-only", action="store_true", help="fire timers, run no jobs")
    only.add_argument("--jobs-only", action="store_true", help="run jobs, fire no timers")
    p.add_argument("--once", action="store_true", help="do what is due now and exit")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("demo", help="seed a demo county with users and cases")
    p.add_argument("--password", help="give every demo user this password (default: random, printed once)")
    p.add_argument("--cases", type=int, default=2000, help="how many cases to simulate (default 2000)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("api-token", help="create, list or revoke API tokens (REST API and Open311)")
    tokens = p.add_subparsers(dest="action", required=True)
    t = tokens.add_parser("create", help="issue a token (printed once)")
    t.add_argument("name")
    t.add_argument("--scopes", required=True, help="comma-separated, e.g. cases:write,cases:read")
    t.add_argument("--user", help="act on behalf of this staff member (needed for tasks scopes)")
    t.add_argument("--channel", help="channel of the cases this client registers (e.g. monitoring)")
    tokens.add_parser("list", help="list tokens (never the tokens themselves)")
    t = tokens.add_parser("revoke", help="revoke a token by its id")
    t.add_argument("id", type=int)
    for t in tokens.choices.values():
        t.add_argument("--by", default="cli", help="who is doing this (audit trail)")
    p.set_defaults(func=cmd_api_token)

    p = sub.add_parser("reinspection-draw", help="draw closed cases for re-inspection (后督察), or --check a draw")
    p.add_argument("--from", dest="closed_from", type=_date, help="first closing date (YYYY-MM-DD)")
    p.add_argument("--to", dest="closed_to", type=_date, help="closing date to stop before (YYYY-MM-DD)")
    p.add_argument("--share", type=float, default=0.1, help="share of the cases not flagged to draw (0-1)")
    p.add_argument("--seed", type=int, help="the seed (default: a random one, printed and recorded)")
    p.add_argument("--by", default="system", help="who draws (recorded)")
    p.add_argument("--check", type=int, metavar="DRAW_ID", help="draw a recorded draw again and compare")
    p.set_defaults(func=cmd_reinspection_draw)

    p = sub.add_parser("draw", help="random inspections (双随机): verify a recorded or published draw")
    draws = p.add_subparsers(dest="action", required=True)
    d = draws.add_parser("verify", help="recompute a published draw from its published inputs and compare")
    d.add_argument("plan", metavar="PLAN",
                   help="a plan id (its recorded draw, recomputed from the database) or a published draw file "
                        "(JSON, as the public portal offers it)")
    d.set_defaults(func=cmd_draw_verify)

    p = sub.add_parser("backup", help="back up the database and every file of the data folder into a new "
                                      "folder under DESTINATION (safe while the app runs)")
    p.add_argument("destination", type=Path)
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup folder into an empty database and data folder")
    p.add_argument("folder", type=Path)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("bench", help="run a benchmark script from bench/")
    p.add_argument("name")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # SpiffWorkflow logs every task state change at INFO; alembic narrates each plugin; APScheduler
    # logs each round of the worker's loops (several a second when busy). Their warnings still show.
    for noisy in ("spiff", "alembic", "apscheduler.executors", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GreenloopError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
