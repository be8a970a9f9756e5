"""The SMS gateway template cannot be made to read the program's settings, a complainant's words
cannot pull the secret into a message, and the gateway address cannot be turned elsewhere
(docs/security.md, "SMS gateway")."""
import json

import pytest

from engine.core.errors import FormInvalid
from engine.sms import gateway
from engine.sms.settings import SmsSettings, validate
from engine.sms.template import build_request
from tests.engine.sms.http_sink import HttpSink

JSON = "Content-Type: application/json"


@pytest.mark.parametrize("field", ["{text.__class__.__init__.__globals__}", "{0.__class__}", "{secret!r}",
                                   "{phone.__len__}", "{settings}", "%(secret)s", "{secret.upper}"])
def test_only_the_four_placeholders_are_filled(field):
    s = SmsSettings(kind="http", url="http://gw.example/send", headers=JSON, secret="S3CRET",
                    body='{"to": "{phone}", "text": "{text}", "x": "' + field + '"}')
    body = build_request(s, "13800000000", "hi").body.decode()
    assert field in body and "S3CRET" not in body


def test_a_complainants_words_cannot_pull_in_the_secret():
    s = SmsSettings(kind="http", url="http://gw.example/send?key={secret}", headers=JSON, secret="S3CRET",
                    body='{"text": "{text}"}')
    req = build_request(s, "13800000000", "标题 {secret} {sign}")
    assert json.loads(req.body) == {"text": "标题 {secret} {sign}"}
    assert req.url.endswith("key=S3CRET")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:6379/", "ftp://x/", "/relative",
                                 "javascript:alert(1)"])
def test_only_http_gateways_are_accepted(url):
    with pytest.raises(FormInvalid) as refused:
        validate(SmsSettings(kind="http", url=url, body="{phone}{text}"))
    assert "url" in refused.value.errors


def test_redirects_are_not_followed():
    with HttpSink() as target, HttpSink() as redirector:
        original = redirector.server.RequestHandlerClass._answer

        def redirect(handler):
            redirector.requests.append(handler.path)
            handler.send_response(302)
            handler.send_header("Location", target.url + "/stolen?key=S3CRET")
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        redirector.server.RequestHandlerClass.do_POST = redirect
        s = SmsSettings(kind="http", url=redirector.url + "/send?key={secret}", headers=JSON, secret="S3CRET",
                        body='{"to": "{phone}", "text": "{text}"}')
        with pytest.raises(gateway.GatewayError, match="HTTP 302"):
            gateway.send(s, "13800000000", "hi", timeout=5)
        assert target.requests == [] and len(redirector.requests) == 1
        assert original
