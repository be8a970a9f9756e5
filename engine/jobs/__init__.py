"""Side work off the timer path: the job loop that renders pending documents and reports, issues
the periodic reports due, mails notifications and sends text messages (engine/jobs/worker.py).
Each kind of job is a row already kept for it — a document or report ``pending``, a notification
not yet e-mailed, an SMS in the outbox — claimed one at a time (FOR UPDATE SKIP LOCKED on
PostgreSQL), so any number of job loops may share one database.

May import: engine.core, engine.notify, engine.sms, engine.reports, engine.calendar, documents.
"""
