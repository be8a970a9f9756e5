"""People and places pages: administrators only, CSRF, field errors, and accounts that work at once."""
from __future__ import annotations

import codecs
import io
import re

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, Department, Grid, User
from engine.models.people_admin import GridImport
from tests.web.conftest import Browser

PAGES = ["/admin/people", "/admin/people/new", "/admin/people/1", "/admin/people/departments", "/admin/people/grid",
         "/admin/people/grid/node/T01", "/admin/people/grid/import", "/admin/people/grid/sample.csv"]


def user(env, username) -> User | None:
    with env.db.read() as s:
        return s.scalars(select(User).where(User.username == username)).first()


@pytest.mark.parametrize("username", ["intake", "handler", "gridofficer", "lead", "town", "supervisor", "leader"])
def test_only_administrators_get_in(as_user, username):
    browser = as_user(username)
    assert {url: browser.get(url).status_code for url in PAGES} == {url: 403 for url in PAGES}
    token = browser.any_token()
    answer = browser.client.post("/admin/people/new", data={"csrf_token": token, "username": "x1",
                                                            "display_name": "x", "roles": "admin"})
    assert answer.status_code == 403


def test_signed_out_people_are_sent_to_sign_in(as_user):
    answer = as_user().get("/admin/people")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_administrator_sees_every_page(as_user):
    browser = as_user("admin")
    assert {url: browser.get(url).status_code for url in PAGES} == {url: 200 for url in PAGES}
    assert "人员与网格" in browser.get("/admin").get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(env, as_user):
    browser = as_user("admin")
    answer = browser.client.post("/admin/people/new", data={"username": "wangwu", "display_name": "王五",
                                                            "roles": "intake", "grid": "C"})
    assert answer.status_code == 400 and "CSRF" in answer.get_data(as_text=True)
    assert user(env, "wangwu") is None


def test_the_list_filters_and_pages(as_user):
    browser = as_user("admin")
    html = browser.get("/admin/people?role=supervisor").get_data(as_text=True)
    assert "共 3 个账号" in html and "郑国华" in html and "李强" not in html
    html = browser.get("/admin/people?town=T01").get_data(as_text=True)
    assert "陈静" in html and "周敏" in html and "吴刚" not in html
    html = browser.get("/admin/people?department=air&q=刘").get_data(as_text=True)
    assert "刘伟" in html and "李强" not in html


