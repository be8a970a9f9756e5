"""Grid CSV import (dry run, then all or nothing) and moving grid nodes with the work under them."""
from __future__ import annotations

import codecs

import pytest
from sqlalchemy import func, select

from engine.core.errors import AdminError
from engine.models import AuditEvent, Case, Grid, Task, User
from engine.notify.delivery import Audience, Directory
from engine.org import grid_import, grid_tree
from engine.org import people as pa
from engine.work.inbox import inbox_page
from webapp.access import load_staff, task_scope

CHINESE_HEADER = "层级,编码,名称,上级编码,网格员\n"


def preview(env, raw: bytes) -> grid_import.Plan:
    with env.db.read() as s:
        return grid_import.preview(s, raw)


def apply(env, raw: bytes, digest: str | None = None) -> grid_import.Applied:
    with env.db.write() as s:
        return grid_import.apply(s, raw, "admin", env.clock.now(), digest)


def tree_state(env) -> list[tuple]:
    with env.db.read() as s:
        nodes = [(g.code, g.name, g.level, g.path) for g in s.scalars(select(Grid).order_by(Grid.code))]
        posts = [(u.username, u.grid_id, u.tier) for u in s.scalars(select(User).order_by(User.username))]
        return nodes + posts


def grid(env, code) -> Grid:
    with env.db.read() as s:
        return s.scalars(select(Grid).where(Grid.code == code)).one()


def errors(plan) -> list[tuple[int, str]]:
    return [(row.line, problem.code) for row in plan.rows for problem in row.errors]


def test_the_sample_file_of_the_current_tree_reimports_as_all_unchanged(env):
    with env.db.read() as s:
        raw = grid_import.export_csv(s)
    assert raw.startswith(codecs.BOM_UTF8)
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "层级,编码,名称,上级编码,网格员"
    assert lines[1] == "县,C,示范县,," and lines[2] == "乡镇,T01,城关镇,C,gridofficer"
    plan = preview(env, raw)
    assert plan.ok and plan.counts == {"create": 0, "update": 0, "unchanged": 1 + 14 + 28 + 56, "error": 0}
    before = tree_state(env)
    applied = apply(env, raw, plan.digest)
    assert (applied.created, applied.updated) == (0, 0) and tree_state(env) == before


def test_a_gbk_file_from_excel_with_a_chinese_header_creates_a_town_dry_run_first(env):
    text = CHINESE_HEADER + ("乡镇,T15,新城街道,C,\n"
                             "网格,T15-A01,新城街道第1网格,T15,\n"
                             "村,T15-A01-V01,幸福社区,T15-A01,handler2\n")
    raw = text.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    before = tree_state(env)
    plan = preview(env, raw)
    assert plan.encoding == "gb18030" and plan.ok
    assert [(r.line, r.code, r.action) for r in plan.rows] == [
        (2, "T15", "create"), (3, "T15-A01", "create"), (4, "T15-A01-V01", "create")]
    assert tree_state(env) == before, "a dry run changes nothing"

    applied = apply(env, raw, plan.digest)
    assert applied.created == 3
    village = grid(env, "T15-A01-V01")
    assert (village.name, village.level, village.path) == ("幸福社区", "village", "/C/T15/T15-A01/T15-A01-V01/")
    with env.db.read() as s:
        officer = s.scalars(select(User).where(User.username == "handler2")).one()
        assert (officer.grid_id, officer.tier) == (village.id, 1)
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.kind == "grid_imported"))
        assert event.case_id is None and event.actor == "admin"
        assert (event.detail["create"], event.detail["created"]) == (3, ["T15", "T15-A01", "T15-A01-V01"])
        moved = s.scalars(select(AuditEvent).where(AuditEvent.kind == "user_changed")).one()
        assert moved.detail["before"] == {"grid": "C", "tier": None}
    again = preview(env, raw)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}


def test_utf8_with_bom_english_header_any_column_order_and_utf16_tab_separated(env):
    text = ("name,code,parent,level,officers\n"
            "城关镇第9网格,T01-A09,T01,area,\n"
            "城关镇（更名）,T01,C,town,gridofficer\n")
    plan = preview(env, codecs.BOM_UTF8 + text.encode("utf-8"))
    assert plan.encoding == "utf-8-sig" and plan.ok
    assert [(r.code, r.action, [c.code for c in r.changes]) for r in plan.rows] == [
        ("T01-A09", "create", []), ("T01", "update", ["change_name"])]
    tabbed = text.replace(",", "\t").encode("utf-16")
    assert preview(env, tabbed).digest == plan.digest


