"""Runs a calendar change's job (engine/calendar/jobs.py) off the request: one background thread
after the request that changed the day has committed it. Its batches are transactions of their
own; if the process stops midway, the job loop carries on from the last batch
(engine/jobs/worker.py)."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from engine.calendar.jobs import run_job
from webapp import background
from webapp.runtime import runtime_of

log = logging.getLogger(__name__)
KIND = "calendar-job"


def _run(runtime, job_id: int) -> None:
    try:
        run_job(runtime, job_id)
    except Exception:  # the job loop retries the batch that failed; nothing else to do here
        log.exception("calendar job %s stopped; the job loop will carry on", job_id)


def start(job_id: int) -> threading.Thread:
    return background.start(KIND, job_id, _run, runtime_of(current_app._get_current_object()), job_id)


def wait(app: Flask, job_id: int, timeout: float | None = None) -> None:
    """Join a job's thread (tests); nothing if it is not running here."""
    background.wait(app, KIND, job_id, timeout)
