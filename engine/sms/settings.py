"""The administrator's SMS gateway setting, one JSON row of the ``setting`` table; every change is
an audit event.

Kinds: ``off`` (nothing is queued), ``log`` (development and tests: messages are marked sent in the
outbox table and logged with the phone masked, nothing leaves the machine) and ``http`` (a URL,
method, headers and body template with the placeholders of engine/sms/template.py — enough for the
common Chinese SMS providers' HTTP APIs).

The gateway URL is chosen by an administrator only and every change is audited: the server will
send a request to whatever address is entered (docs/security.md, "SMS gateway"). Only http(s)
addresses are accepted and redirects are not followed (engine/sms/gateway.py).

``secret`` (an API key or password, used through the ``{secret}`` placeholder) is never shown back:
the page says whether one is set, and an empty field keeps it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from engine.core import reference_cache, settings_row
from engine.core.errors import FormInvalid
from engine.models import AuditEvent
from engine.models.documents import Setting

KEY = "sms"
KINDS = ("off", "log", "http")
METHODS = ("POST", "GET")
LIMITS = {"sign": 20, "public_url": 300, "url": 1000, "headers": 2000, "body": 4000, "secret": 500}
SECRET_SHOWN = "********"


@dataclass(frozen=True)
class SmsSettings:
    kind: str = "off"
    sign: str = ""  # the signature the provider requires, e.g. 【某县生态环境局】
    public_url: str = ""  # the public portal's address as complainants reach it, for links
    url: str = ""
    method: str = "POST"
    headers: str = ""  # one "Name: value" a line
    body: str = ""
    secret: str = ""

    @property
    def enabled(self) -> bool:
        return self.kind in ("log", "http")


def load(session: Session) -> SmsSettings:
    # Asked by every engine step (engine/sms/outbox.py): kept until a setting changes.
    return reference_cache.cached(session, "setting", KEY, lambda: _read(session))


def _read(session: Session) -> SmsSettings:
    row = session.get(Setting, KEY)
    value = row.value if row is not None else {}
    known = {k: str(v) for k, v in value.items() if k in SmsSettings.__dataclass_fields__ and v is not None}
    return SmsSettings(**known)


def header_lines(headers: str) -> list[tuple[str, str]]:
    """The header template's (name, value) pairs; a line without a colon is refused."""
    pairs = []
    for line in headers.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or any(c in name for c in " \t\r\n"):
            raise ValueError(line)
        pairs.append((name.strip(), value.strip()))
    return pairs


def validate(new: SmsSettings) -> SmsSettings:
    """Clean and check the settings; FormInvalid names each bad field (zh/en)."""
    new = replace(new, **{k: (getattr(new, k) or "").strip() if k != "body" else (new.body or "")
                          for k in LIMITS}, method=(new.method or "POST").upper())
    errors: dict[str, list[str]] = {}
    if new.kind not in KINDS:
        errors["kind"] = ["请选择发送方式 (choose off, log or http)"]
    for name, limit in LIMITS.items():
        if len(getattr(new, name)) > limit:
            errors[name] = [f"不能超过 {limit} 个字符 (at most {limit} characters)"]
    if new.public_url and urlsplit(new.public_url).scheme not in ("http", "https"):
        errors["public_url"] = ["须以 http:// 或 https:// 开头 (must start with http:// or https://)"]
    if new.kind == "http":
        parts = urlsplit(new.url.replace("{", "").replace("}", ""))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["url"] = ["短信网关地址须以 http:// 或 https:// 开头 (the gateway URL must be http:// or https://)"]
        if new.method not in METHODS:
            errors["method"] = ["请求方式须为 POST 或 GET (method must be POST or GET)"]
        if "{text}" not in new.url + new.body + new.headers:
            errors["body"] = ["模板须包含 {text} (the template must contain {text})"]
        if "{phone}" not in new.url + new.body + new.headers:
            errors.setdefault("body", []).append("模板须包含 {phone} (the template must contain {phone})")
    try:
        header_lines(new.headers)
    except ValueError as err:
        errors["headers"] = [f"每行一个“名称: 值”：{str(err)[:60]} (one 'Name: value' a line)"]
    if errors:
        raise FormInvalid(errors)
    return new


def save(session: Session, runtime, new: SmsSettings, *, actor: str) -> SmsSettings:
    """Store the settings (in the caller's transaction) and audit what changed, the secret only as
    "changed". An empty ``secret`` keeps the stored one."""
    now = runtime.now()
    old = load(session)
    if not new.secret:
        new = replace(new, secret=old.secret)
    new = validate(new)
    changed = settings_row.store(session, KEY, asdict(old), asdict(new), actor=actor, now=now)
    if "secret" in changed:
        changed["secret"] = [SECRET_SHOWN if old.secret else "", SECRET_SHOWN]
    if changed:
        session.add(AuditEvent(case_id=None, at=now, actor=actor, kind="setting_changed",
                               detail={"setting": KEY, "changed": changed}))
    return new
