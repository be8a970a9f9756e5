"""Handing one message to the configured gateway: the ``log`` sink (nothing leaves the machine) or
an HTTP request built from the administrator's template."""
from __future__ import annotations

import logging
import urllib.error
import urllib.request

from engine.cases.masking import mask_phone
from engine.sms.settings import SmsSettings
from engine.sms.template import TemplateError, build_request

log = logging.getLogger(__name__)
TIMEOUT = 10.0


class GatewayError(Exception):
    """The gateway did not take the message; it is tried again later."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A gateway answering with a redirect is an error: following it would let the answer choose
    # where the next request (with the secret) goes.
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def send(settings: SmsSettings, phone: str, text: str, timeout: float = TIMEOUT) -> None:
    if settings.kind == "log":
        # The text holds the complainant's tracking code: it stays in the outbox table, not the log.
        log.info("SMS (log gateway) to %s, %d characters", mask_phone(phone), len(text))
        return
    if settings.kind != "http":
        raise GatewayError(f"SMS gateway is {settings.kind!r}")
    try:
        req = build_request(settings, phone, text)
    except (TemplateError, ValueError) as err:
        raise GatewayError(f"template: {err}") from None
    request = urllib.request.Request(req.url, data=req.body, headers=req.headers, method=req.method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except (urllib.error.URLError, OSError) as err:
        raise GatewayError(f"unreachable: {getattr(err, 'reason', err)}") from None
    if status >= 300:
        raise GatewayError(f"HTTP {status}")