def test_field_errors_are_shown_next_to_the_fields_and_the_input_is_kept(env, as_user):
    browser = as_user("admin")
    answer = browser.post("/admin/people/new", {"username": "handler", "display_name": "新人", "roles": "supervisor",
                                                "grid": "C", "tier": "2", "email": "bad"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "用户名 handler 已被使用" in html and "邮箱格式不正确" in html
    assert 'id="e-username"' in html and 'aria-describedby="e-username"' in html
    assert 'value="新人"' in html
    answer = browser.post("/admin/people/new", {"username": "newsup", "display_name": "新人", "roles": "supervisor",
                                                "grid": "C", "tier": "2"}, page_url="/admin/people/new")
    assert "层级 2 的督办人员须派驻到乡镇（街道）" in answer.get_data(as_text=True)
    assert user(env, "newsup") is None


def test_a_new_grid_officer_signs_in_and_sees_the_tasks_of_their_grid(env, app, as_user):
    mine = env.register(title="李家村秸秆焚烧", grid_code="T02-A01-V01")
    env.accept_and_assign(mine, "water")
    other = env.register(title="别处的投诉", grid_code="T03-A01-V01")
    env.accept_and_assign(other, "water")
    admin = as_user("admin")
    answer = admin.post("/admin/people/new", {"username": "officer7", "display_name": "东城网格员 钱七",
                                              "roles": "handler", "grid": "T02-A01-V01", "tier": "1",
                                              "password": "officer-pass-7", "locale": "zh_CN"})
    assert answer.status_code == 302
    officer = Browser(app, "officer7", "officer-pass-7")
    html = officer.get("/inbox?view=group").get_data(as_text=True)
    assert "李家村秸秆焚烧" in html and "别处的投诉" not in html
    with env.db.read() as s:
        created = s.scalars(select(AuditEvent).where(AuditEvent.kind == "user_created")).one()
    assert created.actor == "admin" and created.detail["after"]["grid"] == "T02-A01-V01"


def test_a_generated_password_is_shown_once_and_works(env, app, as_user):
    admin = as_user("admin")
    answer = admin.post("/admin/people/new", {"username": "intake2", "display_name": "受理员 二", "roles": "intake",
                                              "grid": "T01"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="new-secret">([^<]+)<', html).group(1)
    assert password not in admin.get(f"/admin/people/{user(env, 'intake2').id}").get_data(as_text=True)
    assert Browser(app, "intake2", password).get("/inbox").status_code == 200

    # A reset gives a new one; the old one stops working.
    uid = user(env, "intake2").id
    html = admin.post(f"/admin/people/{uid}/password", {"password": ""}, page_url=f"/admin/people/{uid}") \
        .get_data(as_text=True)
    fresh = re.search(r'id="new-secret">([^<]+)<', html).group(1)
    assert fresh != password
    assert Browser(app, "intake2", password).get("/inbox").status_code == 302
    assert Browser(app, "intake2", fresh).get("/inbox").status_code == 200
    short = admin.post(f"/admin/people/{uid}/password", {"password": "123"}, page_url=f"/admin/people/{uid}",
                       follow_redirects=True)
    assert "密码至少 10 个字符" in short.get_data(as_text=True)


def test_editing_roles_and_deactivating_take_effect_at_the_next_request(env, app, as_user):
    handler = as_user("handler")
    assert handler.get("/inbox").status_code == 200
    admin = as_user("admin")
    uid = user(env, "handler").id
    answer = admin.post(f"/admin/people/{uid}", {"display_name": "大气科 李强", "roles": ["handler", "intake"],
                                                 "department": "air", "grid": "C", "locale": "zh_CN"})
    assert answer.status_code == 302
    assert handler.get("/intake/new").status_code == 200, "the new role works without signing in again"
    html = admin.get(f"/admin/people/{uid}").get_data(as_text=True)
    assert "受理员" in html and "变更记录" in html
    admin.post(f"/admin/people/{uid}/active", {"active": "0"}, page_url=f"/admin/people/{uid}")
    assert user(env, "handler").active is False
    assert handler.get("/inbox").status_code == 302, "a deactivated person is signed out"
    assert Browser(app, "handler").get("/inbox").status_code == 302


def test_the_administrator_cannot_lock_themselves_out(env, as_user):
    admin = as_user("admin")
    uid = user(env, "admin").id
    answer = admin.post(f"/admin/people/{uid}/active", {"active": "0"}, follow_redirects=True,
                        page_url=f"/admin/people/{uid}")
    assert "不能停用或删除自己的账号" in answer.get_data(as_text=True)
    answer = admin.post(f"/admin/people/{uid}", {"display_name": "系统管理员", "roles": "intake", "grid": "C"})
    assert answer.status_code == 422 and "不能取消自己的管理员角色" in answer.get_data(as_text=True)
    assert user(env, "admin").active and "admin" in user(env, "admin").roles


def test_departments_add_and_refuse_to_delete_one_in_use(env, as_user):
    admin = as_user("admin")
    answer = admin.post("/admin/people/departments", {"code": "Noise!", "name": "", "kind": "bureau"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "部门编码须为" in html and "请填写此项" in html
    assert admin.post("/admin/people/departments", {"code": "noise", "name": "声环境科", "kind": "bureau"}) \
        .status_code == 302
    answer = admin.post("/admin/people/departments/air/delete", {}, page_url="/admin/people/departments")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "该部门还有 2 个账号" in html and "rule_09" in html and "城区大气问题由大气科办理" in html
    assert admin.post("/admin/people/departments/noise/delete", {}, page_url="/admin/people/departments") \
        .status_code == 302
    with env.db.read() as s:
        assert {d.code for d in s.scalars(select(Department))} >= {"air"}
        assert s.scalar(select(Department.id).where(Department.code == "noise")) is None


def test_grid_tree_page_and_a_node_renamed_and_moved(env, as_user):
    admin = as_user("admin")
    html = admin.get("/admin/people/grid").get_data(as_text=True)
    assert "城关镇" in html and "城关镇网格员 陈静" in html and "<details" in html
    answer = admin.post("/admin/people/grid/node/T01-A01-V01/move", {"parent": "T02"},
                        page_url="/admin/people/grid/node/T01-A01-V01")
    assert answer.status_code == 422 and "村（社区）的上级须为网格" in answer.get_data(as_text=True)
    assert admin.post("/admin/people/grid/node/T01-A01-V01/move", {"parent": "T02-A01"},
                      page_url="/admin/people/grid/node/T01-A01-V01").status_code == 302
    assert admin.post("/admin/people/grid/node/T01-A01-V01/rename", {"name": "新村"},
                      page_url="/admin/people/grid/node/T01-A01-V01").status_code == 302
    with env.db.read() as s:
        node = s.scalars(select(Grid).where(Grid.code == "T01-A01-V01")).one()
    assert (node.name, node.path) == ("新村", "/C/T02/T02-A01/T01-A01-V01/")
    answer = admin.post("/admin/people/grid/node/T02/children", {"code": "T02-A09", "name": "东城第9网格"},
                        page_url="/admin/people/grid/node/T02")
    assert answer.status_code == 302


def test_csv_import_preview_then_apply_once(env, as_user):
    admin = as_user("admin")
    raw = "层级,编码,名称,上级编码,网格员\n乡镇,T15,新城街道,C,\n网格,T15-A01,新城第1网格,T15,handler2\n".encode("gbk")
    answer = admin.post("/admin/people/grid/import", {"file": (io.BytesIO(raw), "网格.csv")},
                        content_type="multipart/form-data")
    assert answer.status_code == 302
    preview_url = answer.headers["Location"]
    html = admin.get(preview_url).get_data(as_text=True)
    assert "gb18030" in html and "新城街道" in html and "派驻网格员" in html and 'id="apply"' in html
    with env.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Grid).where(Grid.code.like("T15%"))) == 0
    apply_url = preview_url + "/apply"
    answer = admin.post(apply_url, {"digest": re.search(r'name="digest" value="(\w+)"', html).group(1)},
                        page_url=preview_url, follow_redirects=True)
    assert "导入完成：新增 2 个" in answer.get_data(as_text=True)
    answer = admin.post(apply_url, {}, page_url="/admin/people/grid", follow_redirects=True)
    assert "未重复导入" in answer.get_data(as_text=True)
    with env.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Grid).where(Grid.code.like("T15%"))) == 2
        assert s.scalars(select(GridImport)).one().status == "applied"
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "grid_imported")) == 1


