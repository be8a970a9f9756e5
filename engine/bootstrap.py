"""The composition root: the one place that wires settings, database, clock and the domain
packages into a runtime (docs/architecture.md).

The runtime (engine/core) knows no domain; here it is lent what a diagram may call (deadlines,
the case's lifecycle and escalation, a leader's reminders, the 12345 norms), the working calendar, and what follows every step
(a new case's number, then notifications, then case documents, then an enforcement case a
violation found opens, then the text messages, which read the step's notifications).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from documents import issue as document_issue
from engine.calendar.deadlines import deadline_functions
from engine.calendar.store import kept_calendar
from engine.cases import numbering
from engine.cases.escalation import escalation_functions
from engine.cases.lifecycle import case_functions
from engine.cases.norms import norms_functions
from engine.cases.recurrence import recurrence_functions
from engine.core.clock import Clock, clock_from_env
from engine.core.config import Settings, load_settings
from engine.core.db import Database
from engine.core.runtime import Bindings, Runtime
from engine.core.step_context import StepContext
from engine.enforcement import start as enforcement_start
from engine.enforcement.agency import agency_functions
from engine.enforcement.functions import enforcement_functions
from engine.enterprises.functions import positive_list_functions
from engine.inspections.functions import inspection_functions
from engine.leadership.reminders import leadership_functions
from engine.measures import summary as measures_summary
from engine.notify import rules as notification_rules
from engine.patrol.functions import patrol_functions
from engine.rectification.functions import rectification_functions
from engine.reinspection.functions import reinspection_functions
from engine.selfcheck.functions import selfcheck_functions
from engine.sms import outbox as sms_outbox
from engine.timers import wake as timer_wake


def diagram_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    """Everything a diagram's scripts, conditions and timer expressions may call."""
    return {**deadline_functions(ctx), **case_functions(ctx), **escalation_functions(ctx), **norms_functions(ctx),
            **rectification_functions(ctx), **leadership_functions(ctx), **recurrence_functions(ctx),
            **reinspection_functions(ctx), **patrol_functions(ctx), **enforcement_functions(ctx),
            **agency_functions(ctx), **positive_list_functions(ctx), **selfcheck_functions(ctx),
            **inspection_functions(ctx)}


# The working calendar, kept per process until an administrator changes it (kept_calendar).
BINDINGS = Bindings(functions=diagram_functions, calendar=kept_calendar,
                    after_step=(numbering.from_step, notification_rules.from_step, document_issue.from_step, enforcement_start.from_step,
                                sms_outbox.from_step))


def build_runtime(db: Database, clock: Clock | None = None, timezone: str = "Asia/Shanghai") -> Runtime:
    # The statistics' monthly summary follows every change to a case, in this process's zone.
    measures_summary.maintain(timezone)
    # A step that brings a timer near wakes the worker at its commit (PostgreSQL).
    timer_wake.maintain()
    return Runtime(db, clock, timezone, BINDINGS)


def make_runtime(settings: Settings | None = None, clock: Clock | None = None) -> Runtime:
    settings = settings or load_settings()
    if settings.database_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return build_runtime(Database(settings.database_url), clock or clock_from_env(), settings.timezone)
