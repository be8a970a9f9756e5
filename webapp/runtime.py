"""The engine runtime behind the app, and the request's one write transaction."""
from __future__ import annotations

from flask import Flask, current_app

from engine.core.runtime import Runtime


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["greenloop_runtime"]


def current_runtime() -> Runtime:
    """The engine runtime of the app handling the current request."""
    return runtime_of(current_app)


def transaction():
    """The request's one write transaction (docs/architecture.md, transactions): every service a
    view calls to change something takes this session; it commits when the block ends and rolls
    back (undoing files written for it) on any exception."""
    return current_runtime().db.write()
