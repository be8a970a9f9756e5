"""Administering accounts and departments: the rules the rest of the app relies on, the lock-out
guards, and an audit trail that never holds a password hash."""
from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from engine.core.errors import NotFound
from engine.models import AuditEvent, Department, User
from engine.org import departments
from engine.org import people as pa
from tests.conftest import TEST_PASSWORD


def new(**fields) -> dict:
    data = {"username": "wangwu", "display_name": "王五", "roles": ["handler"], "department": "air", "grid": "C",
            "tier": "", "locale": "zh_CN", "email": "wangwu@bureau.example", "phone": "0571-88886666"}
    data.update(fields)
    return data


def create(env, actor="admin", **fields):
    with env.db.write() as s:
        user, password = pa.create_user(s, new(**fields), actor, env.clock.now())
        return user.id, password


def problems(env, call) -> dict[str, list[str]]:
    with pytest.raises(pa.AdminError) as err:
        with env.db.write() as s:
            call(s)
    return {field: [p.code for p in found] for field, found in err.value.problems.items()}


def admin_events(env, kind=None) -> list[AuditEvent]:
    with env.db.read() as s:
        q = select(AuditEvent).where(AuditEvent.case_id.is_(None)).order_by(AuditEvent.id)
        return list(s.scalars(q.where(AuditEvent.kind == kind) if kind else q))


def user_id(env, username) -> int:
    with env.db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def test_create_with_a_generated_password_shown_once_and_audited_without_the_hash(env):
    uid, password = create(env)
    assert password and len(password) >= pa.MIN_PASSWORD
    with env.db.read() as s:
        user = s.get(User, uid)
        assert PasswordHasher().verify(user.password_hash, password)
        assert (user.roles, user.department.code, user.grid.code, user.tier, user.active) == \
               ({"handler"}, "air", "C", None, True)
    [event] = admin_events(env, "user_created")
    assert event.actor == "admin" and event.detail["username"] == "wangwu"
    assert event.detail["after"]["roles"] == ["handler"] and event.detail["after"]["department"] == "air"
    assert "$argon2" not in json.dumps(event.detail) and "password" not in json.dumps(event.detail)


def test_a_given_password_must_be_long_enough(env):
    found = problems(env, lambda s: pa.create_user(s, {**new(), "password": "short"}, "admin", env.clock.now()))
    assert found == {"password": ["password_short"]}
    uid, generated = create(env, password="a-long-enough-secret")
    assert generated is None
    with env.db.read() as s:
        assert PasswordHasher().verify(s.get(User, uid).password_hash, "a-long-enough-secret")


@pytest.mark.parametrize("fields, expected", [
    ({"username": "handler"}, {"username": ["username_taken"]}),
    ({"username": "Handler"}, {"username": ["username_format"]}),  # lower case: login compares exactly
    ({"username": "王五"}, {"username": ["username_format"]}),
    ({"username": "", "display_name": ""}, {"username": ["required"], "display_name": ["required"]}),
    ({"roles": []}, {"roles": ["roles_required"]}),
    ({"roles": ["root"]}, {"roles": ["choice"]}),
    ({"email": "not-an-address", "phone": "call me"}, {"email": ["email_format"], "phone": ["phone_format"]}),
    ({"department": "nope", "grid": "X9"}, {"department": ["unknown_department"], "grid": ["unknown_grid"]}),
    # supervisors: a tier, and the posting that tier works at
    ({"roles": ["supervisor"], "department": ""}, {"tier": ["supervisor_tier"]}),
    ({"roles": ["supervisor"], "tier": "1"}, {"tier": ["supervisor_tier"]}),
    ({"roles": ["supervisor"], "tier": "2", "grid": "C"}, {"grid": ["tier2_at_town"]}),
    ({"roles": ["supervisor"], "tier": "3", "grid": "T01"}, {"grid": ["tier34_at_county"]}),
    ({"roles": ["supervisor"], "tier": "4", "grid": ""}, {"grid": ["tier34_at_county", "posting_required"]}),
    # grid officers are handlers posted locally, tier 1; nobody else has tier 1
    ({"grid": "T01-A01-V01", "tier": ""}, {"tier": ["grid_officer_tier"]}),
    ({"grid": "T01-A01", "tier": "2"}, {"tier": ["grid_officer_tier"]}),
    ({"grid": "C", "tier": "1"}, {"tier": ["grid_officer_posting"]}),
    ({"roles": ["intake"], "tier": "3"}, {"tier": ["tier_not_allowed"]}),
    # who needs a department or a posting
    ({"department": "", "grid": "C"}, {"department": ["handler_needs_department"]}),
    ({"roles": ["lead"], "department": ""}, {"department": ["lead_needs_department"]}),
    ({"roles": ["handler", "intake"], "department": "police"}, {"department": ["external_department"]}),
    ({"roles": ["intake"], "department": "", "grid": ""}, {"grid": ["posting_required"]}),
])
def test_field_errors_follow_what_the_scopes_assume(env, fields, expected):
    found = problems(env, lambda s: pa.create_user(s, new(**fields), "admin", env.clock.now()))
    assert found == expected
    with env.db.read() as s:
        assert s.scalar(select(User.id).where(User.username == "wangwu")) is None


