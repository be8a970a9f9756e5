"""A one-line progress bar on the terminal for `greenloop demo` (engine/demo.py's ``Progress``).

On a terminal the line is redrawn in place at most a few times a second; into a file or a pipe
(./scripts/run.sh under a service manager, a CI log) it prints a plain line every tenth instead,
so logs do not fill with carriage returns.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_EVERY = 0.2  # seconds


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None, clock=time.monotonic):
        self.label = label
        self.stream = stream or sys.stderr
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.tenths_shown = -1
        self.live = self.stream.isatty()

    def __call__(self, done: float, total: float, cases: int) -> None:
        share = min(max(done / total, 0.0), 1.0) if total else 1.0
        finished = share >= 1.0
        now = self.clock()
        if self.live:
            if not finished and self.drawn_at is not None and now - self.drawn_at < REDRAW_EVERY:
                return
            self.drawn_at = now
            self.stream.write("\r" + self.line(share, done, total, cases, now) + ("\n" if finished else ""))
        else:
            tenths = int(share * 10)
            if tenths == self.tenths_shown:
                return
            self.tenths_shown = tenths
            self.stream.write(self.line(share, done, total, cases, now) + "\n")
        self.stream.flush()

    def line(self, share: float, done: float, total: float, cases: int, now: float) -> str:
        filled = round(share * WIDTH)
        elapsed = now - self.started
        left = f", about {elapsed / share - elapsed:.0f} s left" if 0.02 < share < 1 else ""
        return (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%}  "
                f"day {done:.0f}/{total:.0f}, {cases} cases, {elapsed:.0f} s{left}")
