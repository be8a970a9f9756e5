"""Notifications by e-mail, sent by the worker's job loop (engine/jobs/worker.py): a nudge, while the bell keeps everything.

Each person chooses how often (engine/notify/preferences.py): every new or updated row at once
(``send_pending``), or their unread news in one message a day at the configured hour
(``send_daily_digests``), or never.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from engine.core.timefmt import local_time
from engine.models import Case, Notification, NotificationPreference, User
from engine.notify.delivery import is_digest
from engine.notify.preferences import DAILY, IMMEDIATELY

log = logging.getLogger(__name__)

# E-mail is a nudge; the bell keeps everything. Older news is not mailed (a demo database or a
# long mail outage would otherwise flood every inbox at once).
MAIL_MAX_AGE = timedelta(days=3)
DEFAULT_SENDER = "greenloop <noreply@greenloop.local>"
DIGEST_MAX_ITEMS = 100
_LATEST = func.coalesce(Notification.last_at, Notification.created_at)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False  # implicit TLS (smtps://)
    sender: str = DEFAULT_SENDER
    timeout: float = 10.0


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://host:port, smtp+starttls://user:pass@host:587, smtps://host:465; ?from=addr."""
    parts = urlsplit(url)
    schemes = {"smtp": (False, False, 25), "smtp+starttls": (True, False, 587), "smtps": (False, True, 465)}
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"GREENLOOP_SMTP_URL must look like smtp://host:port, got {url!r}")
    starttls, tls, default_port = schemes[parts.scheme]
    query = parse_qs(parts.query)
    return SmtpTarget(
        host=parts.hostname, port=parts.port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=starttls, tls=tls, sender=query.get("from", [DEFAULT_SENDER])[0],
        timeout=float(query.get("timeout", ["10"])[0]))


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    if target.tls:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
        if target.starttls:
            smtp.starttls(context=ssl.create_default_context())
    if target.username:
        smtp.login(target.username, target.password or "")
    return smtp


def _latest(row: Notification) -> datetime:
    return row.last_at or row.created_at


def _envelope(subject: str, user: User, sender: str, when: datetime, idstring: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"【greenloop】{subject}"
    msg["From"] = sender
    msg["To"] = Address(display_name=user.display_name, addr_spec=user.email)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(idstring=idstring, domain="greenloop.local")
    return msg


def build_email(row: Notification, user: User, case: Case | None, sender: str, tz: ZoneInfo) -> EmailMessage:
    # A row mailed again after a repeat is a new message: its id carries the count.
    msg = _envelope(row.title, user, sender, _latest(row), f"n{row.id}.{row.count}")
    lines = [f"{user.display_name}，您好：", "", row.title]
    if row.body:
        lines.append(row.body)
    if case is not None:
        lines += ["", f"案件编号：{case.number}", f"案件标题：{case.title}"]
    if row.count > 1 and not is_digest(row):
        lines.append(f"（同类通知共 {row.count} 条，首条于 {local_time(row.created_at, tz)}）")
    lines += [f"通知时间：{local_time(_latest(row), tz)}", "", "请登录 greenloop 查看和办理。",
              "（本邮件由系统自动发送，请勿直接回复。）"]
    msg.set_content("\n".join(lines))
    return msg


def build_digest_email(rows: list[Notification], user: User, sender: str, tz: ZoneInfo, now: datetime) -> EmailMessage:
    msg = _envelope(f"今日通知汇总：{len(rows)} 条未读", user, sender, now,
                    f"d{user.id}.{now.strftime('%Y%m%d%H%M')}")
    lines = [f"{user.display_name}，您好：", "", f"您有 {len(rows)} 条未读通知：", ""]
    for row in rows:
        lines.append(f"· {row.title}（{local_time(_latest(row), tz)}）")
        if row.body:
            lines.append(f"  {row.body}")
    lines += ["", "请登录 greenloop 查看和办理。可在“通知设置”中更改邮件频率。",
              "（本邮件由系统自动发送，请勿直接回复。）"]
    msg.set_content("\n".join(lines))
    return msg


def digest_moment(now: datetime, tz: ZoneInfo, hour: int) -> datetime:
    """The latest digest hour, local time, at or before ``now``."""
    local = now.astimezone(tz)
    moment = datetime.combine(local.date(), time(hour), tzinfo=tz)
    return moment if moment <= local else moment - timedelta(days=1)


class _Connection:
    """One SMTP connection per round, opened when the first message is ready."""

    def __init__(self, target: SmtpTarget):
        self.target = target
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = _connect(self.target)
        self.smtp.send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()


_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def _claim_and_send(runtime, target: SmtpTarget, limit: int, claim, deliver, counted: str) -> int:
    """Claim one item at a time in its own transaction with ``claim(session, after_id)`` (a row
    locked FOR UPDATE SKIP LOCKED, returned as ``(key, item)`` or None when none is left) and hand
    it to ``deliver(session, item, connection)``, which sends, marks and says whether a message
    went; returns how many went. At most ``limit`` items are tried; a server that cannot be
    reached ends the round (what it claimed stays unmarked, so it is tried again later)."""
    connection = _Connection(target)
    sent = attempts = 0
    after_id = 0
    try:
        while attempts < limit:
            with runtime.db.write() as session:
                found = claim(session, after_id)
                if found is None:
                    break
                after_id, item = found
                attempts += 1
                if deliver(session, item, connection):
                    sent += 1
    except (OSError, smtplib.SMTPException) as err:
        # Includes connection refused and a dropped connection; nothing unsent was marked.
        log.warning("mail server %s:%s unavailable, %s %s sent this round, rest retried later: %s",
                    target.host, target.port, sent, counted, err)
    finally:
        connection.close()
    return sent


def send_pending(runtime, smtp_url: str, limit: int = 200, max_age: timedelta = MAIL_MAX_AGE) -> int:
    """Mail every unsent notification of a person with an e-mail address who wants mail at once;
    returns how many went.

    Each message is claimed, sent and marked in its own transaction (FOR UPDATE SKIP LOCKED, so
    several workers never send one twice). A refused message stays unsent and is tried again on
    the next call; a server that cannot be reached ends this round.
    """
    target = parse_smtp_url(smtp_url)
    tz = ZoneInfo(runtime.timezone)
    cutoff = runtime.now() - max_age

    def claim(session, after_id):
        found = session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
            .where(Notification.emailed_at.is_(None), Notification.id > after_id,
                   _LATEST >= cutoff, User.active.is_(True),
                   User.email.is_not(None), User.email != "",
                   or_(NotificationPreference.email_frequency.is_(None),
                       NotificationPreference.email_frequency == IMMEDIATELY))
            .order_by(Notification.id).limit(1)
            .with_for_update(skip_locked=True, of=Notification)
        ).first()
        return None if found is None else (found[0].id, found)

    def deliver(session, found, connection) -> bool:
        row, user = found
        case = session.get(Case, row.case_id) if row.case_id else None
        try:
            connection.send(build_email(row, user, case, target.sender, tz))
        except _REFUSED as err:
            log.warning("mail for notification %s to %s refused, will retry: %s", row.id, user.email, err)
            return False
        row.emailed_at = runtime.now()
        return True

    return _claim_and_send(runtime, target, limit, claim, deliver, "messages")


