"""The file stores the web app reads and writes (engine/storage): one per folder of the
installation's store, built once per app."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from engine.storage import ATTACHMENTS, DOCUMENTS, FileStore, LocalStore, store_for


def init_app(app: Flask) -> None:
    app.extensions["greenloop_store"] = store_for(app.config["GREENLOOP_SETTINGS"])


def file_store(folder: str, app: Flask | None = None) -> FileStore:
    """The store of ``folder`` (attachments | documents | ledger). Tests (and unusual deployments)
    may point one at a folder of its own: ATTACHMENTS_DIR, DOCUMENTS_DIR, LEDGER_DIR."""
    app = app or current_app
    configured = app.config.get(f"{folder.upper()}_DIR")
    if configured:
        return LocalStore(Path(configured))
    return app.extensions["greenloop_store"].child(folder)


def attachments_root() -> FileStore:
    return file_store(ATTACHMENTS)


def documents_root() -> FileStore:
    return file_store(DOCUMENTS)