def test_errors_name_their_line_and_nothing_is_applied(env):
    text = CHINESE_HEADER + (
        "村,T01-A01-V09,新村,T01-NOPE,\n"            # 2 unknown parent
        "村,T01-A01-V08,越级村,T01,\n"               # 3 a village directly under a town
        "\n"                                         # 4 blank lines are skipped
        "网格,T02-A09,东城第9网格,T02,\n"            # 5 fine on its own
        "网格,T02-A09,东城第9网格重复,T02,\n"        # 6 duplicate code
        "乡镇,T02-A01,改成乡镇,C,\n"                 # 7 an existing area cannot become a town
        "村,T02-A01-V01,某村,T02-A01,nobody\n"       # 8 unknown officer
        "村,T02-A01-V02,某村,T02-A01,lead\n"         # 9 a lead is no grid officer
        "乡镇,T03,青山镇,C,town\n"                   # 10 a supervisor neither
        "片区,T03-A01,,T03,\n"                       # 11 name missing
        "大区,T03-X,某某,T03,\n"                     # 12 unknown level word
        "县,C2,另一个县,,\n"                         # 13 a second county
        "县,C,示范县,,gridofficer\n"                 # 14 officers at county level
        "网格,T04/A01,斜杠,T04,\n"                   # 15 '/' would break paths
    )
    before = tree_state(env)
    plan = preview(env, text.encode("utf-8"))
    assert errors(plan) == [
        (2, "unknown_parent"), (3, "grid_parent_level"), (6, "duplicate_code"), (7, "level_change"),
        (8, "officer_unknown"), (9, "officer_role"), (10, "officer_role"), (11, "required"), (12, "level_unknown"),
        (13, "grid_second_root"), (14, "officer_level"), (15, "grid_code_format")]
    assert plan.rows[3].errors[0].params == {"code": "T02-A09", "first_line": 5}
    assert plan.rows[2].action == "create" and not plan.ok
    with pytest.raises(grid_import.ImportRefused) as err:
        apply(env, text.encode("utf-8"))
    assert err.value.codes() == ["import_has_errors"] and err.value.plan.count("error") == 12
    assert tree_state(env) == before


def test_officer_listed_twice_and_not_listed_warnings(env):
    with env.db.write() as s:
        pa.create_user(s, {"username": "li", "display_name": "网格员 李", "roles": ["handler"], "grid": "T02",
                           "tier": "1"}, "admin", env.clock.now())
    text = CHINESE_HEADER + ("乡镇,T01,城关镇,C,handler\n"
                             "乡镇,T02,东城街道,C,handler2、handler\n")
    plan = preview(env, text.encode("utf-8"))
    assert errors(plan) == [(3, "officer_twice")]
    plan = preview(env, (CHINESE_HEADER + "乡镇,T02,东城街道,C,handler2；handler\n").encode("utf-8"))
    assert plan.ok and [c.params["username"] for c in plan.rows[0].changes] == ["handler2", "handler"]
    assert [(w.code, w.params["username"]) for w in plan.rows[0].warnings] == [("officer_not_listed", "li")]


@pytest.mark.parametrize("raw, code", [
    (b"", "file_empty"),
    ("编码,名称\nT01,城关镇\n".encode(), "header_missing"),
    (CHINESE_HEADER.encode(), "file_no_rows"),
    (b"\xff\xfe\x00\xd8", "file_encoding"),  # a lone UTF-16 surrogate
])
def test_file_problems(env, raw, code):
    plan = preview(env, raw)
    assert [p.code for p in plan.file_errors] == [code]


def test_size_and_row_limits(env, monkeypatch):
    plan = preview(env, b"x" * (grid_import.MAX_BYTES + 1))
    assert [(p.code, p.params) for p in plan.file_errors] == [("file_too_large", {"mb": 5})]
    monkeypatch.setattr(grid_import, "MAX_ROWS", 2)
    rows = "".join(f"网格,T01-A{n},第{n}网格,T01,\n" for n in range(10, 13))
    plan = preview(env, (CHINESE_HEADER + rows).encode())
    assert [(p.code, p.params) for p in plan.file_errors] == [("too_many_rows", {"n": 2})]


def test_a_tree_changed_since_the_preview_is_not_applied(env):
    raw = (CHINESE_HEADER + "乡镇,T01,城关镇新名,C,\n").encode()
    plan = preview(env, raw)
    with env.db.write() as s:
        grid_tree.rename_node(s, "T01", "城关镇新名", "admin2", env.clock.now())
    with pytest.raises(grid_import.ImportRefused) as err:
        apply(env, raw, plan.digest)
    assert err.value.codes() == ["import_stale"] and err.value.plan.count("unchanged") == 1


# ---------------------------------------------------------------------------- moving nodes


@pytest.fixture
def reorganised(env):
    """An area of 城关镇 (T01) with open work moves to 东城街道 (T02); T02 has its own staff."""
    now = env.clock.now()
    with env.db.write() as s:
        pa.create_user(s, {"username": "town2", "display_name": "东城街道环保办", "roles": ["supervisor"], "grid": "T02",
                           "tier": "2"}, "admin", now)
        pa.create_user(s, {"username": "officer2", "display_name": "东城网格员", "roles": ["handler"],
                           "grid": "T02", "tier": "1"}, "admin", now)
    late = env.register(title="化工厂夜间异味", grid_code="T01-A01-V01")
    env.complete(late, "receive", {"decision": "accept"})
    env.at("2026-03-03T16:00:01+00:00")  # assignment overdue: a tier-2 supervision task for the town
    handling = env.register(title="养殖场污水", category="water", grid_code="T01-A01-V02")
    env.accept_and_assign(handling, "water")
    done = env.register(title="不属实的投诉", grid_code="T01-A01-V02")
    env.complete(done, "receive", {"decision": "reject", "reason": "不属于环境问题"})
    return {"late": late, "handling": handling, "done": done}


