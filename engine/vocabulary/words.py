"""Code → word, once per vocabulary. The codes are those of engine/models; the words are Chinese
and serve as message ids for the web app's English catalogue (see the package docstring)."""
from __future__ import annotations

from collections.abc import Mapping


def N_(text: str) -> str:
    """Marks a message id for extraction (``pybabel extract -k N_``) and returns it unchanged."""
    return text


STAGES = {
    "receive": N_("受理"), "assign": N_("交办"), "handle": N_("办理"), "extension": N_("延期审批"),
    "feedback": N_("反馈"), "review": N_("审核"), "follow_up": N_("回访"), "follow_up_review": N_("不满意件复核"),
    "supervise": N_("督办"), "leader_check": N_("领导调度"), "leader_follow_up": N_("会商事项落实"),
    "sign_for": N_("签收"), "return_review": N_("退单审核"), "patrol": N_("网格巡查"),
    "rectify": N_("整改销号"), "reinspect": N_("后督察"),
    "positive_list": N_("正面清单"), "enforcement": N_("执法办案"), "agency": N_("转办部门办理"),
    "selfcheck": N_("企业自查"), "inspection": N_("双随机检查"),
}
# The pollution-source register (engine/models/enterprise.py, engine/enterprises).
SUPERVISION_CLASSES = {"key": N_("重点"), "general": N_("一般"), "special": N_("特殊")}
LISTING_STATUSES = {"proposed": N_("申报中"), "rejected": N_("未获批准"), "listed": N_("在清单内"), "removed": N_("已移出"),
                    "expired": N_("期满")}
# What asked for a positive-list review (engine/enterprises/positive_list.py TRIGGERS).
REVIEW_TRIGGERS = {"complaint": N_("投诉"), "alarm": N_("监测报警"), "violation": N_("违法行为"), "manual": N_("人工发起")}
REVIEW_DECISIONS = {"keep": N_("保留"), "remove": N_("移出")}
# Random inspections (engine/inspections): a plan's status, an inspection's step, mode and result.
PLAN_STATUSES = {"draft": N_("待抽取"), "seeded": N_("已确定随机种子"), "drawn": N_("已抽取"), "published": N_("已公示")}
INSPECTION_STEPS = {"notify": N_("检查通知"), "inspect": N_("实施检查"), "rectify": N_("整改复查"), "done": N_("已完成")}
INSPECTION_MODES = {"on_site": N_("现场检查"), "off_site": N_("非现场检查")}
INSPECTION_RESULTS = {"compliant": N_("未发现问题"), "rectified": N_("发现问题，已整改"),
                      "not_rectified": N_("发现问题，未整改到位"), "violation": N_("发现环境违法行为，转执法办案")}
