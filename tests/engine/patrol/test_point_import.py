"""Importing patrol points from CSV: the dry run names each line's action or its field errors,
Excel's encodings are read, a file with any error imports nothing, the export imports back
unchanged."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.core.errors import FormInvalid
from engine.models import PatrolPoint
from engine.patrol import point_import
from tests.engine.patrol.conftest import add_point, set_clock

HEADER = "名称,类型,网格编码,纬度,经度,地址,检查项,巡查间隔,网格员账号\n"
GOOD = (HEADER + "东河桥断面,河段,T01-A01,30.01,120.02,东河桥,水色；漂浮物；排口,,gridofficer\n"
        "城西工地,construction,T01-A01-V01,30.02,120.03,,扬尘；围挡,3,\n")


def _points(env):
    with env.db.read() as s:
        return {p.name: p for p in s.scalars(select(PatrolPoint))}


def test_the_dry_run_lists_each_line_and_changes_nothing(env):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    add_point(env)  # 城关镇玻璃厂 at T01-A01-V01
    raw = (GOOD + "城关镇玻璃厂,企业,T01-A01-V01,30.0000,120.0000,城关镇河西路 9 号,废气处理设施运行；危废台账；厂界异味,,\n"
           "缺坐标,企业,T01-A01,,120,,,,\n"
           "不明网格,餐饮街区,NOPE,30,120,,,,\n"
           "东河桥断面,河段,T01-A01,30.01,120.02,,,,\n"
           "乱填类型,工厂,T01-A01,30,120,,,,nobody\n").encode("utf-8")
    with env.db.read() as s:
        plan = point_import.preview(s, raw)
    got = {x.line: (x.values["name"], x.action, sorted(x.errors)) for x in plan.lines}
    assert got == {
        2: ("东河桥断面", "create", []), 3: ("城西工地", "create", []), 4: ("城关镇玻璃厂", "update", []),
        5: ("缺坐标", "error", ["latitude"]), 6: ("不明网格", "error", ["grid_code"]),
        7: ("东河桥断面", "error", ["name"]), 8: ("乱填类型", "error", ["kind", "officer"])}
    assert "第 2 行" in plan.lines[5].errors["name"][0]
    assert plan.counts == {"create": 2, "update": 1, "unchanged": 0, "error": 4} and not plan.ok
    with env.db.write() as s:
        with pytest.raises(FormInvalid):
            point_import.apply(s, raw, actor="admin", now=env.clock.now())
    assert set(_points(env)) == {"城关镇玻璃厂"}  # all or nothing


def test_a_clean_file_imports_and_its_export_imports_back_unchanged(env):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    with env.db.write() as s:
        plan = point_import.apply(s, GOOD.encode("gb18030"), actor="admin", now=env.clock.now())
    assert plan.encoding == "gb18030" and plan.counts["create"] == 2
    made = _points(env)
    river = made["东河桥断面"]
    assert (river.kind, river.checklist, river.officer_id is not None) == ("river", ["水色", "漂浮物", "排口"], True)
    assert made["城西工地"].every_days == 3
    with env.db.read() as s:
        exported = point_import.export_csv(s)
        again = point_import.preview(s, exported)
    assert again.ok and again.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    # UTF-16 tab-separated ("Unicode text") reads the same.
    with env.db.read() as s:
        tabbed = point_import.preview(s, GOOD.replace(",", "\t").encode("utf-16"))
    assert tabbed.counts["unchanged"] == 2


@pytest.mark.parametrize("raw, message", [
    (b"", "空"), ("名称,类型\nA,企业\n".encode(), "缺少列"), (HEADER.encode(), "没有巡查点"),
    (b"\x00\x01\xff\xfe\x00garbage" * 3, "编码"),
])
def test_file_errors(env, raw, message):
    with env.db.read() as s:
        plan = point_import.preview(s, raw)
    assert not plan.ok and message in plan.file_errors[0]
