"""Patrols as an attack surface: a grid officer cannot open or post another's check-in (404,
nothing recorded); crafted photos (the image bombs of tests/security/test_image_bombs.py, HTML
named .jpg) are refused with a message and change nothing; every form needs its CSRF token;
a point's name typed as markup is shown as text on every patrol page."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from engine.models import Case, Grid, PatrolPhoto, User, UserRole
from engine.models.documents import Document
from engine.org.passwords import hash_password
from engine.timers.fire import fire_due
from tests.conftest import TEST_PASSWORD
from tests.engine.patrol.conftest import add_point, check_in_task, patrols, set_clock, start
from tests.security.test_image_bombs import BAD_IMAGES

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NEAR = {"latitude": "30.0003", "longitude": "120"}


def _second_officer(env) -> None:
    """Another grid officer posted at the same town (城关镇, T01)."""
    with env.db.write() as s:
        grid_id = s.scalar(select(User.grid_id).where(User.username == "gridofficer"))
        user = User(username="gridofficer2", display_name="城关镇网格员 何平", password_hash=hash_password(TEST_PASSWORD),
                    grid_id=grid_id, tier=1)
        user.role_rows = [UserRole(role="handler")]
        s.add(user)


@pytest.fixture
def patrol(env):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    add_point(env, name=HOSTILE)
    start(env)
    [patrol] = patrols(env)
    return patrol


@pytest.mark.parametrize("username", ["gridofficer2", "handler", "handler2", "town", "intake"])
def test_nobody_but_the_officer_opens_or_posts_the_check_in(env, as_user, patrol, username):
    _second_officer(env)
    task = check_in_task(env, patrol)
    browser = as_user(username)
    url = f"/patrol/check-in/{task.id}"
    assert browser.get(url).status_code == 404
    assert browser.post(url, NEAR, page_url="/inbox").status_code == 404
    assert browser.get(f"/tasks/{task.id}").status_code == 404
    assert browser.get("/patrol").get_data(as_text=True).count("/patrol/check-in/") == 0
    [patrol] = patrols(env)
    assert patrol.status == "open"


def test_the_check_in_needs_its_csrf_token(env, as_user, patrol):
    task = check_in_task(env, patrol)
    officer = as_user("gridofficer")
    assert officer.client.post(f"/patrol/check-in/{task.id}", data=NEAR).status_code == 400
    assert patrols(env)[0].status == "open"


@pytest.mark.parametrize("name", ["bomb.png", "sparse.png", "broken.jpg", "page.jpg"])
def test_crafted_photos_are_refused_and_nothing_is_recorded(env, as_user, patrol, name, attachments_dir):
    make, said = BAD_IMAGES.get(name, (lambda: b"<html><script>alert(1)</script></html>", "不是允许的类型"))
    task = check_in_task(env, patrol)
    answer = as_user("gridofficer").post(
        f"/patrol/check-in/{task.id}", {**NEAR, "problem_found": "on", "problem_category": "air", "problem_title": "t",
                                        "photos": (io.BytesIO(make()), name)}, content_type="multipart/form-data")
    assert answer.status_code == 422 and said in answer.get_data(as_text=True)
    assert patrols(env)[0].status == "open" and env.count(PatrolPhoto) == 0 and env.count(Case) == 0
    assert not [p for p in attachments_dir.rglob("*") if p.is_file()]


def test_a_point_s_name_is_text_on_every_page(env, as_user, patrol):
    task = check_in_task(env, patrol)
    pages = [as_user("gridofficer").get("/patrol"), as_user("gridofficer").get(f"/patrol/check-in/{task.id}"),
             as_user("admin").get("/patrol/points"), as_user("admin").get(f"/patrol/points/{patrol.point_id}")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert HOSTILE not in text and "&lt;script&gt;" in text


def test_a_missed_patrol_s_notice_is_downloaded_only_within_the_patrol_scope(env, as_user, patrol):
    set_clock(env, "2026-04-04T00:00:01+08:00")
    fire_due(env.runtime)  # red, one tier up: the 督办单
    with env.db.read() as s:
        [notice] = s.scalars(select(Document).where(Document.patrol_id == patrol.id)).all()
    with env.db.write() as s:  # a supervisor of another town
        t02 = s.scalar(select(Grid.id).where(Grid.code == "T02"))
        user = User(username="town2", display_name="东城街道环保办", password_hash=hash_password(TEST_PASSWORD),
                    grid_id=t02, tier=2)
        user.role_rows = [UserRole(role="supervisor")]
        s.add(user)
    url = f"/patrol/notices/{notice.id}.pdf"
    for username in ("town", "supervisor"):
        answer = as_user(username).get(url)
        assert answer.status_code == 200 and answer.data.startswith(b"%PDF"), username
        assert answer.headers["Content-Disposition"].startswith("attachment")
        ledger = as_user(username).get("/patrol/ledger").get_data(as_text=True)
        assert url in ledger and HOSTILE not in ledger  # the point's name is escaped
    for username in ("town2", "gridofficer", "handler", "intake", "lead"):
        assert as_user(username).get(url).status_code == 404, username
        assert url not in as_user(username).get("/patrol/ledger").get_data(as_text=True)
    assert as_user("supervisor").get("/patrol/notices/999999.pdf").status_code == 404