# A re-inspection's result (engine/reinspection/functions.py).
REINSPECTION_RESULTS = {"holds": N_("整改成果保持"), "relapsed": N_("问题反弹")}
# A rectification item (engine/rectification/items.py).
RECTIFICATION_STATUSES = {"open": N_("整改中"), "submitted": N_("待销号"), "signed_off": N_("已销号")}
# Supervision tiers (一级督一级), lowest first.
TIERS = {1: N_("网格员"), 2: N_("乡镇（街道）"), 3: N_("县局督查科"), 4: N_("局领导")}
COLOURS = {"red": N_("红色 超期"), "yellow": N_("黄色 预警"), "blue": N_("蓝色 在办"), "green": N_("绿色 办结")}
CATEGORIES = {
    "air": N_("大气"), "water": N_("水"), "noise": N_("噪声"), "solid_waste": N_("固体废物"), "soil": N_("土壤"),
    "radiation": N_("辐射"), "ecology": N_("生态"), "other": N_("其他"),
}
# In the order the intake form offers them: the hotline first, as most cases come from it.
CHANNELS = {
    "hotline": N_("12345/12369 热线"), "visit": N_("来访"), "letter": N_("来信"), "grid": N_("网格员上报"),
    "monitoring": N_("在线监测"), "higher": N_("上级转办"), "public": N_("网上投诉"),
}
SUBJECT_TYPES = {
    "enterprise": N_("企业"), "construction": N_("建筑施工"), "catering": N_("餐饮"), "residential": N_("社会生活"),
    "traffic": N_("交通"), "livestock": N_("畜禽养殖"), "other": N_("其他"),
}
STATUSES = {
    "received": N_("已登记"), "accepted": N_("已受理"), "handling": N_("办理中"), "closed": N_("已办结"),
    "rejected": N_("不予受理"), "transferred": N_("已转办"), "merged": N_("已合并"), "reopened": N_("重新办理"),
}
# Where a case is, in the complainant's terms (engine/public/portal.public_status).
PUBLIC_STATUSES = {
    "received": N_("已提交，待受理"), "accepted": N_("已受理"), "handling": N_("办理中"),
    "replying": N_("办理完毕，正在答复"), "awaiting_rating": N_("已答复，请评价"), "reviewing": N_("不满意件复核中"),
    "finished": N_("已办结"), "rejected": N_("不予受理"), "transferred": N_("已转交其他部门"),
    "merged": N_("已与同一问题合并办理"), "reopened": N_("重新办理中"),
}
SATISFACTION = {
    "satisfied": N_("满意"), "basically_satisfied": N_("基本满意"), "unsatisfied": N_("不满意"),
    "unreachable": N_("无法联系"),
}
# Roles; the first four are also the diagrams' candidate groups (the lanes).
ROLES = {
    "intake": N_("受理员"), "handler": N_("承办人"), "lead": N_("科室负责人"), "supervisor": N_("督办人员"),
    "admin": N_("管理员"),
}
# A leader's own case (领导包案): what they record on it, and the supervision section's flags.
LEADER_RECORDS = {"check": N_("调度"), "meeting": N_("会商"), "visit": N_("带案下访")}
CASE_FLAGS = {"key": N_("重点"), "difficult": N_("疑难"), "backlog": N_("积案")}
PATROL_POINT_KINDS = {"enterprise": N_("企业"), "construction": N_("建筑工地"), "river": N_("河段"),
                      "catering": N_("餐饮街区"), "other": N_("其他")}
PATROL_STATUSES = {"open": N_("待巡查"), "done": N_("已巡查"), "missed": N_("漏巡")}
# How the handler checked the problem (办理 form's ``check_method``): on site, or one of the
# non-site (非现场) ways whose share of enforcement is reported.
CHECK_METHODS = {
    "on_site": N_("现场检查"), "online_monitoring": N_("在线监测"), "power_monitoring": N_("用电监控"),
    "video": N_("视频监控"), "drone": N_("无人机巡查"), "remote_documents": N_("远程查阅资料"),
}
# An enforcement case (engine/enforcement): its step, the production limits a decision orders
# and the police's decision on a case handed over (移交公安).
ENFORCEMENT_STEPS = {
    "file": N_("立案"), "investigate": N_("调查取证"), "handover": N_("移交公安"), "police": N_("待公安机关决定"),
    "decide": N_("处罚决定"), "rectify_check": N_("整改复查"), "close": N_("结案审批"), "closed": N_("已结案"),
}
ENFORCEMENT_SOURCES = {"handle": N_("投诉办理"), "patrol": N_("网格巡查"), "inspection": N_("双随机检查")}
PRODUCTION_LIMITS = {"none": N_("无"), "limit": N_("限制生产"), "stop": N_("停产整治")}
POLICE_DECISIONS = {"filed": N_("立案"), "not_filed": N_("不予立案"), "returned": N_("退回")}
# What an outside agency answers on a case transferred to it (转办): done there, or back to the bureau.
AGENCY_RESULTS = {"done": N_("已办结"), "back": N_("退回环保局办理")}
CHECK_MODES = {"on_site": N_("现场"), "non_site": N_("非现场")}


def check_mode(method: str | None) -> str | None:
    """on_site | non_site for a check method, None when the method was not recorded."""
    if method not in CHECK_METHODS:
        return None
    return "on_site" if method == "on_site" else "non_site"


