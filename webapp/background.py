"""Work a request hands to a thread of its own after committing the row that describes it (a
ledger export, a calendar change's recomputation): the thread's transactions are its own, the
request keeps its one write transaction. Threads are kept per app and kind so that tests (and a
clean shutdown) can wait for one."""
from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask, current_app

_THREADS = "greenloop_background_threads"


def start(kind: str, key: int, target: Callable[..., object], *args, **kwargs) -> threading.Thread:
    app = current_app._get_current_object()
    thread = threading.Thread(target=target, args=args, kwargs=kwargs, name=f"{kind}-{key}", daemon=True)
    app.extensions.setdefault(_THREADS, {})[(kind, key)] = thread
    thread.start()
    return thread


def wait(app: Flask, kind: str, key: int, timeout: float | None = None) -> None:
    """Join a thread started here; nothing if it is not running in this process."""
    thread = app.extensions.get(_THREADS, {}).get((kind, key))
    if thread is not None:
        thread.join(timeout)