@pytest.mark.parametrize("fields", [
    {"grid": "T02-A01-V01", "tier": "1", "department": ""},  # a grid officer in a village, no department
    {"grid": "T02", "tier": "1"},  # posted to a town, like the demo's officers
    {"department": "police", "grid": ""},  # an outside agency's officer: works what is sent to the police
    {"roles": ["supervisor"], "tier": "2", "grid": "T02", "department": ""},
    {"roles": ["supervisor"], "tier": "4", "grid": "C", "department": ""},
    {"roles": ["supervisor", "handler"], "tier": "2", "grid": "T02"},
    {"roles": ["admin"], "department": "", "grid": ""},
])
def test_valid_combinations(env, fields):
    uid, _ = create(env, **fields)
    assert uid


def test_every_account_of_the_demo_county_passes_the_rules(env):
    # The rules describe what the app already assumes, so the shipped staff all satisfy them.
    from engine.org.seed import seed_grid, seed_staff

    with env.db.write() as s:
        seed_grid(s)
        seed_staff(s, TEST_PASSWORD, whole_county=True)
    with env.db.read() as s:
        users = list(s.scalars(select(User)))
        assert len(users) > 40
        for user in users:
            pa.validate_user(s, pa.form_values(user), user)


def test_update_audits_only_what_changed_and_keeps_the_username(env):
    uid, _ = create(env)
    with env.db.write() as s:
        pa.update_user(s, uid, new(username="renamed", display_name="王五（大气）", department="water"),
                       "admin", env.clock.now())
    with env.db.read() as s:
        user = s.get(User, uid)
        assert (user.username, user.display_name, user.department.code) == ("wangwu", "王五（大气）", "water")
    [event] = admin_events(env, "user_changed")
    assert event.detail == {"username": "wangwu", "before": {"display_name": "王五", "department": "air"},
                            "after": {"display_name": "王五（大气）", "department": "water"}}
    with env.db.write() as s:  # saving the same values again is no change
        pa.update_user(s, uid, new(display_name="王五（大气）", department="water"), "admin", env.clock.now())
    assert len(admin_events(env, "user_changed")) == 1


def test_an_administrator_cannot_lock_themselves_or_everyone_out(env):
    admin = user_id(env, "admin")
    own = dict(new(username="admin", display_name="系统管理员", roles=["intake"], department="", grid="C"))
    assert problems(env, lambda s: pa.update_user(s, admin, own, "admin", env.clock.now())) == {"roles": ["own_admin"]}
    assert problems(env, lambda s: pa.set_active(s, admin, False, "admin", env.clock.now())) == {"": ["own_account"]}
    assert problems(env, lambda s: pa.delete_user(s, admin, "admin", env.clock.now())) == {"": ["own_account"]}
    # Anyone else (a command-line script) still cannot remove the last active administrator.
    assert problems(env, lambda s: pa.set_active(s, admin, False, "script", env.clock.now())) == {"": ["last_admin"]}
    assert problems(env, lambda s: pa.update_user(s, admin, own, "script", env.clock.now())) == \
        {"roles": ["last_admin"]}
    # With a second administrator, one may step down.
    boss, _ = create(env, username="boss", roles=["admin"], department="", grid="")
    with env.db.write() as s:
        pa.update_user(s, admin, own, "boss", env.clock.now())
        assert s.get(User, admin).roles == {"intake"}
    assert problems(env, lambda s: pa.set_active(s, boss, False, "script", env.clock.now())) == {"": ["last_admin"]}


def test_deactivate_and_reactivate_are_audited(env):
    uid = user_id(env, "handler2")
    with env.db.write() as s:
        pa.set_active(s, uid, False, "admin", env.clock.now())
    with env.db.read() as s:
        assert s.get(User, uid).active is False
    with env.db.write() as s:
        pa.set_active(s, uid, True, "admin", env.clock.now())
    kinds = [(e.kind, e.detail["after"]) for e in admin_events(env) if e.detail.get("username") == "handler2"]
    assert kinds == [("user_deactivated", {"active": False}), ("user_activated", {"active": True})]


def test_reset_password_generated_or_given(env):
    uid = user_id(env, "handler")
    with env.db.write() as s:
        generated = pa.reset_password(s, uid, "admin", env.clock.now())
    with env.db.read() as s:
        digest = s.get(User, uid).password_hash
    assert PasswordHasher().verify(digest, generated)
    with pytest.raises(Exception):
        PasswordHasher().verify(digest, TEST_PASSWORD)
    assert problems(env, lambda s: pa.reset_password(s, uid, "admin", env.clock.now(), "123")) == \
        {"password": ["password_short"]}
    with env.db.write() as s:
        assert pa.reset_password(s, uid, "admin", env.clock.now(), "another-long-one") is None
    events = admin_events(env, "password_reset")
    assert [e.detail for e in events] == [{"username": "handler", "generated": True, "sessions_ended": 0},
                                          {"username": "handler", "generated": False, "sessions_ended": 0}]


