"""The plan's problem codes (engine/inspections/plans.py, recording.py) in words."""
from __future__ import annotations

from flask_babel import gettext as _

from engine.core.errors import Problem
from engine.vocabulary.words import N_

FIELDS = {"year": N_("年度"), "name": N_("计划名称"), "rate_key": N_("重点类抽查比例"),
          "rate_general": N_("一般类抽查比例"), "rate_special": N_("特殊类抽查比例"),
          "per_object": N_("每家企业检查人员数"), "bureau_min": N_("其中本局人员至少"),
          "publish_days": N_("结果公示期限（工作日）"), "inspect_days": N_("检查期限（工作日）"),
          "public_value": N_("公开随机值")}


def field_name(name: str) -> str:
    return _(FIELDS[name]) if name in FIELDS else name


def describe(problem: Problem) -> str:
    p = problem.params
    words = {
        "required": lambda: _("必填"),
        "plan_year": lambda: _("年度应为 2000–2100 之间的年份"),
        "plan_rate": lambda: _("比例应为 0–100 之间的数字（百分比）"),
        "plan_no_rate": lambda: _("至少为一个监管类别设定抽查比例"),
        "plan_number": lambda: _("应为 %(low)s–%(high)s 之间的整数", low=p.get("low"), high=p.get("high")),
        "plan_bureau_min": lambda: _("本局人员数不能多于每家企业的检查人员数"),
        "plan_name_taken": lambda: _("该年度已有同名计划"),
        "plan_fixed": lambda: _("随机种子已确定，计划不能再修改"),
        "plan_seeded": lambda: _("随机种子已确定，不能重新登记公开随机值"),
        "plan_no_pool": lambda: _("请先在计划中选择检查人员（执法人员库）"),
        "plan_not_seeded": lambda: _("请先登记抽取前公布的公开随机值"),
        "plan_drawn": lambda: _("本计划已抽取"),
    }
    found = words.get(problem.code)
    return found() if found else problem.code
