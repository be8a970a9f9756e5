"""Security headers on every family of answer (webapp/security_headers.py), and templates kept free
of inline script, inline style and event-handler attributes, so the strict Content-Security-Policy
holds as the pages change (a new inline <script> fails here before it fails in a browser)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import InternalServerError

from engine.org.api_tokens import create_token

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "webapp" / "templates"
STATIC = ROOT / "webapp" / "static"


def csp_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request.path}: no Content-Security-Policy"
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def assert_protected(response, *, style=("'self'",), geolocation="()"):
    """The headers every answer carries; ``style`` and ``geolocation`` are what this page may."""
    where = response.request.path
    csp = csp_of(response)
    assert csp["default-src"] == ["'self'"], where
    assert csp["script-src"] == ["'self'"], where  # no inline script, no eval, anywhere
    assert csp["style-src"] == list(style), where
    assert csp["img-src"] == ["'self'"] and csp["connect-src"] == ["'self'"], where
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"], where
    assert csp["form-action"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"], where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] == "same-origin", where
    permissions = dict(item.split("=") for item in response.headers["Permissions-Policy"].split(", "))
    assert permissions["camera"] == "()" and permissions["microphone"] == "()", where
    assert permissions["geolocation"] == geolocation, where
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin", where
    # Plain HTTP (the demo on 127.0.0.1): no HSTS, and no redirect to HTTPS either.
    assert "Strict-Transport-Security" not in response.headers, where
    return csp


def test_staff_pages_login_and_error_pages(app, as_user):
    client = app.test_client()
    login = client.get("/login")
    assert login.status_code == 200
    assert_protected(login)
    intake = as_user("intake")
    for url in ("/inbox", "/intake/new", "/notifications"):
        page = intake.get(url)
        assert page.status_code == 200, url
        assert_protected(page)
    missing = intake.get("/no-such-page")
    assert missing.status_code == 404
    assert_protected(missing)


def test_a_server_error_page_carries_them_too(app):
    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not re-raised into the test
    answer = app.test_client().get("/test-boom")
    assert answer.status_code == InternalServerError.code
    assert "500" in answer.get_data(as_text=True)
    assert_protected(answer)


def test_the_editors_get_only_the_styles_and_fonts_their_libraries_need(as_user):
    admin = as_user("admin")
    diagram = admin.get("/admin/diagrams/complaint/edit")
    assert diagram.status_code == 200
    csp = assert_protected(diagram)
    assert csp["font-src"] == ["'self'", "data:"]  # bpmn-js's icon font
    table = admin.get("/admin/decisions")
    assert table.status_code == 200
    csp = assert_protected(table, style=("'self'", "'unsafe-inline'"))  # dmn-js's table and cell editor
    assert csp["font-src"] == ["'self'", "data:"]
    # Everywhere else fonts come only from this site.
    assert csp_of(admin.get("/admin/diagrams"))["font-src"] == ["'self'"]


def test_public_portal_form_may_ask_for_the_position_and_tracking_pages_keep_the_code(env, app):
    client = app.test_client()
    assert_protected(client.get("/public/"))
    form = client.get("/public/new")
    assert form.status_code == 200
    assert_protected(form, geolocation="(self)")  # "use my location" (webapp/static/public.js)
    code = env.register(title="查询页").tracking_code
    track = client.get(f"/public/track/{code}")
    assert track.status_code == 200
    # The address holds the tracking code: never sent to another site, never cached.
    assert_protected(track)
    assert track.headers["Cache-Control"] == "private, no-store"
    assert_protected(client.get("/public/no-such-page"))


def test_open311_and_api_answers(env, app):
    client = app.test_client()
    for fmt in ("json", "xml"):
        answer = client.get(f"/open311/v2/services.{fmt}")
        assert answer.status_code == 200 and answer.mimetype.endswith(fmt)
        assert_protected(answer)
    assert_protected(client.get("/open311/v2/requests/nope.json"))
    _row, token = env.run(create_token, "headers", ["cases:read"], created_by="admin", channel="monitoring")
    listing = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200 and listing.is_json
    assert_protected(listing)
    refused = client.get("/api/v1/cases")
    assert refused.status_code == 401 and refused.is_json
    assert_protected(refused)


def test_vendor_and_static_files(app):
    client = app.test_client()
    script = client.get("/vendor/htmx.org/htmx.min.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert_protected(script)
    style = client.get("/static/app.css")
    assert style.status_code == 200 and style.mimetype == "text/css"
    assert_protected(style)
    script.close()
    style.close()


def test_hsts_only_over_https(app):
    answer = app.test_client().get("/login", base_url="https://greenloop.example")
    assert answer.status_code == 200
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31556926")


# ---------------------------------------------------------------------------- no inline code in templates

JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
INLINE = [
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"\shx-on\b", re.I), "an hx-on handler"),
    (re.compile(r"\shx-vals\s*=\s*['\"]\s*js:", re.I), "hx-vals evaluated as script"),
]


def _template_problems(name: str, text: str) -> list[str]:
    text = JINJA_COMMENT.sub("", text)
    problems = []
    for match in SCRIPT.finditer(text):
        attributes = match.group(1)
        if "src=" not in attributes and 'type="application/json"' not in attributes:
            problems.append(f"{name}: an inline <script>")
    if re.search(r"<style\b", text, re.I):
        problems.append(f"{name}: a <style> element")
    if re.search(r"javascript:", text, re.I):
        problems.append(f"{name}: a javascript: URL")
    for tag in TAG.findall(text):
        problems += [f"{name}: {what} in {tag[:80]}" for pattern, what in INLINE[1:] if pattern.search(tag)]
    return problems


def test_templates_have_no_inline_script_style_or_handler():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 40
    problems = [p for path in templates
                for p in _template_problems(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))]
    assert problems == []


@pytest.mark.parametrize("snippet", [
    "<script>alert(1)</script>", '<div style="color:red">', '<a href="#" onclick="go()">',
    '<button hx-on:click="go()">', '<a href="javascript:go()">', "<style>p{}</style>",
    '<div hx-vals=\'js:{a: 1}\'>',
])
def test_the_template_check_catches_each_kind(snippet):
    assert _template_problems("example.html", f"<p>{snippet}</p>")


def test_the_template_check_allows_files_and_json_data():
    assert _template_problems("example.html", '<script src="/static/app.js" defer></script>'
                                              '<script type="application/json" id="x">{}</script>'
                                              '{# an inline <style> is not allowed #}<p class="x">on=1</p>') == []


def test_scripts_neither_evaluate_strings_nor_set_style_attributes():
    found = []
    for path in sorted(STATIC.rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\beval\s*\(", r"\bnew\s+Function\s*\(", r"setAttribute\(\s*['\"]style['\"]",
                        r"set(Timeout|Interval)\(\s*['\"`]", r"style\s*=\s*\\?['\"]", r"javascript:"):
            found += [f"{path.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert found == []
