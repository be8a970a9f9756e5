"""How the people-and-places pages word things (人员与网格): the names of kinds, statuses and form
fields, and the engine/org problem codes as sentences in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from engine.core.errors import AdminError, Problem
from engine.models import GRID_LEVELS, LOCAL_GRID_LEVELS
from webapp import labels

KIND_NAMES = {"bureau": _l("局内科室"), "external": _l("外部单位")}
STATUS_NAMES = {"active": _l("在用"), "inactive": _l("已停用"), "all": _l("全部")}
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}
HISTORY_NAMES = {"acted": _l("办理或操作记录"), "tasks": _l("任务"), "cases": _l("登记或包案的案件"),
                 "records": _l("其他记录")}
COLUMN_NAMES = {"code": _l("编码"), "name": _l("名称")}
FIELD_NAMES = {"display_name": _l("姓名"), "email": _l("邮箱"), "phone": _l("电话"), "roles": _l("角色"),
               "department": _l("部门"), "grid": _l("所属网格"), "tier": _l("督办层级"), "locale": _l("界面语言"),
               "active": _l("在用")}

MESSAGES = {
    "required": _l("请填写此项"),
    "too_long": _l("不能超过 %(n)s 个字符"),
    "choice": _l("请选择有效的选项"),
    "username_format": _l("用户名须为 2–64 位小写字母、数字或 _ . -，以字母或数字开头"),
    "username_taken": _l("用户名 %(username)s 已被使用"),
    "email_format": _l("邮箱格式不正确"),
    "phone_format": _l("电话号码格式不正确"),
    "roles_required": _l("请至少选择一个角色"),
    "unknown_department": _l("部门 %(code)s 不存在"),
    "unknown_grid": _l("网格 %(code)s 不存在"),
    "supervisor_tier": _l("督办人员须选择层级：2 乡镇（街道）、3 县局督查科或 4 局领导"),
    "tier2_at_town": _l("层级 2 的督办人员须派驻到乡镇（街道）"),
    "tier34_at_county": _l("层级 3、4 的督办人员须派驻在县级"),
    "grid_officer_tier": _l("派驻到乡镇、网格或村的承办人即网格员，层级须为 1"),
    "grid_officer_posting": _l("层级 1（网格员）须派驻到乡镇、网格或村"),
    "tier_not_allowed": _l("只有督办人员和网格员有层级"),
    "handler_needs_department": _l("承办人须属于一个部门，或作为网格员派驻到乡镇、网格或村"),
    "lead_needs_department": _l("科室负责人须属于一个部门"),
    "external_department": _l("%(name)s 是外部单位，其人员只能是承办人或科室负责人"),
    "posting_required": _l("受理员和督办人员须选择所属网格"),
    "own_admin": _l("不能取消自己的管理员角色"),
    "own_account": _l("不能停用或删除自己的账号"),
    "last_admin": _l("这是最后一个在用的管理员账号，不能取消其管理员角色或停用"),
    "password_short": _l("密码至少 %(n)s 个字符"),
    "user_has_history": _l("该账号已有记录（%(history)s），不能删除，只能停用"),
    "department_code_format": _l("部门编码须为 2–64 位小写字母、数字或下划线，以字母开头"),
    "department_code_taken": _l("部门编码 %(code)s 已存在"),
    "department_name_taken": _l("部门名称 %(name)s 已存在"),
    "department_has_staff": _l("该部门还有 %(n)s 名承办人或负责人，不能改为外部单位"),
    "department_has_users": _l("该部门还有 %(n)s 个账号"),
    "department_has_cases": _l("该部门承办过 %(n)s 件案件"),
    "department_has_tasks": _l("该部门有 %(n)s 个待办任务"),
    "department_in_routing": _l("分派规则（第 %(version)s 版 %(file)s）的规则 %(rule)s“%(description)s”指向该部门"),
    "department_has_records": _l("该部门仍被历史记录引用"),
    "grid_code_format": _l("编码只能包含字母、数字和 _ . -，最多 64 位"),
    "grid_code_taken": _l("编码 %(code)s 已存在"),
    "grid_second_root": _l("只能有一个县级根节点（%(code)s）"),
    "grid_no_children": _l("村（社区）是最底层，不能再添加下级"),
    "grid_parent_self": _l("上级不能是自己"),
    "grid_parent_level": _l("%(level)s的上级须为%(expected)s，%(code)s 是%(parent_level)s"),
    "officer_level": _l("网格员只能派驻到乡镇、网格或村，不能派驻到%(level)s"),
    "level_unknown": _l("层级“%(value)s”无法识别（可用：县、乡镇、网格、村，或 county、town、area、village）"),
    "duplicate_code": _l("编码 %(code)s 与第 %(first_line)s 行重复"),
    "level_change": _l("已有节点的层级不能修改（现为%(old)s，文件中为%(new)s）"),
    "county_has_parent": _l("县级节点不能有上级"),
    "parent_required": _l("请填写上级编码"),
    "unknown_parent": _l("上级编码 %(code)s 既不在文件中，也不在现有网格中"),
    "officer_unknown": _l("网格员账号 %(username)s 不存在"),
    "officer_inactive": _l("网格员账号 %(username)s 已停用"),
    "officer_role": _l("%(name)s（%(username)s）不是承办人或是督办人员，不能作为网格员"),
    "officer_twice": _l("网格员 %(username)s 已在第 %(first_line)s 行列出"),
    "officer_not_listed": _l("%(name)s（%(username)s）现为该节点网格员但未列出，保持不变"),
    "file_too_large": _l("文件超过 %(mb)s MB，请拆分后分批导入"),
    "too_many_rows": _l("文件超过 %(n)s 行，请拆分后分批导入"),
    "file_encoding": _l("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV"),
    "header_missing": _l("第 %(line)s 行表头缺少列：%(columns)s（须有 层级、编码、名称、上级编码，可选 网格员）"),
    "file_empty": _l("文件是空的"),
    "file_no_rows": _l("文件只有表头，没有数据行"),
    "import_has_errors": _l("文件有错误，未导入任何内容"),
    "import_stale": _l("预览之后网格已被修改，未导入任何内容；请核对下面新的预览后再确认"),
    "change_name": _l("名称：%(old)s → %(new)s"),
    "change_parent": _l("上级：%(old)s → %(new)s（连同下级和在办案件一起移动）"),
    "change_officer": _l("派驻网格员 %(name)s（%(username)s）"),
}
COLUMN_LABELS = {"level": _l("层级"), "code": _l("编码"), "name": _l("名称"), "parent": _l("上级编码"),
                 "officers": _l("网格员")}


def describe(problem: Problem) -> str:
    """A problem code with its values as a sentence in the reader's language."""
    params = dict(problem.params)
    for key in ("level", "parent_level", "old", "new"):
        if params.get(key) in labels.GRID_LEVELS:
            params[key] = str(labels.GRID_LEVELS[params[key]])
    if problem.code == "grid_parent_level" and problem.params.get("level") in LOCAL_GRID_LEVELS:
        above = GRID_LEVELS[GRID_LEVELS.index(problem.params["level"]) - 1]
        params["expected"] = str(labels.GRID_LEVELS[above])
    if "history" in params:
        params["history"] = "、".join(str(HISTORY_NAMES.get(h, h)) for h in params["history"])
    if "columns" in params:
        params["columns"] = "、".join(str(COLUMN_LABELS.get(c, c)) for c in params["columns"])
    for key in ("old", "new"):
        if key in params and params[key] is None:
            params[key] = "—"
    template = MESSAGES.get(problem.code)
    if template is None:
        return problem.code
    params.setdefault("code", "")
    try:
        text = str(template) % params
    except (KeyError, TypeError, ValueError):
        text = str(template)
    column = problem.params.get("column")
    return f"{COLUMN_NAMES[column]}：{text}" if column in COLUMN_NAMES else text


def field_errors(err: AdminError, prefix: str = "") -> dict[str, list[str]]:
    """The refusal's sentences by form field; ``prefix`` tells apart the fields of the several forms
    on one page (the grid node's add_, rename_ and move_)."""
    return {prefix + name: [describe(p) for p in found] for name, found in err.problems.items()}
