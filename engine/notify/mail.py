"""Notifications by e-mail, sent by the timer worker: a nudge, while the bell keeps everything."""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.core.timefmt import local_time
from engine.models import Case, Notification, User

log = logging.getLogger(__name__)

# E-mail is a nudge; the bell keeps everything. Older news is not mailed (a demo database or a
# long mail outage would otherwise flood every inbox at once).
MAIL_MAX_AGE = timedelta(days=3)
DEFAULT_SENDER = "greenloop <noreply@greenloop.local>"


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


def build_email(row: Notification, user: User, case: Case | None, sender: str, tz: ZoneInfo) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"【greenloop】{row.title}"
    msg["From"] = sender
    msg["To"] = Address(display_name=user.display_name, addr_spec=user.email)
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = make_msgid(idstring=f"n{row.id}", domain="greenloop.local")
    lines = [f"{user.display_name}，您好：", "", row.title]
    if row.body:
        lines.append(row.body)
    if case is not None:
        lines += ["", f"案件编号：{case.number}", f"案件标题：{case.title}"]
    lines += [f"通知时间：{local_time(row.created_at, tz)}", "", "请登录 greenloop 查看和办理。",
              "（本邮件由系统自动发送，请勿直接回复。）"]
    msg.set_content("\n".join(lines))
    return msg


def send_pending(runtime, smtp_url: str, limit: int = 200, max_age: timedelta = MAIL_MAX_AGE) -> int:
    """Mail every unsent notification of a person with an e-mail address; returns how many went.

    Each message is claimed, sent and marked in its own transaction (FOR UPDATE SKIP LOCKED, so
    several workers never send one twice). A refused message stays unsent and is tried again on
    the next call; a server that cannot be reached ends this round.
    """
    target = parse_smtp_url(smtp_url)
    tz = ZoneInfo(runtime.timezone)
    cutoff = runtime.now() - max_age
    smtp: smtplib.SMTP | None = None
    sent = attempts = 0
    after_id = 0
    try:
        while attempts < limit:
            with runtime.db.write() as session:
                found = session.execute(
                    select(Notification, User)
                    .join(User, User.id == Notification.user_id)
                    .where(Notification.emailed_at.is_(None), Notification.id > after_id,
                           Notification.created_at >= cutoff, User.active.is_(True),
                           User.email.is_not(None), User.email != "")
                    .order_by(Notification.id).limit(1)
                    .with_for_update(skip_locked=True, of=Notification)
                ).first()
                if found is None:
                    break
                row, user = found
                after_id = row.id
                attempts += 1
                case = session.get(Case, row.case_id) if row.case_id else None
                message = build_email(row, user, case, target.sender, tz)
                if smtp is None:
                    smtp = _connect(target)
                try:
                    smtp.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as err:
                    log.warning("mail for notification %s to %s refused, will retry: %s", row.id, user.email, err)
                    continue
                row.emailed_at = runtime.now()
                sent += 1
    except (OSError, smtplib.SMTPException) as err:
        # Includes connection refused and a dropped connection; nothing unsent was marked.
        log.warning("mail server %s:%s unavailable, %s sent this round, rest retried later: %s",
                    target.host, target.port, sent, err)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return sent
