"""The job loop of `greenloop worker`: side work that used to ride on the timer tick.

A round issues the periodic reports due, mails notifications (at once, and the daily digests),
sends the SMS outbox, renders pending documents and reports, a batch at a time, and carries on a
working-calendar change's recomputation by one batch. Each job is
claimed, done and marked in one transaction (engine/notify/mail.py, engine/sms/send.py,
engine/core/backlog.py), so a loop killed mid-job leaves it unmarked for the next round or
another loop, and a job marked done is never done again: a mail is marked sent in the
transaction that sent it, a document keeps the number it was issued with. (A mail the server took
just before the process died, uncommitted, goes again: at least once, never twice after a commit.)

A round that did something is followed at once by the next; an idle loop sleeps for its poll
interval. Nothing here delays a timer: the timer loop (engine/timers/worker.py) runs apart.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from documents.storage import render_backlog as render_documents
from engine.calendar.jobs import continue_jobs as continue_calendar_job
from engine.core.config import load_settings
from engine.core.runtime import Runtime
from engine.notify.mail import send_daily_digests
from engine.notify.mail import send_pending as send_mail
from engine.reports.issue import issue_due
from engine.reports.storage import render_backlog as render_reports
from engine.sms.send import send_pending as send_sms

log = logging.getLogger(__name__)


class JobWorker:
    DONE = "did %d job(s)"

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
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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

    def run(self) -> None:
        log.info("job worker started (poll %ss)", self.poll)
        while not self._stop.is_set():
            self.wake.clear()
            if self.run_once() == 0:
                self.wake.wait(self.poll)

    def start_background(self) -> JobWorker:
        self._thread = threading.Thread(target=self.run, name="greenloop-jobs", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        # A job under way finishes (its own transaction) before the loop ends.
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=120)
