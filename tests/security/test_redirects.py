"""After sign-in, the language switch, claiming/releasing a task and reading a notification, the
browser goes to a path on this site and nowhere else, whatever ``next`` holds, and nothing in
``next`` produces a server error."""
from __future__ import annotations

import random

import pytest
from ada_url import URL

from tests.web.conftest import csrf_of
from webapp.redirects import MAX_LENGTH, safe_next

FALLBACK = "/fallback"

HOSTILE = [
    # plain other hosts
    "//evil.example", "//evil.example/", "///evil.example", "////evil.example", "https://evil.example",
    "http://evil.example/x", "HTTPS://evil.example", "ftp://evil.example",
    # backslashes: a slash for http(s) in every browser
    "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
    "/\\\\evil.example", "http:\\\\evil.example", "https:/\\evil.example",
    # control characters and spaces browsers drop or strip
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", "//\tevil.example",
    " //evil.example", "\x00//evil.example", "\x1f//evil.example", "//evil.example\x00", "/\r/evil.example",
    "ht\ttp://evil.example", "java\nscript:alert(1)", "\x01javascript:alert(1)",
    # schemes without slashes
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "javascript://%0aalert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "http:evil.example", "https:evil.example",
    "http:/evil.example", "mailto:x@evil.example",
    # credentials and authority tricks
    "//user@evil.example", "//greenloop.example@evil.example", "https://greenloop.example@evil.example/",
    "//evil.example:443", "//127.0.0.1", "//0x7f.1", "//[::1]/", "//evil.example%2F@greenloop.example",
    # paths that normalise into "//host"
    "/.//evil.example", "/..//evil.example", "/a/..//evil.example", "/%2e//evil.example", "/%2e%2e//evil.example",
    "/./\\evil.example", "/.\\/evil.example",
    # unicode look-alikes of "/" and "\" before a host, and the host's own tricks
    "//ｅｖｉｌ.example", "\uff0f\uff0fevil.example", "\u3000//evil.example", "\u00a0//evil.example",
    "\ufeff//evil.example", "//evil。example", "//evil.example\u2025",
    # not a path at all
    "evil.example", "evil.example/path", "@evil.example", "?next=//evil.example", "#//evil.example", "", " ",
    # too long
    "/" + "a" * MAX_LENGTH,
]

ACCEPTED = [
    ("/", "/"), ("/inbox?view=mine", "/inbox?view=mine"), ("/cases/7#timeline", "/cases/7#timeline"),
    ("/cases?q=%E5%BA%9F%E6%B0%94", "/cases?q=%E5%BA%9F%E6%B0%94"),
    # what browsers forgive is forgiven here too, and handed on in the form the browser would use
    ("  /inbox  ", "/inbox"), ("/in\tbox", "/inbox"), ("/a\\b", "/a/b"), ("/a/../inbox", "/inbox"),
    ("\\inbox", "/inbox"),  # one backslash: the browser's "/inbox"
    ("/%09/evil.example", "/%09/evil.example"),  # percent-encoded: a path segment, not a control
    ("/案件", "/%E6%A1%88%E4%BB%B6"), ("/ｅvil", "/%EF%BD%85vil"), ("/a b", "/a%20b"),
    ("/login?next=//evil.example", "/login?next=//evil.example"),  # a query, not a host
    ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_falls_back(target):
    assert safe_next(target, FALLBACK) == FALLBACK


@pytest.mark.parametrize(("target", "expected"), ACCEPTED)
def test_a_path_on_this_site_is_kept(target, expected):
    assert safe_next(target, FALLBACK) == expected


def stays_on_site(location: str) -> bool:
    """Whether a browser on one of our pages, following ``location``, stays on our host."""
    for page in ("https://greenloop.example/inbox", "http://greenloop.example/a/b/"):
        url = URL(location, page)
        if url.host != "greenloop.example" or url.protocol != page.split("//")[0] or url.username:
            return False
    return True


def test_whatever_is_given_the_answer_stays_on_the_site():
    pieces = ["/", "\\", "\t", "\n", "\r", " ", ".", "..", ":", "@", "%", "%2f", "%5c", "%09", "\x00", "\x0b",
              "\u3000", "\uff0f", "\uff3c", "\u2215", "?", "#", "http", "s", "javascript", "evil", "example", "。"]
    chooser = random.Random(20260302)
    for _ in range(20000):
        target = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 9)))
        answer = safe_next(target, FALLBACK)
        assert answer.startswith("/") and not answer.startswith("//"), repr(target)
        assert answer.isascii() and answer.isprintable() and " " not in answer, repr(target)
        assert stays_on_site(answer), repr(target)


@pytest.mark.parametrize("target", HOSTILE + [t for t, _ in ACCEPTED] + ["/x\r\nLocation: //evil.example"])
def test_the_language_switch_never_leaves_the_site_nor_fails(target, app):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/lang/en", data={"next": target, "csrf_token": token})
    if "\x00" in target:
        # A NUL byte is refused before any view sees it (engine/core/text.py).
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert stays_on_site(response.headers["Location"])


SIGN_IN_CASES = ["//evil.example", "/\t/evil.example", "/\\evil.example", "/%09/evil.example", "javascript:alert(1)",
                 "http:evil.example", "/.//evil.example", "\uff0f\uff0fevil.example", "/x\r\nSet-Cookie: a=b",
                 "/x\r\n\r\n<script>", "/" + "a" * 5000]


@pytest.mark.parametrize("target", SIGN_IN_CASES)
def test_sign_in_never_sends_anyone_off_the_site(target, as_user):
    person = as_user()
    page = person.get("/login").get_data(as_text=True)
    response = person.client.post("/login", query_string={"next": target},
                                  data={"username": "intake", "password": "test-password-1",
                                        "csrf_token": csrf_of(page)})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert stays_on_site(location) and "\r" not in location and "\n" not in location
    assert location == safe_next(target, "/")


def test_the_sign_in_form_keeps_a_hostile_next_harmlessly(as_user):
    page = as_user().get("/login", query_string={"next": '"><script>alert(1)</script>'})
    assert page.status_code == 200 and "<script>alert(1)" not in page.get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example", "/\t/evil.example", "/x\r\ny", "javascript:alert(1)"])
def test_claiming_and_releasing_a_task_stay_on_the_site(target, env, as_user):
    task = env.ready(env.register())[0]
    intake = as_user("intake")
    for action in ("claim", "release"):
        response = intake.post(f"/tasks/{task.id}/{action}", {"next": target}, page_url="/inbox")
        assert response.status_code == 302 and stays_on_site(response.headers["Location"])


@pytest.mark.parametrize("target", ["/notifications\r\nx", "/notifications/../\\evil.example", "//evil.example"])
def test_reading_a_notification_stays_on_the_site(target, as_user):
    person = as_user("intake")
    response = person.post("/notifications/read-all", {"next": target}, page_url="/notifications")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/notifications") and stays_on_site(response.headers["Location"])