def test_someone_with_history_is_never_deleted(env):
    case = env.register()
    env.accept_and_assign(case, "air")
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实，已责令整改"},
                 actor="handler")
    found = problems(env, lambda s: pa.delete_user(s, user_id(env, "handler"), "admin", env.clock.now()))
    assert found == {"": ["user_has_history"]}
    uid, _ = create(env)  # created by mistake a minute ago
    with env.db.write() as s:
        pa.delete_user(s, uid, "admin", env.clock.now())
    with env.db.read() as s:
        assert s.get(User, uid) is None
    assert admin_events(env, "user_deleted")[0].detail["username"] == "wangwu"
    with pytest.raises(NotFound):
        with env.db.write() as s:
            pa.delete_user(s, uid, "admin", env.clock.now())


def test_search_filters_and_pages(env):
    with env.db.read() as s:
        everyone = pa.search_users(s, pa.UserFilters(status="all"), 1, 4)
        assert everyone.total == 10 and len(everyone.items) == 4 and everyone.pages == 3
        assert [r.user.username for r in pa.search_users(s, pa.UserFilters(role="supervisor")).items] == \
            ["leader", "supervisor", "town"]
        assert [r.user.username for r in pa.search_users(s, pa.UserFilters(department="enforcement")).items] == \
            ["gridofficer", "handler2", "lead2"]
        assert [r.user.username for r in pa.search_users(s, pa.UserFilters(town="T01")).items] == \
            ["gridofficer", "town"]
        assert [r.user.username for r in pa.search_users(s, pa.UserFilters(q="李强")).items] == ["handler"]
        row = pa.search_users(s, pa.UserFilters(q="gridofficer")).items[0]
        assert (row.roles, row.department, row.place) == (["handler"], "生态环境保护综合行政执法大队", "城关镇")


# ---------------------------------------------------------------------------- departments


def test_departments_create_rename_and_unused_delete(env):
    now = env.clock.now()
    assert problems(env, lambda s: departments.create_department(s, {"code": "Air-2", "name": ""}, "admin", now)) == \
        {"code": ["department_code_format"], "name": ["required"]}
    assert problems(env, lambda s: departments.create_department(s, {"code": "air", "name": "大气环境科"}, "admin", now)) == \
        {"code": ["department_code_taken"], "name": ["department_name_taken"]}
    with env.db.write() as s:
        departments.create_department(s, {"code": "noise", "name": "噪声科", "kind": "bureau"}, "admin", now)
    with env.db.write() as s:
        departments.update_department(s, "noise", {"name": "声环境科", "kind": "bureau"}, "admin", now)
    with env.db.write() as s:
        departments.delete_department(s, "noise", "admin", now)
    assert [(e.kind, e.detail.get("after") or e.detail.get("before")) for e in admin_events(env)] == [
        ("department_created", {"code": "noise", "name": "噪声科", "kind": "bureau"}),
        ("department_changed", {"name": "声环境科"}),
        ("department_deleted", {"code": "noise", "name": "声环境科", "kind": "bureau"})]


def test_a_department_in_use_or_named_by_routing_is_not_deleted(env):
    now = env.clock.now()
    case = env.register(category="water", grid_code="T02-A01-V01")
    env.accept_and_assign(case, "water")
    with env.db.read() as s:
        use = departments.department_use(s, s.scalars(select(Department).where(Department.code == "air")).one())
    assert use.users == 2 and use.cases == 0
    assert [(r["rule"], r["description"]) for r in use.routing] == [("rule_09", "城区大气问题由大气科办理"),
                                                                    ("rule_10", "大气问题")]
    with pytest.raises(pa.AdminError) as err:
        with env.db.write() as s:
            departments.delete_department(s, "water", "admin", now)
    assert err.value.codes("") == ["department_has_cases", "department_has_tasks", "department_in_routing"]
    with pytest.raises(pa.AdminError) as err:
        with env.db.write() as s:
            departments.delete_department(s, "radiation", "admin", now)
    assert [(p.code, p.params.get("rule")) for p in err.value.problems[""]] == [("department_in_routing", "rule_08")]
    # An external agency nobody works in is still named by the routing table's transfers.
    with pytest.raises(pa.AdminError) as err:
        with env.db.write() as s:
            departments.delete_department(s, "police", "admin", now)
    assert [(p.code, p.params["rule"], p.params["description"]) for p in err.value.problems[""]] == [
        ("department_in_routing", "rule_02", "社会生活噪声归公安"), ("department_in_routing", "rule_03", "交通噪声归公安交警")]
    with env.db.read() as s:
        assert s.scalar(select(Department.id).where(Department.code == "police"))


def test_a_bureau_department_with_staff_cannot_become_external(env):
    found = problems(env, lambda s: departments.update_department(s, "air", {"name": "大气环境科", "kind": "external"},
                                                         "admin", env.clock.now()))
    assert found == {"kind": ["department_has_staff"]}