def test_csv_import_with_errors_lists_lines_and_cannot_be_applied(env, as_user):
    admin = as_user("admin")
    raw = codecs.BOM_UTF8 + "level,code,name,parent\nvillage,T01-A01-V09,某村,T09-NOPE\n".encode()
    answer = admin.post("/admin/people/grid/import", {"file": (io.BytesIO(raw), "g.csv")},
                        content_type="multipart/form-data", follow_redirects=True)
    html = answer.get_data(as_text=True)
    assert "上级编码 T09-NOPE 既不在文件中，也不在现有网格中" in html and 'id="apply"' not in html
    import_id = re.search(r"/grid/import/(\d+)", html).group(1)
    answer = admin.post(f"/admin/people/grid/import/{import_id}/apply", {},
                        page_url=f"/admin/people/grid/import/{import_id}")
    assert answer.status_code == 409 and "文件有错误，未导入任何内容" in answer.get_data(as_text=True)
    missing = admin.post("/admin/people/grid/import", {}, content_type="multipart/form-data",
                         page_url="/admin/people/grid/import")
    assert missing.status_code == 422 and "请选择要导入的 CSV 文件" in missing.get_data(as_text=True)


def test_the_sample_csv_is_the_current_tree(as_user):
    answer = as_user("admin").get("/admin/people/grid/sample.csv")
    assert answer.headers["Content-Type"].startswith("text/csv")
    body = answer.get_data()
    assert body.startswith(codecs.BOM_UTF8)
    assert body.decode("utf-8-sig").splitlines()[2] == "乡镇,T01,城关镇,C,gridofficer"
