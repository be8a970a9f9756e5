"""Runs ledger exports off the request: one background thread per export, after the request that
asked for it has committed the job row. The thread's transactions are its own
(engine/ledger/exports.run_export); the request keeps its one write transaction."""
from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app

from engine.ledger.exports import ledger_dir, run_export
from webapp.runtime import runtime_of

_THREADS = "greenloop_ledger_threads"


def export_folder(app: Flask | None = None) -> Path:
    app = app or current_app
    # Tests (and unusual deployments) may put generated files elsewhere than the data folder.
    configured = app.config.get("LEDGER_DIR")
    return Path(configured) if configured else ledger_dir(app.config["GREENLOOP_SETTINGS"].data_dir)


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
