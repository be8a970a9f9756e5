"""Documents benchmark: warm PDF rendering time per document kind, and for a 30-photo case file.

    greenloop bench documents [--quick] [--database-url URL]

Runs on a fresh SQLite file by default, or on the database given by --database-url or
GREENLOOP_BENCH_DATABASE_URL. THAT DATABASE IS WIPED: every table is dropped first.

Cases are driven through the engine (full loop with an extension and 30 photos of 1600×1200,
a rejected case, a transferred case, a case escalated once), so every document is issued at its
step. Then each kind's stored snapshot is rendered repeatedly (HTML → PDF, fonts subset and
embedded); the figure is the median after one warm-up render. ``issue_ms`` is what issuing a
document costs (number, snapshot, audit; committed) — the only part that runs inside a step.

The last line printed is machine-readable:
notice_ms=… rejection_ms=… assignment_ms=… transfer_ms=… supervision_ms=… extension_ms=… reply_ms=…
closure_ms=… casefile_ms=… casefile_pages=… issue_ms=…
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

from PIL import Image as PILImage
from sqlalchemy import select, true

from bench.engine_bench import CASE_DATA, START, seed
from bench.harness import bench_database, log, print_figures
from bench.options import bench_parser
from documents.issue import issue_now
from documents.render import render_pdf
from documents.storage import case_images
from engine.bootstrap import build_runtime
from engine.cases.attachments import check_uploads, store_attachments
from engine.cases.intake import register_case
from engine.core.clock import ManualClock
from engine.core.db import Database
from engine.core.runtime import Runtime, in_transaction
from engine.models import Task
from engine.models.documents import Document
from engine.timers.fire import fire_due
from engine.work.tasks import complete_task

FIGURES = {"acceptance_notice": "notice_ms", "rejection_notice": "rejection_ms", "assignment_slip": "assignment_ms",
           "transfer_slip": "transfer_ms", "supervision_notice": "supervision_ms",
           "extension_notice": "extension_ms", "reply": "reply_ms", "closure_report": "closure_ms",
           "case_file": "casefile_ms"}
KEYS = (*FIGURES.values(), "casefile_pages", "issue_ms")
PHOTOS = 30
NOTICE_TARGET_MS = 300


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    return bench_parser("documents", __doc__).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with bench_database("documents", args) as (_url, db, work_dir):
        figures = run(db, work_dir, repeats=3 if args.quick else 10)
    print_figures(figures, KEYS)
    return 0


def _photo(seed_value: int) -> bytes:
    rng = random.Random(seed_value)
    img = PILImage.new("RGB", (1600, 1200), tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(40):
        x, y = rng.randrange(1500), rng.randrange(1100)
        img.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + 100, y + 100))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


class Driver:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def complete(self, case_id: int, spec: str, data: dict, actor: str) -> None:
        with self.runtime.db.read() as session:
            task_id = session.scalars(select(Task.id).where(Task.case_id == case_id, Task.spec == spec,
                                                            Task.state == "ready")).first()
        in_transaction(self.runtime, complete_task, task_id, data, actor)

    def register(self, **overrides) -> int:
        return in_transaction(self.runtime, register_case, {**CASE_DATA, **overrides}, "intake").id


def drive_cases(runtime: Runtime, clock: ManualClock, attachments_dir: Path) -> int:
    """Every kind of document, issued by the engine at its step; returns the full case's id."""
    d = Driver(runtime)
    full = d.register(description="每晚十点后有刺鼻气味。" * 40)
    in_transaction(runtime, store_attachments, full, check_uploads([(f"现场{n}.jpg", _photo(n)) for n in range(PHOTOS)]),
                      root=attachments_dir, actor="intake")
    d.complete(full, "receive", {"decision": "accept"}, "intake")
    d.complete(full, "assign", {"action": "assign", "department": "air", "instructions": "请现场核查"}, "intake")
    d.complete(full, "handle", {"outcome": "extension", "extension_days": 10, "extension_reason": "需要监测"}, "handler")
    d.complete(full, "approve_extension", {"approved": True}, "lead")
    d.complete(full, "handle", {"outcome": "done", "findings": "现场核查属实", "measures": "责令整改"}, "handler")
    d.complete(full, "feedback", {"reply": "已责令整改。", "contact_method": "phone"}, "handler")
    d.complete(full, "review", {"approved": True, "comment": "同意"}, "lead")
    d.complete(full, "follow_up", {"satisfaction": "satisfied"}, "intake")

    rejected = d.register()
    d.complete(rejected, "receive", {"decision": "reject", "reason": "不属于本部门职责"}, "intake")
    transferred = d.register(subject_type="catering")
    d.complete(transferred, "receive", {"decision": "accept"}, "intake")
    d.complete(transferred, "assign", {"action": "transfer", "transfer_to": "城市管理局",
                                       "transfer_reason": "餐饮油烟属城管职责"}, "intake")
    late = d.register()
    d.complete(late, "receive", {"decision": "accept"}, "intake")
    clock.set(START + timedelta(days=3))  # the 1-working-day assignment limit has passed
    fire_due(runtime)
    return full


def run(db: Database, work_dir: Path, repeats: int) -> dict[str, float]:
    clock = ManualClock(START)
    runtime = build_runtime(db, clock, "Asia/Shanghai")
    seed(runtime)
    attachments_dir, documents_dir = work_dir / "attachments", work_dir / "documents"
    full = drive_cases(runtime, clock, attachments_dir)
    with db.read() as session:
        rows = {}
        for row in session.scalars(select(Document).order_by(Document.id)):
            rows.setdefault(row.kind, row)
        missing = set(FIGURES) - set(rows)
        assert not missing, f"not issued: {missing}"
        images = case_images(session, full, attachments_dir, documents_dir)
    assert len(images) == PHOTOS

    figures: dict[str, float] = {}
    for kind, key in FIGURES.items():
        context = rows[kind].context
        kind_images = images if kind == "case_file" else {}
        rendered = render_pdf(context, kind_images)  # warm-up (fonts, templates)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            rendered = render_pdf(context, kind_images)
            times.append((time.perf_counter() - started) * 1000)
        figures[key] = statistics.median(times)
        if kind == "case_file":
            figures["casefile_pages"] = rendered.pages
        log(f"{kind:<20} {figures[key]:8.1f} ms warm median of {repeats}  ({rendered.pages} pages, "
            f"{len(rendered.pdf) / 1024:.0f} KB)")

    verdict = "met" if figures["notice_ms"] < NOTICE_TARGET_MS else "NOT met (is the machine busy?)"
    log(f"one-page notice target < {NOTICE_TARGET_MS} ms warm: {verdict}")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        in_transaction(runtime, issue_now, full, "acceptance_notice", actor="intake", scope=true())
        times.append((time.perf_counter() - started) * 1000)
    figures["issue_ms"] = statistics.median(times)
    log(f"issuing a document (number + snapshot, committed): {figures['issue_ms']:.1f} ms median")
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
