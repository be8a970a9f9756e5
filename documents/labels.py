"""Chinese words for the codes stored on cases and in the audit trail.

Documents are official papers in Chinese whatever language the reader's screen uses, so these
are plain strings, not translations (the web app has its own, translatable, tables). The
engine's notifications and escalation messages, also written in Chinese, use the same words.
"""
from __future__ import annotations

from typing import Any

STAGES = {"receive": "受理", "assign": "交办", "handle": "办理", "extension": "延期审批", "feedback": "反馈",
          "review": "审核", "follow_up": "回访", "follow_up_review": "不满意件复核", "supervise": "督办"}
TIERS = {1: "网格员", 2: "乡镇（街道）", 3: "县局督查科", 4: "局领导"}
CHANNELS = {"hotline": "12345/12369 热线", "visit": "来访", "letter": "来信", "grid": "网格员上报",
            "monitoring": "在线监测", "higher": "上级转办", "public": "网上投诉"}
CATEGORIES = {"air": "大气", "water": "水", "noise": "噪声", "solid_waste": "固体废物", "soil": "土壤",
              "radiation": "辐射", "ecology": "生态", "other": "其他"}
SUBJECT_TYPES = {"enterprise": "企业", "construction": "建筑施工", "catering": "餐饮", "residential": "社会生活",
                 "traffic": "交通", "livestock": "畜禽养殖", "other": "其他"}
STATUSES = {"received": "已登记", "accepted": "已受理", "handling": "办理中", "closed": "已办结",
            "rejected": "不予受理", "transferred": "已转办", "merged": "已合并", "reopened": "重新办理"}
SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意",
                "unreachable": "无法联系"}
GROUPS = {"intake": "受理员", "handler": "承办人", "lead": "科室负责人", "supervisor": "督办人员"}


def _tier(value: Any) -> str:
    try:
        return TIERS.get(int(value), str(value))
    except (TypeError, ValueError):
        return str(value or "")


def describe(kind: str, stage: str | None, task_name: str | None, d: dict) -> str:
    """One timeline event as a sentence (the case file's 办理过程)."""
    stage_name = STAGES.get(stage or "", stage or "")
    if kind == "process_started":
        return "登记案件，启动办理流程"
    if kind == "stage_entered":
        return f"进入「{stage_name}」阶段"
    if kind == "task_ready":
        return f"生成待办「{task_name or ''}」，由{GROUPS.get(d.get('group'), d.get('group') or '')}办理"
    if kind == "task_completed":
        return f"完成「{task_name or ''}」"
    if kind == "task_claimed":
        return f"认领待办「{task_name or ''}」"
    if kind == "task_released":
        return f"放弃认领「{task_name or ''}」"
    if kind == "accepted":
        return "受理本件"
    if kind == "assigned":
        joint = d.get("joint_names") or []
        return f"交办至 {d.get('department_name', '')}" + (f"，联合办理：{'、'.join(joint)}" if joint else "")
    if kind == "transferred":
        return f"转办至 {d.get('agency', '')}，理由：{d.get('reason') or '—'}"
    if kind == "returned":
        return f"退单，理由：{d.get('reason') or '—'}"
    if kind == "extension_granted":
        return f"批准延期 {d.get('days', '')} 个工作日（累计 {d.get('total', '')} 个工作日）"
    if kind == "extension_refused":
        return "不同意延期" + (f"：{d['comment']}" if d.get("comment") else "")
    if kind == "review_rejected":
        return "审核未通过，退回重新办理" + (f"：{d['comment']}" if d.get("comment") else "")
    if kind == "closed":
        on_time = d.get("on_time")
        return "案件办结" + ("（按时）" if on_time is True else "（超期）" if on_time is False else "")
    if kind == "reopened":
        return "回访不满意，重新办理" + (f"：{d['comment']}" if d.get("comment") else "")
    if kind == "satisfaction":
        return f"回访满意度：{SATISFACTION.get(d.get('value'), d.get('value') or '')}"
    if kind == "escalated":
        return f"「{stage_name}」阶段超期，由{_tier(d.get('from_tier'))}升级至{_tier(d.get('to_tier'))}督办"
    if kind == "stage_warning":
        return f"「{stage_name}」阶段临近期限，黄色预警"
    if kind == "timer_fired":
        return "计时器到点"
    if kind == "status":
        return f"状态变为「{STATUSES.get(d.get('status'), d.get('status') or '')}」" + \
            (f"：{d['reason']}" if d.get("reason") else "")
    if kind == "finished":
        return "流程结束"
    if kind == "attachment_added":
        return f"上传附件「{d.get('filename', '')}」"
    if kind == "attachment_removed":
        return f"移除附件「{d.get('filename', '')}」：{d.get('reason', '')}"
    if kind == "document_issued":
        return f"制发文书《{d.get('title', '')}》{d.get('number', '')}"
    if kind == "document_failed":
        return f"文书《{d.get('title', '')}》未能生成：{d.get('error', '')}"
    if kind == "supervised":
        return "督办" + (f"：{d['note']}" if d.get("note") else "")
    if kind == "reassigned":
        return "改派"
    if kind == "leader_owned":
        return "领导包案"
    return kind
