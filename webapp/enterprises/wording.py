"""The register's problem codes (engine/enterprises/register.py, register_import.py) in words."""
from __future__ import annotations

from flask_babel import gettext as _

from engine.core.errors import Problem

FIELDS = {"credit_code": "统一社会信用代码", "name": "企业名称", "address": "地址", "grid": "网格编码",
          "industry": "行业", "supervision_class": "监管类别", "permit_number": "排污许可证编号",
          "permit_expires": "许可证有效期至", "contacts": "联系人", "stations": "监测点位"}


def field_name(name: str) -> str:
    return _(FIELDS[name]) if name in FIELDS else name


def describe(problem: Problem) -> str:
    p = problem.params
    words = {
        "required": lambda: _("必填"),
        "too_long": lambda: _("不超过 %(n)s 个字", n=p.get("n")),
        "too_many": lambda: _("最多 %(n)s 项", n=p.get("n")),
        "credit_code_length": lambda: _("统一社会信用代码应为 18 位：%(value)s", value=p.get("value")),
        "credit_code_characters": lambda: _("统一社会信用代码含有不允许的字符：%(value)s", value=p.get("value")),
        "credit_code_check": lambda: _("统一社会信用代码校验位不正确：%(value)s", value=p.get("value")),
        "credit_code_taken": lambda: _("统一社会信用代码 %(value)s 已在台账中", value=p.get("value")),
        "unknown_grid": lambda: _("网格 %(value)s 不存在", value=p.get("value")),
        "supervision_class_unknown": lambda: _("监管类别应为 重点、一般 或 特殊：%(value)s", value=p.get("value")),
        "date_format": lambda: _("日期格式应为 YYYY-MM-DD：%(value)s", value=p.get("value")),
        "contact_format": lambda: _("联系人应写作“姓名 电话”：%(value)s", value=p.get("value")),
        "station_format": lambda: _("监测点位编码只能含字母、数字和 - _ .：%(value)s", value=p.get("value")),
        "station_twice": lambda: _("监测点位重复"),
        "station_taken": lambda: _("监测点位 %(value)s 已属于其他企业", value=p.get("value")),
        "station_twice_in_file": lambda: _("监测点位 %(value)s 与第 %(line)s 行重复", value=p.get("value"),
                                           line=p.get("first_line")),
        "duplicate_code": lambda: _("统一社会信用代码 %(value)s 与第 %(line)s 行重复", value=p.get("value"),
                                    line=p.get("first_line")),
        "file_too_large": lambda: _("文件超过 %(mb)s MB", mb=p.get("mb")),
        "file_unpacks_too_large": lambda: _("Excel 文件解压后超过 %(mb)s MB", mb=p.get("mb")),
        "file_not_workbook": lambda: _("无法读取该 Excel 文件（请上传 .xlsx 或 CSV）"),
        "file_encoding": lambda: _("无法识别文件编码（请上传 .xlsx，或 UTF-8 / GBK 编码的 CSV）"),
        "header_missing": lambda: _("第 %(line)s 行表头缺少列：%(columns)s", line=p.get("line"),
                                    columns="、".join(field_name(c) for c in p.get("columns", []))),
        "too_many_rows": lambda: _("超过 %(n)s 行", n=p.get("n")),
        "file_empty": lambda: _("文件是空的"),
        "file_no_rows": lambda: _("文件只有表头，没有数据行"),
        "import_has_errors": lambda: _("文件有 %(n)s 行错误，未导入任何数据", n=p.get("error")),
        "patrol_point_unknown": lambda: _("请选择本乡镇尚未关联其他企业的巡查点"),
        "listing_open": lambda: _("%(name)s 已在正面清单内或正在申报", name=p.get("name")),
    }
    found = words.get(problem.code)
    return found() if found else problem.code
