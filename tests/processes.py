"""Child processes of the multi-process tests (worker processes, two-node cluster): each runs
with its output in a log file, shown in a failure's message, and all are stopped at the end."""
from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path


def tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def stop_all(procs: Iterable[subprocess.Popen]) -> None:
    """Ask each running process to stop, then kill those that have not after 10 s."""
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