def send_daily_digests(runtime, smtp_url: str, hour: int, limit: int = 200,
                       max_age: timedelta = MAIL_MAX_AGE) -> int:
    """Once the day's digest hour (local time) has come, mail each person who chose the daily
    digest their unread notifications that are new since their last digest, in one message;
    returns how many digests went.

    A person's turn is claimed with their preference row (FOR UPDATE SKIP LOCKED: several workers
    never send one digest twice) and ends with ``last_digest_at`` set, mail or none; a refused
    digest is tried again on the next tick, an unreachable server ends the round.
    """
    target = parse_smtp_url(smtp_url)
    tz = ZoneInfo(runtime.timezone)
    now = runtime.now()
    moment = digest_moment(now, tz, hour)

    def claim(session, after_id):
        found = session.execute(
            select(NotificationPreference, User)
            .join(User, User.id == NotificationPreference.user_id)
            .where(NotificationPreference.email_frequency == DAILY, NotificationPreference.user_id > after_id,
                   or_(NotificationPreference.last_digest_at.is_(None),
                       NotificationPreference.last_digest_at < moment),
                   User.active.is_(True), User.email.is_not(None), User.email != "")
            .order_by(NotificationPreference.user_id).limit(1)
            .with_for_update(skip_locked=True, of=NotificationPreference)
        ).first()
        return None if found is None else (found[1].id, found)

    def deliver(session, found, connection) -> bool:
        preference, user = found
        # Unread news not mailed yet, and digests grown since the last daily mail.
        news = Notification.emailed_at.is_(None)
        if preference.last_digest_at is not None:
            news = or_(news, _LATEST > preference.last_digest_at)
        rows = list(session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None),
                                       news, _LATEST >= now - max_age)
            .order_by(_LATEST.desc(), Notification.id.desc()).limit(DIGEST_MAX_ITEMS)))
        went = False
        if rows:
            try:
                connection.send(build_digest_email(rows, user, target.sender, tz, now))
            except _REFUSED as err:
                log.warning("daily digest to %s refused, will retry: %s", user.email, err)
                return False
            for row in rows:
                row.emailed_at = now
            went = True
        preference.last_digest_at = now
        return went

    return _claim_and_send(runtime, target, limit, claim, deliver, "digests")
