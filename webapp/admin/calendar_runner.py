"""Runs a calendar change's job (engine/calendar/jobs.py) off the request: one background thread
after the request that changed the day has committed it. Its batches are transactions of their
own; if the process stops midway, the timer worker's tick carries on from the last batch."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from engine.calendar.jobs import run_job
from webapp.runtime import runtime_of

log = logging.getLogger(__name__)
_THREADS = "greenloop_calendar_threads"


def _run(runtime, job_id: int) -> None:
    try:
        run_job(runtime, job_id)
    except Exception:  # the worker retries the batch that failed; nothing else to do here
        log.exception("calendar job %s stopped; the worker will carry on", job_id)


def start(job_id: int) -> threading.Thread:
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run, args=(runtime_of(app), job_id), name=f"calendar-job-{job_id}",
                              daemon=True)
    app.extensions.setdefault(_THREADS, {})[job_id] = thread
    thread.start()
    return thread


def wait(app: Flask, job_id: int, timeout: float | None = None) -> None:
    """Join a job's thread (tests); nothing if it is not running here."""
    thread = app.extensions.get(_THREADS, {}).get(job_id)
    if thread is not None:
        thread.join(timeout)