GRID_LEVELS = {"county": N_("县"), "town": N_("乡镇（街道）"), "area": N_("网格"), "village": N_("村（社区）")}
# What a notification is about (engine/notify), as the bell's badge says it.
NOTIFICATION_KINDS = {
    "task": N_("新任务"), "warning": N_("预警"), "escalation": N_("督办"), "supervised": N_("督办意见"),
    "returned": N_("退单"), "approval": N_("审批结果"), "closed": N_("待回访"), "reassigned": N_("改派"),
    "supplement": N_("补充材料"), "report": N_("统计报告"),
}
# How often a person wants notifications by e-mail (engine/notify/preferences.py).
EMAIL_FREQUENCIES = {"immediately": N_("即时发送"), "daily": N_("每日汇总一封"), "never": N_("不发送邮件")}
# The statistics (engine/measures/definitions.py; the names the issue and the bureau's reports use).
MEASURES = {
    "received": N_("受理总量"), "accepted": N_("受理件"), "closed": N_("办结件"), "closure_rate": N_("办结率"),
    "on_time_rate": N_("按时办结率"), "follow_up_rate": N_("回访率"), "satisfaction_rate": N_("满意率"),
    "repeat_rate": N_("重复投诉率"), "overdue": N_("超期件"), "warning": N_("预警件"), "escalated": N_("督办件"),
    "return_rate": N_("退单率"), "handling_time": N_("平均办理时长"),
    "non_site_rate": N_("非现场执法占比"), "relapsed": N_("反弹件"), "recurrent": N_("重复发生件"),
    # Enforcement (engine/measures/enforcement.py).
    "enforcement_filed": N_("立案数"), "enforcement_fines": N_("罚款金额（元）"),
    "enforcement_limits": N_("限产停产数"), "enforcement_handovers": N_("移交公安数"),
}
# The counts the measures are made of (numerators and denominators) that are not measures themselves.
MEASURE_FACTS = {
    "closed_on_time": N_("按时办结件"), "followed_up": N_("已回访件"), "rated": N_("有效回访件"),
    "satisfied": N_("满意件"), "merged": N_("重复件"), "assigned": N_("交办件"), "returned": N_("退单件"),
    "handled": N_("已办理件"), "handled_non_site": N_("非现场办理件"),
}
# The patrol figures (engine/measures/field.py; counted per officer, work area and town).
PATROL_FIGURES = {
    "due": N_("应巡查"), "done": N_("已巡查"), "on_time": N_("按时巡查"), "problems": N_("发现问题"),
    "solved": N_("问题已解决"), "done_rate": N_("巡查完成率"), "on_time_rate": N_("按时巡查率"),
    "solved_rate": N_("问题解决率"),
}
PATROL_SLICES = {"officer": N_("网格员"), "area": N_("网格"), "town": N_("乡镇（街道）")}
# What the statistics can be broken down by.
SLICES = {
    "town": N_("乡镇（街道）"), "area": N_("网格"), "department": N_("承办部门"), "category": N_("问题类别"),
    "channel": N_("来源渠道"), "tier": N_("督办层级"),
}
# A slice of cases without the thing sliced by: no place, not yet assigned to a department.
NO_PLACE, NO_DEPARTMENT = N_("未定位"), N_("未交办")
# Periodic reports (engine/reports) and the days a weekly one may be issued on (Monday = 0).
REPORTS = {"daily": N_("日报"), "weekly": N_("周报"), "monthly": N_("月报")}
WEEKDAYS = {0: N_("星期一"), 1: N_("星期二"), 2: N_("星期三"), 3: N_("星期四"), 4: N_("星期五"), 5: N_("星期六"),
            6: N_("星期日")}
# Who did something, when it was not a member of staff.
ACTORS = {"system": N_("系统"), "public": N_("投诉人（网上）")}


def lookup(table: Mapping, code) -> str | None:
    """The word for ``code`` (a tier may come as text from JSON), None when there is none."""
    key = int(code) if isinstance(code, str) and code.isdigit() else code
    try:
        return table.get(key)
    except TypeError:  # a list or dict where a code belongs
        return None


def word(table: Mapping, code) -> str:
    """The word for ``code``; the code itself when unknown, "" for none."""
    found = lookup(table, code)
    return found if found is not None else "" if code is None else str(code)
