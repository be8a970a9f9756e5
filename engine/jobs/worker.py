"""The job loop of `greenloop worker`: side work that used to ride on the timer tick.

A round issues the periodic reports due, mails notifications (at once, and the daily digests),
sends the SMS outbox, renders pending documents and reports, a batch at a time, and carries on a
working-calendar change's recomputation by one batch. Each job is
claimed, done and marked in one transaction (engine/notify/mail.py, engine/sms/send.py,
engine/core/backlog.py), so a loop killed mid-job leaves it unmarked for the next round or
another loop, and a job marked done is never done again: a mail is marked sent in the
transaction that sent it, a document keeps the number it was issued with. (A mail the server took
just before the process died, uncommitted, goes again: at least once, never twice after a commit.)

A round that did something is followed at once by the next; an idle loop waits for its poll
interval. APScheduler runs the rounds (engine/core/scheduler.py), in a thread of their own: nothing
here delays a timer, the timer loop (engine/timers/worker.py) is another job of the scheduler.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from documents.storage import render_backlog as render_documents
from engine.calendar.jobs import continue_jobs as continue_calendar_job
from engine.core.config import load_settings
from engine.core.runtime import Runtime
from engine.core.scheduler import ScheduledLoop
from engine.notify.mail import send_daily_digests
from engine.notify.mail import send_pending as send_mail
from engine.reports.issue import issue_due
from engine.reports.storage import render_backlog as render_reports
from engine.sms.send import send_pending as send_sms

log = logging.getLogger(__name__)


class JobWorker(ScheduledLoop):
    DONE = "did %d job(s)"
    JOB_ID = "greenloop-jobs"

    def __init__(self, runtime: Runtime, poll_seconds: float = 5.0, batch: int = 10,
                 smtp_url: str | None = None, digest_hour: int | None = None):
        self.runtime = runtime
        settings = load_settings()
        # Mail goes only when a mail server is configured: at once, and the daily digests once the
        # engine clock has reached the digest hour.
        self.smtp_url = settings.smtp_url if smtp_url is None else smtp_url
        self.digest_hour = settings.mail_digest_hour if digest_hour is None else digest_hour
        self.poll = poll_seconds
        self.batch = batch  # documents rendered per round: mail and SMS get a turn between batches
        self.done_total = 0

    def run_once(self) -> int:
        """One round of every kind of job; returns how many jobs were done. Never raises."""
        done = self._guarded("issuing periodic reports", lambda: len(issue_due(self.runtime)))
        if self.smtp_url:
            done += self._guarded("sending notification e-mail", lambda: send_mail(self.runtime, self.smtp_url))
            done += self._guarded("sending daily digests",
                                  lambda: send_daily_digests(self.runtime, self.smtp_url, self.digest_hour))
        done += self._guarded("sending text messages", lambda: send_sms(self.runtime))
        done += render_documents(self.runtime, limit=self.batch)  # never raises
        done += render_reports(self.runtime)  # never raises
        # A calendar change's next batch (engine/calendar/jobs.py): a change whose thread died
        # with its process still finishes.
        done += self._guarded("continuing a calendar job", lambda: continue_calendar_job(self.runtime, batches=1))
        self.done_total += done
        return done

    @staticmethod
    def _guarded(what: str, job: Callable[[], int]) -> int:
        try:
            return job()
        except Exception:  # one kind of job failing (a database hiccup) must not stop the others
            log.exception("%s failed", what)
            return 0

    def poll_seconds(self) -> float:
        return self.poll

    def attach(self, scheduler) -> None:
        super().attach(scheduler)
        log.info("job worker started (poll %ss)", self.poll)

    def round(self) -> float:
        return 0.0 if self.run_once() else self.poll
