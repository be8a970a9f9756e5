"""Sign-in, sign-out, CSRF, rate limit, session timeout, language."""
from datetime import timedelta

from tests.web.conftest import csrf_of
from webapp import create_app


def test_pages_need_sign_in(as_user):
    anonymous = as_user()
    response = anonymous.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_in_with_the_right_password_and_out_again(as_user):
    person = as_user()
    assert person.login("intake", "wrong").status_code == 401
    assert person.login("intake").status_code == 302
    home = person.get("/", follow_redirects=True).get_data(as_text=True)
    assert "受理员 王芳" in home
    assert person.post("/logout", page_url="/").status_code == 302
    assert person.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(as_user):
    person = as_user()
    answer = person.login("nobody", "whatever")
    assert answer.status_code == 401 and "用户名或密码不正确" in answer.get_data(as_text=True)


def test_posts_without_csrf_token_are_refused(as_user):
    person = as_user("intake")
    response = person.client.post("/logout")
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert person.get("/inbox").status_code == 200  # still signed in


def test_login_is_rate_limited(env):
    app = create_app(runtime=env.runtime, TESTING=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    codes = [client.post("/login", data={"username": "intake", "password": "bad", "csrf_token": token}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_session_expires_after_idle_time(app, as_user):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    person = as_user("intake")
    assert person.get("/").status_code == 302


def test_language_switch_to_english_and_back(as_user):
    person = as_user("intake")
    person.post("/lang/en", data={"next": "/"}, page_url="/")
    page = person.get("/overview").get_data(as_text=True)
    assert "Open cases" in page and 'lang="en"' in page
    person.post("/lang/zh_CN", data={"next": "/"}, page_url="/")
    assert "在办案件" in person.get("/overview").get_data(as_text=True)


def test_open_redirect_after_login_is_refused(as_user):
    person = as_user()
    page = person.get("/login").get_data(as_text=True)
    response = person.client.post("/login?next=//evil.example/", data={
        "username": "intake", "password": "test-password-1", "csrf_token": csrf_of(page)})
    assert response.headers["Location"] == "/"
