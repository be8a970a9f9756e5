"""Make SpiffWorkflow's timer events read greenloop's clock.

SpiffWorkflow 3.2 evaluates timers with ``datetime.now(timezone.utc)`` inside its timer module
and offers no clock hook, so the module's ``datetime`` name is replaced by a subclass whose
``now()`` asks the clock of the step being run. Everything else about datetime is unchanged.
"""
from __future__ import annotations

from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

from engine.core.clock import current_clock


class _ClockDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        current = current_clock().now()
        return current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)

    @classmethod
    def utcnow(cls):
        return current_clock().now().astimezone(timezone.utc).replace(tzinfo=None)


def install() -> None:
    if _spiff_timer.datetime is not _ClockDatetime:
        _spiff_timer.datetime = _ClockDatetime


install()
