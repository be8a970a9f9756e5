"""The self-inspection link as an attack surface: guessed, malformed, replaced and expired tokens
get a page that names no task; one enterprise's token never reaches another's task or photos;
tries are rate-limited per address; every post needs its CSRF token; answers typed as markup are
text; hostile photos are refused and nothing is stored; the token pages carry no staff data; only
the token's hash is in the database."""
from __future__ import annotations

import io
import secrets

import pytest
from sqlalchemy import select

from engine.models.selfcheck import SelfCheckPhoto, SelfCheckTask
from tests.engine.selfcheck.conftest import GOOD, add_enterprise, add_template, issue_to, set_clock
from tests.images import png
from tests.security.test_image_bombs import BAD_IMAGES
from tests.web.conftest import csrf_of
from webapp.selfcheck.enterprise import LIMIT_KEY

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def links(env, app):
    app.config[LIMIT_KEY] = "1000 per minute"
    set_clock(env, "2026-04-02T10:00:00+08:00")
    add_enterprise(env, name=HOSTILE)
    add_enterprise(env, code="91350100M000200Y2L", name="青山纸业", grid="T02", contacts="李四 13900000002")
    template = add_template(env)
    _campaign, issued = issue_to(env, template.id, classes=("key",))
    return issued  # [(task id, token)] in enterprise order


def _get(client, url, address="10.9.0.1"):
    return client.get(url, environ_base={"REMOTE_ADDR": address})


def test_only_the_hash_is_stored(env, links):
    with env.db.read() as s:
        stored = [t.token_hash for t in s.scalars(select(SelfCheckTask))]
    for _id, token in links:
        assert token not in stored and all(token not in h for h in stored)


@pytest.mark.parametrize("token", ["x" * 32, secrets.token_urlsafe(24), "../../etc/passwd", "a" * 200, "%00"])
def test_guessed_or_malformed_tokens_are_a_plain_404(app, links, token):
    answer = app.test_client().get(f"/zc/{token}")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 404 and "示范" not in text and "青山" not in text
    # A path with slashes is not a link of this page at all (the app's own 404).
    assert "/" in token or "链接无效" in text


def test_a_replaced_or_expired_link_stops_working(env, app, links):
    (task_id, token), _other = links
    client = app.test_client()
    with env.db.read() as s:
        expires = s.get(SelfCheckTask, task_id).token_expires_at
    set_clock(env, expires.isoformat())
    answer = client.get(f"/zc/{token}")
    assert answer.status_code == 410 and "链接已过期" in answer.get_data(as_text=True)
    assert client.post(f"/zc/{token}", data={"q1": "yes"}).status_code in (400, 410)
    with env.db.read() as s:
        assert s.get(SelfCheckTask, task_id).answers == {}


def test_one_enterprise_s_token_never_reaches_another_s_task_or_photos(env, app, links):
    (first_id, first), (second_id, second) = links
    client = app.test_client()
    csrf = csrf_of(client.get(f"/zc/{second}").get_data(as_text=True))
    assert client.post(f"/zc/{second}", data={"csrf_token": csrf, "action": "save", "q1": "yes",
                                               "photo-q1": (io.BytesIO(png()), "a.png")},
                       content_type="multipart/form-data").status_code == 302
    with env.db.read() as s:
        photo = s.scalars(select(SelfCheckPhoto)).one()
    assert photo.task_id == second_id
    assert client.get(f"/zc/{first}/photos/{photo.id}").status_code == 404
    assert client.post(f"/zc/{first}/photos/{photo.id}/delete", data={"csrf_token": csrf}).status_code == 404
    assert client.get(f"/zc/{second}/photos/{photo.id}").status_code == 200
    with env.db.read() as s:
        assert s.get(SelfCheckTask, first_id).answers == {} and s.scalars(select(SelfCheckPhoto)).one()


def test_tries_are_rate_limited_per_address(env, app, links):
    from webapp.extensions import limiter
    limiter.reset()
    app.config[LIMIT_KEY] = "5 per minute"
    client = app.test_client()
    answers = [_get(client, f"/zc/{secrets.token_urlsafe(24)}", "10.9.9.9").status_code for _n in range(5)]
    assert answers == [404] * 5
    # The sixth try — even with the right token — is refused from that address, not from another.
    assert _get(client, f"/zc/{links[0][1]}", "10.9.9.9").status_code == 429
    assert _get(client, f"/zc/{links[0][1]}", "10.9.9.10").status_code == 200
    limiter.reset()


def test_every_post_needs_its_csrf_token(env, app, links):
    task_id, token = links[0]
    client = app.test_client()
    client.get(f"/zc/{token}")
    answer = client.post(f"/zc/{token}", data={"action": "submit", **GOOD})
    assert answer.status_code == 400
    with env.db.read() as s:
        assert s.get(SelfCheckTask, task_id).status == "waiting"


def test_answers_and_names_are_text_and_no_staff_data_is_shown(env, app, links, as_user):
    task_id, token = links[0]
    client = app.test_client()
    page = client.get(f"/zc/{token}").get_data(as_text=True)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    for secret in ("13800000001", "吴刚", "督查科", "gridofficer", "陈静"):
        assert secret not in page
    csrf = csrf_of(page)
    client.post(f"/zc/{token}", data={"csrf_token": csrf, "action": "save", "q3": HOSTILE})
    page = client.get(f"/zc/{token}").get_data(as_text=True)
    assert HOSTILE not in page
    staff = as_user("supervisor").get(f"/selfcheck/tasks/{task_id}").get_data(as_text=True)
    assert HOSTILE not in staff and "&lt;script&gt;" in staff


@pytest.mark.parametrize("name", ["bomb.png", "sparse.png", "broken.jpg", "page.jpg", "doc.pdf"])
def test_hostile_photos_are_refused_and_nothing_is_stored(env, app, links, name, attachments_dir):
    make, _said = BAD_IMAGES.get(name, (lambda: b"<html><script>alert(1)</script></html>" if name == "page.jpg"
                                        else b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF", None))
    task_id, token = links[0]
    client = app.test_client()
    csrf = csrf_of(client.get(f"/zc/{token}").get_data(as_text=True))
    answer = client.post(f"/zc/{token}", data={"csrf_token": csrf, "action": "save", "q3": "ok",
                                               "photo-q1": (io.BytesIO(make()), name)},
                         content_type="multipart/form-data")
    assert answer.status_code == 422
    with env.db.read() as s:
        assert s.scalars(select(SelfCheckPhoto)).first() is None and s.get(SelfCheckTask, task_id).answers == {}
    assert not [p for p in attachments_dir.rglob("*") if p.is_file()]


def test_staff_pages_keep_their_scope(env, as_user, links):
    task_id, _token = links[0]  # in 城关镇 (T01)
    other_id, _ = links[1]  # in T02
    town = as_user("town")  # 城关镇's supervisor
    assert town.get(f"/selfcheck/tasks/{task_id}").status_code == 200
    assert town.get(f"/selfcheck/tasks/{other_id}").status_code == 404
    assert as_user("intake").get(f"/selfcheck/tasks/{task_id}").status_code == 403
    assert town.post("/selfcheck/issue", {"title": "x"}, page_url="/selfcheck").status_code == 403
    assert as_user("gridofficer").get(f"/selfcheck/tasks/{task_id}").status_code == 404  # not handed to them yet
