"""The register: the edit's checks and the Excel/CSV import's dry run with line errors, then all or nothing."""
import io

import openpyxl
import pytest
from sqlalchemy import select

from engine.core.errors import AdminError
from engine.enterprises import register, register_import
from engine.models.enterprise import Enterprise, MonitoringPoint

HEADER = "统一社会信用代码,企业名称,地址,网格编码,行业,监管类别,排污许可证编号,许可证有效期至,联系人,监测点位\n"
GOOD = "9144030071526726XG,青山造纸厂,青山镇纸业路 8 号,T05,造纸,一般,,2027/6/30,李四 13900000002,ST0101；ST0102\n"
BAD = ("91330100716105852E,坏代码公司,,T01,化工,重点,,,,\n"  # wrong check character
       "91330100716105852F,,,T99,化工,很重要,,2027-13-01,,\n"  # no name, unknown grid and class, bad date
       "9144030071526726XG,重复,,T01,化工,重点,,,,\n")  # the first line's code again


def test_the_dry_run_lists_each_lines_errors_and_applying_refuses(env):
    raw = (HEADER + GOOD + BAD).encode("utf-8")
    with env.db.read() as s:
        plan = register_import.preview(s, raw)
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 3}
    errors = {row.line: sorted(p.code for _c, p in row.errors) for row in plan.rows if row.errors}
    assert errors == {3: ["credit_code_check"],
                      4: ["date_format", "required", "supervision_class_unknown", "unknown_grid"],
                      5: ["duplicate_code"]}
    with pytest.raises(register_import.ImportRefused):
        env.run(lambda s, _rt: register_import.apply(s, raw, "admin", env.clock.now()))
    assert env.count(Enterprise) == 0


def test_a_gbk_csv_and_an_excel_file_import_and_again_change_nothing(env, enterprise):
    raw = (HEADER + GOOD).encode("gb18030")
    plan = env.run(lambda s, _rt: register_import.apply(s, raw, "admin", env.clock.now()))
    assert plan.counts["create"] == 1
    with env.db.read() as s:
        e = s.scalars(select(Enterprise).where(Enterprise.name == "青山造纸厂")).one()
        assert (e.supervision_class, e.permit_expires.isoformat(), e.contacts) == \
            ("general", "2027-06-30", [{"name": "李四", "phone": "13900000002"}])
        assert sorted(s.scalars(select(MonitoringPoint.station_code).where(MonitoringPoint.enterprise_id == e.id))) \
            == ["ST0101", "ST0102"]
        assert register_import.preview(s, raw).counts["unchanged"] == 1
    book = openpyxl.Workbook()
    book.active.append(HEADER.strip().split(","))
    book.active.append(["91350100M000100Y43", "示范化工有限公司（新名）", "", "T01-A01", "化工", "重点", "", None, "", "ST0001"])
    out = io.BytesIO()
    book.save(out)
    with env.db.read() as s:
        plan = register_import.preview(s, out.getvalue())
    assert plan.kind == "xlsx" and plan.counts["update"] == 1


def test_the_edit_refuses_a_taken_code_or_station(env, enterprise):
    with pytest.raises(AdminError) as refused:
        env.run(lambda s, _rt: register.save(s, {"credit_code": "91350100M000100Y43", "name": "另一家",
                                                 "grid": "T01", "supervision_class": "一般", "stations": "ST0001"},
                                             "admin", env.clock.now()))
    assert refused.value.codes("credit_code") == ["credit_code_taken"]
    assert refused.value.codes("stations") == ["station_taken"]
    changed = env.run(lambda s, _rt: register.save(s, {**register.form_values(
        s.get(Enterprise, enterprise.id), ["ST0001", "ST0009"], "T01-A01"), "name": "示范化工股份有限公司"},
        "admin", env.clock.now(), enterprise.id))
    with env.db.read() as s:
        assert s.get(Enterprise, changed.id).name == "示范化工股份有限公司"
        assert register.stations_of(s, enterprise.id) == ["ST0001", "ST0009"]
