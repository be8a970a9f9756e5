"""Runs ledger exports off the request: one background thread per export, after the request that
asked for it has committed the job row. The thread's transactions are its own
(engine/ledger/exports.run_export); the request keeps its one write transaction."""
from __future__ import annotations

import threading

from flask import Flask, current_app

from engine.ledger.exports import run_export
from engine.storage import LEDGER, FileStore
from webapp import background
from webapp.files import file_store
from webapp.runtime import runtime_of

KIND = "ledger-export"


def export_folder(app: Flask | None = None) -> FileStore:
    return file_store(LEDGER, app)


def start(export_id: int) -> threading.Thread:
    app = current_app._get_current_object()
    runtime = runtime_of(app)
    return background.start(KIND, export_id, run_export, runtime.db, export_id, folder=export_folder(app),
                            tz=runtime.timezone, clock=runtime.clock)


def wait(app: Flask, export_id: int, timeout: float | None = None) -> None:
    """Join an export's thread (tests, and a clean shutdown); nothing if it is not running here."""
    background.wait(app, KIND, export_id, timeout)
