"""The job loop (engine/jobs/worker.py): pending documents rendered by two loops at once, each by
one of them; a loop killed in the middle of a render leaves the document for the next one."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from documents.storage import render_backlog
from engine.core.config import REPO_ROOT
from engine.jobs.worker import JobWorker
from engine.models.documents import Document


@pytest.fixture
def dirs(tmp_path):
    return {"documents_dir": tmp_path / "documents", "attachments_dir": tmp_path / "attachments"}


def pending_documents(env, cases: int) -> list[int]:
    """``cases`` accepted cases: each has its acceptance notice issued, pending."""
    for _ in range(cases):
        env.complete(env.register(), "receive", {"decision": "accept"}, actor="intake")
    with env.db.read() as s:
        ids = list(s.scalars(select(Document.id).where(Document.status == "pending")))
    assert len(ids) >= cases
    return ids


def statuses(env) -> dict[int, str]:
    with env.db.read() as s:
        return {row_id: status for row_id, status in s.execute(select(Document.id, Document.status))}


def test_two_job_loops_render_every_pending_document_once(env, dirs):
    ids = pending_documents(env, 4)
    start = threading.Barrier(2)

    def loop() -> int:
        start.wait()
        return render_backlog(env.runtime, limit=len(ids), **dirs)

    with ThreadPoolExecutor(2) as pool:
        counts = [f.result() for f in [pool.submit(loop), pool.submit(loop)]]
    # A document rendered by both loops would be counted by both (the second one's file is thrown
    # away, documents/storage.py), so the sum says each was rendered exactly once.
    assert sum(counts) == len(ids)
    assert set(statuses(env).values()) == {"rendered"}
    stored = sorted(p.name for p in dirs["documents_dir"].rglob("*.pdf"))
    assert len(stored) == len(ids)


KILLED_LOOP = """
import sys, time
from engine.bootstrap import build_runtime
from engine.core.backlog import render_pending
from engine.core.db import Database
from engine.models.documents import Document

def render(document_id, claimed):
    print(document_id, flush=True)
    time.sleep(600)  # a render that never ends: the process is killed here

render_pending(build_runtime(Database(sys.argv[1])), Document, (Document.id,), 1, render,
               lambda *args: None, "document")
"""


def test_a_job_loop_killed_in_the_middle_of_a_render_leaves_the_document_to_the_next(env, dirs):
    ids = pending_documents(env, 2)
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_LOOP, env.db.url], cwd=REPO_ROOT, text=True,
                            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=path))
    try:
        claimed = int(proc.stdout.readline())  # the loop has claimed it and is rendering
        assert claimed == min(ids)
        if env.db.is_postgres:
            # Its lock is held: another loop takes the other documents and leaves this one alone.
            assert render_backlog(env.runtime, limit=10, **dirs) == len(ids) - 1
            assert statuses(env)[claimed] == "pending"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    # Killed: its transaction and its lock went with it, nothing was stored, and the next round
    # renders the document.
    assert statuses(env)[claimed] == "pending"
    assert render_backlog(env.runtime, limit=10, **dirs) == (1 if env.db.is_postgres else len(ids))
    assert set(statuses(env).values()) == {"rendered"}
    assert render_backlog(env.runtime, limit=10, **dirs) == 0


def test_the_job_loop_thread_works_through_a_backlog_and_stops(env, dirs, monkeypatch):
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(dirs["documents_dir"].parent))
    ids = pending_documents(env, 3)
    worker = JobWorker(env.runtime, poll_seconds=3600, batch=1, smtp_url="")
    worker.start_background()
    finished = threading.Event()
    # The loop goes on at once after a round that did something, so the whole backlog is done
    # long before the first poll interval ends.
    watcher = threading.Thread(target=lambda: _until(lambda: worker.done_total >= len(ids), finished), daemon=True)
    watcher.start()
    try:
        assert finished.wait(120)
    finally:
        worker.stop()
    assert set(statuses(env).values()) == {"rendered"}
    assert worker.done_total == len(ids)


def _until(condition, done: threading.Event) -> None:
    stop = threading.Event()
    while not condition():
        stop.wait(0.05)
    done.set()
