"""Runs ledger exports off the request: one background thread per export, after the request that
asked for it has committed the job row. The thread's transactions are its own
(engine/ledger/exports.run_export); the request keeps its one write transaction."""
from __future__ import annotations

import threading

from flask import Flask, current_app

from engine.ledger.exports import run_export
from engine.storage import LEDGER, FileStore
from webapp.files import file_store
from webapp.runtime import runtime_of

_THREADS = "greenloop_ledger_threads"


def export_folder(app: Flask | None = None) -> FileStore:
    return file_store(LEDGER, app)


def start(export_id: int) -> threading.Thread:
    app = current_app._get_current_object()
    runtime = runtime_of(app)
    thread = threading.Thread(target=run_export, args=(runtime.db, export_id), name=f"ledger-export-{export_id}",
                              kwargs={"folder": export_folder(app), "tz": runtime.timezone, "clock": runtime.clock},
                              daemon=True)
    app.extensions.setdefault(_THREADS, {})[export_id] = thread
    thread.start()
    return thread


def wait(app: Flask, export_id: int, timeout: float | None = None) -> None:
    """Join an export's thread (tests, and a clean shutdown); nothing if it is not running here."""
    thread = app.extensions.get(_THREADS, {}).get(export_id)
    if thread is not None:
        thread.join(timeout)