def sees(env, username: str) -> set[tuple[int, str]]:
    with env.db.read() as s:
        staff = load_staff(s, s.scalar(select(User.id).where(User.username == username)))
        page = inbox_page(s, task_scope(staff), view="group", user_id=staff.id, now=env.clock.now(),
                          tz="Asia/Shanghai")
        return {(row.task.case_id, row.task.spec) for row in page.rows}


def test_moving_an_area_by_import_moves_its_open_work_to_the_new_towns_staff(env, reorganised):
    late, handling, done = reorganised["late"].id, reorganised["handling"].id, reorganised["done"].id
    assert (late, "supervise") in sees(env, "town") and (late, "supervise") not in sees(env, "town2")
    assert (handling, "handle") in sees(env, "gridofficer") and (handling, "handle") not in sees(env, "officer2")

    raw = (CHINESE_HEADER + "网格,T01-A01,城关镇第1网格,T02,\n").encode()
    plan = preview(env, raw)
    assert [(c.code, c.params) for c in plan.rows[0].changes] == [("change_parent", {"old": "T01", "new": "T02"})]
    applied = apply(env, raw, plan.digest)
    assert (applied.updated, applied.moved_cases) == (1, 2) and applied.moved_tasks >= 3

    assert grid(env, "T01-A01-V01").path == "/C/T02/T01-A01/T01-A01-V01/"
    with env.db.read() as s:
        paths = dict(s.execute(select(Case.id, Case.grid_path)).all())
        ready = set(s.scalars(select(Task.grid_path).where(Task.state == "ready")))
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "grid_imported")).one()
    assert paths[late] == "/C/T02/T01-A01/T01-A01-V01/" and paths[handling] == "/C/T02/T01-A01/T01-A01-V02/"
    assert paths[done] == "/C/T01/T01-A01/T01-A01-V02/", "a finished case keeps the place it was handled under"
    assert not any(p.startswith("/C/T01/T01-A01/") for p in ready)
    assert event.detail["moved"] == [{"code": "T01-A01", "from": "T01", "to": "T02", "cases": 2,
                                      "tasks": applied.moved_tasks}]

    assert (late, "supervise") in sees(env, "town2") and (late, "supervise") not in sees(env, "town")
    assert (handling, "handle") in sees(env, "officer2") and (handling, "handle") not in sees(env, "gridofficer")
    # The next engine step projects the new path too (it copies the case's).
    env.complete(reorganised["late"], "assign", {"action": "assign", "department": "air"})
    assert env.task(late, "handle").grid_path == "/C/T02/T01-A01/T01-A01-V01/"
    with env.db.read() as s:
        task = s.get(Task, env.task(late, "handle").id)
        officer2 = s.scalar(select(User.id).where(User.username == "officer2"))
        assert officer2 in Directory(s).recipients(Audience.of_task(task, personal=False))


def test_moving_a_node_from_the_tree_page(env, reorganised):
    now = env.clock.now()
    with pytest.raises(AdminError) as err:
        with env.db.write() as s:
            grid_tree.move_node(s, "T01-A01-V01", "T02", "admin", now)
    assert err.value.codes("parent") == ["grid_parent_level"]
    with env.db.write() as s:
        moved = grid_tree.move_node(s, "T01-A01-V01", "T02-A01", "admin", now)
    assert (moved.nodes, moved.cases) == (1, 1)
    assert env.case(reorganised["late"]).grid_path == "/C/T02/T02-A01/T01-A01-V01/"
    with env.db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "grid_moved")).one()
        assert event.detail["before"] == {"parent": "T01-A01", "path": "/C/T01/T01-A01/T01-A01-V01/"}
        assert s.scalar(select(func.count()).select_from(Grid).where(Grid.path.like("/C/T02/%"))) == 1 + 2 + 4 + 1


def test_adding_and_renaming_nodes(env):
    now = env.clock.now()
    with env.db.write() as s:
        node = grid_tree.add_node(s, "T02-A03", "东城街道第3网格", "T02", "admin", now)
        assert (node.level, node.path) == ("area", "/C/T02/T02-A03/")
    for code, name, parent, expected in [("T02-A03", "重复", "T02", {"code": ["grid_code_taken"]}),
                                         ("X1", "无上级", None, {"parent": ["grid_second_root"]}),
                                         ("V9", "村下", "T01-A01-V01", {"parent": ["grid_no_children"]}),
                                         ("a b", "", "T02", {"code": ["grid_code_format"], "name": ["required"]})]:
        with pytest.raises(AdminError) as err:
            with env.db.write() as s:
                grid_tree.add_node(s, code, name, parent, "admin", now)
        assert {k: [p.code for p in v] for k, v in err.value.problems.items()} == expected
    with env.db.write() as s:
        grid_tree.rename_node(s, "T02-A03", "东城街道三网格", "admin", now)
    assert grid(env, "T02-A03").name == "东城街道三网格"
