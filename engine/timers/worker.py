"""`greenloop worker`: an APScheduler loop that fires due timers and sleeps until the next one.

APScheduler only does the waking up; its job store lives in memory and is never shared between
processes (its FAQ: job stores cannot be shared). What is due is read from the database rows.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from documents.storage import render_backlog
from engine.calendar.jobs import continue_in_worker as continue_calendar_job
from engine.core.config import load_settings
from engine.core.runtime import Runtime
from engine.notify.mail import send_daily_digests, send_pending
from engine.reports.issue import issue_due
from engine.reports.storage import render_backlog as render_reports
from engine.sms.send import send_pending as send_sms
from engine.patrol.schedule import start_due_patrols
from engine.timers.fire import earliest_due, fire_due

log = logging.getLogger(__name__)
JOB_ID = "greenloop-timers"


class TimerWorker:
    def __init__(self, runtime: Runtime, poll_seconds: float = 10.0, batch: int = 500,
                 smtp_url: str | None = None, digest_hour: int | None = None):
        self.runtime = runtime
        settings = load_settings()
        # Notifications are mailed from the worker tick, when a mail server is configured: at once,
        # and the daily digests once the engine clock has reached the digest hour.
        self.smtp_url = smtp_url or settings.smtp_url
        self.digest_hour = settings.mail_digest_hour if digest_hour is None else digest_hour
        self.poll = timedelta(seconds=poll_seconds)
        self.batch = batch
        self.scheduler: BlockingScheduler | BackgroundScheduler | None = None
        self.fired_total = 0

    def tick(self) -> int:
        try:
            # Patrols whose slot opened start first, so that their timers are in this tick's view.
            start_due_patrols(self.runtime)
            fired = fire_due(self.runtime, limit=self.batch)
        except Exception:  # a database outage must not kill the worker; try again next tick
            log.exception("timer tick failed")
            # Back off for a poll interval: the due instance is still due, and retrying at once
            # would spin as fast as the failure can be produced.
            self._schedule_next(more_waiting=False, failed=True)
            return 0
        self.fired_total += fired
        self._issue_reports()
        self._send_mail()
        self._send_sms()
        render_backlog(self.runtime)  # a few pending PDFs per tick, newest first; never raises
        render_reports(self.runtime)  # the reports just issued; never raises
        continue_calendar_job(self.runtime)  # a calendar change's next batch (engine/calendar/jobs.py); never raises
        self._schedule_next(more_waiting=fired >= self.batch)
        return fired

    def _issue_reports(self) -> None:
        try:
            issue_due(self.runtime)  # each report in a transaction of its own, exactly once
        except Exception:  # a report must never stop the timers; what is still due is tried next tick
            log.exception("issuing periodic reports failed")

    def _send_mail(self) -> None:
        if not self.smtp_url:
            return
        try:
            send_pending(self.runtime, self.smtp_url)
            send_daily_digests(self.runtime, self.smtp_url, self.digest_hour)
        except Exception:  # mail must never stop the timers; unsent mail is retried next tick
            log.exception("sending notification e-mail failed")

    def _send_sms(self) -> None:
        try:
            send_sms(self.runtime)
        except Exception:  # like mail: text messages never stop the timers; unsent ones are retried
            log.exception("sending text messages failed")

    def _schedule_next(self, more_waiting: bool, failed: bool = False) -> None:
        if self.scheduler is None or not self.scheduler.running:
            return
        wall_now = datetime.now(timezone.utc)
        if failed:
            wake = wall_now + self.poll
        elif more_waiting:
            wake = wall_now
        else:
            due = earliest_due(self.runtime)
            # The engine clock may be set apart from the wall clock (tests, demos): sleep for the
            # engine-time distance to the next due timer, never longer than the poll interval.
            wait = self.poll if due is None else max(timedelta(0), min(self.poll, due - self.runtime.now()))
            wake = wall_now + wait + timedelta(milliseconds=5)
        self.scheduler.modify_job(JOB_ID, next_run_time=wake)

    def _add_job(self, scheduler) -> None:
        self.scheduler = scheduler
        scheduler.add_job(self.tick, "interval", seconds=self.poll.total_seconds(), id=JOB_ID,
                          max_instances=1, coalesce=True, next_run_time=datetime.now(timezone.utc))

    def run_forever(self) -> None:
        scheduler = BlockingScheduler(timezone=timezone.utc)
        self._add_job(scheduler)
        log.info("timer worker started (poll %ss)", self.poll.total_seconds())
        scheduler.start()

    def start_background(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone=timezone.utc, daemon=True)
        self._add_job(scheduler)
        scheduler.start()
        return scheduler

    def stop(self) -> None:
        # Waits for a tick under way: it finishes its step (one transaction each) rather than
        # writing on after whoever stopped the worker has moved on.
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
