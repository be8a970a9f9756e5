"""What an audit event says, for each audience, from one table.

Three audiences read the audit trail: staff (the case page's timeline, the supervision record),
the complainant (the public tracking page) and official documents (the case file's 办理过程).
Each event kind has one entry here holding its wording for all three:

- ``staff``: the sentence on staff screens (Chinese; the message id the web app translates).
- ``public``: what the tracking page says, or None: the complainant is not told of the event.
  This is the public portal's allow-list (engine/public/portal.public_timeline). Where the public
  wording depends on the event (which status, which stage, who rated), it is a mapping keyed
  by the event's *variant* (see ``public_variant``); a variant not listed is not shown.
- ``document``: the sentence in documents; None means the staff sentence, "" leaves the event
  out of documents (bookkeeping that a case file does not record).
- ``clauses``: parts added to the sentence when the event carries what they speak of.

Sentences are %-format strings with named placeholders (see ``_values`` for what each name
holds). ``render`` returns plain text: values typed by people (reasons, comments) are put in as
they are, and a template escapes the sentence like any other text.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.vocabulary.words import (
    CASE_FLAGS,
    CATEGORIES,
    INSPECTION_MODES,
    INSPECTION_RESULTS,
    N_,
    REINSPECTION_RESULTS,
    REVIEW_DECISIONS,
    REVIEW_TRIGGERS,
    ROLES,
    SATISFACTION,
    STAGES,
    STATUSES,
    TIERS,
    lookup,
    word,
)

STAFF, PUBLIC, DOCUMENT = "staff", "public", "document"
ANY = "*"  # a public wording for every variant not listed on its own

Translate = Callable[[str], str]
Values = Mapping[str, Any]


@dataclass(frozen=True)
class Told:
    """An event as the tracking page tells it: its entry's name there, and the sentence."""

    name: str
    text: str


@dataclass(frozen=True)
class Clause:
    """A part of the sentence said only ``when`` the event's values call for it."""

    staff: str
    when: Callable[[Values], bool]
    public: str | None = None  # None: the complainant is not told this part
    document: str | None = None  # None: as staff; "": not in documents


@dataclass(frozen=True)
class Event:
    staff: str
    public: Told | Mapping[str, Told] | None = None
    document: str | None = None
    clauses: tuple[Clause, ...] = ()
    # The event's name as a heading (the supervision record); None: the staff sentence.
    title: str | None = None


def given(name: str) -> Callable[[Values], bool]:
    return lambda values: name in values


def _urgency_changed_to(urgent: bool) -> Callable[[Values], bool]:
    # Intake's correction is recorded as [before, after].
    return lambda values: bool(values.get("urgent")) and bool(values["urgent"][1]) is urgent


_JOINT = N_("，联合办理：%(joint)s")
_FILES = N_("（%(files)s 个附件）")
_COMMENT = Clause(N_("：%(comment)s"), given("comment"))
_HELD_ON = Clause(N_("（%(held_on)s）"), given("held_on"))

EVENTS: dict[str, Event] = {
    "process_started": Event(
        N_("登记案件，启动办理流程（%(definition)s 第 %(version)s 版）"), document="登记案件，启动办理流程",
        public={"public": Told("submitted", N_("您的投诉已提交")), ANY: Told("registered", N_("投诉已登记"))}),
    # A process started beside the case's own loop (a leader's reminder, a meeting's follow-up item).
    "side_process_started": Event(N_("启动流程 %(definition)s（第 %(version)s 版）"), document=""),
    "stage_entered": Event(
        N_("进入「%(stage)s」阶段"),
        # Handling is shown once however often it is re-entered (public_timeline), review of an
        # unsatisfied rating because the complainant asked for it; the other stages are internal.
        public={"handle": Told("handling", N_("承办部门正在办理")),
                "follow_up_review": Told("reviewing", N_("不满意件提交上级复核"))}),
    "stage_warning": Event(N_("「%(stage)s」阶段临近期限，黄色预警"),
                           clauses=(Clause(N_("（期限 %(due)s）"), given("due")),)),
    "timer_fired": Event(N_("计时器到点"), document="", clauses=(Clause(N_("（%(due)s）"), given("due")),)),
    "task_ready": Event(N_("生成待办「%(task)s」，由%(group)s办理"), document="",
                        clauses=(Clause(N_("，期限 %(due)s"), given("due")),)),
    "task_completed": Event(N_("完成「%(task)s」")),
    "task_claimed": Event(N_("认领待办「%(task)s」"), document=""),
    "task_released": Event(N_("放弃认领「%(task)s」，退回待办池"), document=""),
    "accepted": Event(N_("受理本件"), public=Told("accepted", N_("已受理")), clauses=(
        Clause(N_("；问题类别由「%(old_category)s」更正为「%(new_category)s」"), given("old_category")),
        Clause(N_("；更正为紧急件"), _urgency_changed_to(True)),
        Clause(N_("；更正为一般件"), _urgency_changed_to(False)))),
    "assigned": Event(N_("交办至 %(department)s"), public=Told("assigned", N_("已交办：%(department)s")), clauses=(
        Clause(_JOINT, given("joint"), public=_JOINT),
        Clause(N_("（督办层级：%(tier)s）"), given("tier")))),
    "transferred": Event(N_("转办至 %(agency)s，理由：%(reason)s"),
                         public=Told("transferred", N_("不属于生态环境部门职责，已转交 %(agency)s 办理"))),
    "returned": Event(N_("退单（原承办部门：%(department)s），理由：%(reason)s")),
    "return_window_closed": Event(N_("交办已满 2 个工作日，退单时限届满"), document=""),
    "return_accepted": Event(N_("同意退单，重新交办"), clauses=(_COMMENT,)),
    "return_refused": Event(N_("不同意退单，退回原承办部门办理"), clauses=(_COMMENT,)),
    "sign_for_overdue": Event(N_("交办后 1 个工作日内未签收"), title=N_("超时未签收")),
    "urged": Event(N_("催办"), clauses=(Clause(N_("：%(opinion)s"), given("opinion")),
                                        Clause(N_("，要求 %(report_by)s 前报告"), given("report_by")))),
    "report_overdue": Event(N_("催办要求的报告期限 %(report_by)s 已过，未见报告，已提醒")),
    "reinspected": Event(N_("后督察：%(result)s"), clauses=(Clause(N_("：%(findings)s"), given("findings")),)),
    "relapsed": Event(N_("后督察发现问题反弹，重新办理"), title=N_("问题反弹")),
    "recurrence": Event(N_("重复投诉：%(days)s 日内已办结的 %(of)s 反映同一地点或企业"), title=N_("重复投诉")),
    "rectification_opened": Event(N_("列出整改项第 %(seq)s 项：%(what)s（责任：%(responsible)s，%(days)s 个工作日）")),
    "rectification_warning": Event(N_("整改项第 %(seq)s 项临近期限，黄色预警"), clauses=(Clause(N_("（期限 %(due)s）"), given("due")),)),
    "rectification_overdue": Event(N_("整改项第 %(seq)s 项超期未销号"), title=N_("整改超期"),
                                   clauses=(Clause(N_("（期限 %(due)s）"), given("due")),)),
    "rectification_submitted": Event(N_("整改项第 %(seq)s 项提交整改佐证")),
    "rectification_signed_off": Event(N_("整改项第 %(seq)s 项销号"), clauses=(_COMMENT,)),
    "rectification_sent_back": Event(N_("整改项第 %(seq)s 项佐证不足，退回补充"), clauses=(_COMMENT,)),
    "extension_granted": Event(N_("批准延期 %(days)s 个工作日（累计 %(total)s 个工作日）"),
                               public=Told("extended", N_("办理期限依法延长 %(days)s 个工作日"))),
    "extension_refused": Event(N_("不同意延期"), clauses=(_COMMENT,)),
    "review_rejected": Event(N_("审核未通过，退回重新办理"), clauses=(_COMMENT,)),
    "closed": Event(N_("案件办结"), public=Told("replied", N_("已办结并答复")), clauses=(
        Clause(N_("（按时）"), lambda values: values.get("on_time") is True),
        Clause(N_("（超期）"), lambda values: values.get("on_time") is False))),
    "reopened": Event(N_("回访不满意，重新办理"), public=Told("reopened", N_("对答复不满意，重新办理")),
                      clauses=(_COMMENT,)),
    "satisfaction": Event(
        N_("回访满意度：%(value)s"), clauses=(Clause(N_("；%(comment)s"), given("comment")),),
        public={"public": Told("rated", N_("您的评价：%(value)s")), ANY: Told("rated", N_("回访评价：%(value)s"))}),
    "escalated": Event(N_("「%(stage)s」阶段超期，由%(from_tier)s升级至%(to_tier)s督办"), title=N_("超期升级督办"),
                       clauses=(Clause(N_("（期限 %(overdue_since)s 已过）"), given("overdue_since")),)),
    "status": Event(N_("状态变为「%(status)s」"), clauses=(Clause(N_("：%(reason)s"), given("reason")),),
                    public={"rejected": Told("rejected", N_("不予受理")),
                            "merged": Told("merged", N_("与反映同一问题的投诉合并办理"))}),
    "finished": Event(N_("流程结束"), public=Told("finished", N_("结案"))),
    "error": Event(N_("流程出错，已暂停，请联系管理员：%(message)s"), document="流程出错：%(message)s"),
    "instance_migrated": Event(N_("流程由第 %(from_version)s 版迁移到第 %(to_version)s 版")),
    "public_supplement": Event(N_("投诉人补充材料"), public=Told("supplement", N_("您补充了材料")),
                               clauses=(Clause(_FILES, given("files"), public=_FILES),)),
    "attachment_added": Event(N_("上传附件「%(filename)s」")),
    "attachment_removed": Event(N_("移除附件「%(filename)s」：%(reason)s")),
    "document_issued": Event(N_("制发文书《%(title)s》%(number)s"), clauses=(
        Clause(N_("（第 %(version)s 版）"), lambda values: (values.get("version") or 1) > 1),)),
    "document_failed": Event(N_("文书《%(title)s》生成失败，请在文书栏重新制发：%(error)s"),
                             document="文书《%(title)s》未能生成：%(error)s"),
    "supervised": Event(N_("督办"), clauses=(Clause(N_("：%(note)s"), given("note")),)),
    "reassigned": Event(N_("改派")),
    "leader_owned": Event(N_("领导包案")),
    "leader_released": Event(N_("取消包案")),
    # A leader's own case (engine/leadership). Checks, meetings and follow-up items are the bureau's
    # internal work: the complainant is not told of them. A visit they took part in themselves, so
    # the tracking page says that it happened — never what was said or decided.
    "leader_check": Event(N_("包案领导调度"), title=N_("领导调度"), clauses=(
        _HELD_ON,
        Clause(N_("：%(decisions)s"), given("decisions")),
        Clause(N_("；下次调度日期 %(next_check)s"), given("next_check")))),
    "leader_meeting": Event(N_("包案领导组织会商"), title=N_("领导会商"), clauses=(
        _HELD_ON,
        Clause(N_("（参加人员：%(attendees)s）"), given("attendees")),
        Clause(N_("：%(decisions)s"), given("decisions")),
        Clause(N_("；落实事项 %(items)s 项"), given("items")))),
    "leader_visit": Event(N_("包案领导带案下访"), title=N_("带案下访"),
                          public=Told("leader_visit", N_("局领导带案下访，当面听取了您的意见")), clauses=(
        _HELD_ON,
        Clause(N_("（%(place)s）"), given("place")),
        Clause(N_("；投诉人反映：%(heard)s"), given("heard")),
        Clause(N_("；结果：%(outcome)s"), given("outcome")))),
    "leader_follow_up_overdue": Event(N_("会商落实事项「%(item)s」已超过期限"), clauses=(
        Clause(N_("（期限 %(due)s）"), given("due")),)),
    # Patrols (engine/patrol): only the problem report belongs to a case; the rest are the patrol's own.
    "patrol_problem_reported": Event(N_("网格员巡查巡查点「%(point)s」时发现问题，立案办理")),
    "patrol_started": Event(N_("巡查到期，启动巡查流程（第 %(version)s 版）"), document=""),
    "patrol_checked_in": Event(N_("巡查签到，距巡查点 %(distance_m)s 米"), document=""),
    "patrol_warning": Event(N_("巡查即将到期（黄色预警）"), document=""),
    "patrol_escalated": Event(N_("巡查点「%(point)s」漏巡，升级至%(to_tier)s督办"), document=""),
    "patrol_missed": Event(N_("巡查未签到，记为漏巡"), document=""),
    "patrol_point_saved": Event(N_("保存巡查点「%(name)s」"), document=""),
    # The register and the positive list (engine/enterprises): case-less, but for the link.
    "enterprise_linked": Event(N_("关联污染源企业「%(name)s」"), document=""),
    "enterprise_saved": Event(N_("保存污染源企业「%(name)s」"), document=""),
    "enterprises_imported": Event(N_("导入污染源台账：新增 %(create)s 家，修改 %(update)s 家"), document=""),
    "positive_list_started": Event(N_("提出纳入正面清单（第 %(version)s 版流程）"), document=""),
    "positive_list_proposed": Event(N_("申报纳入正面清单，期限 %(start)s 至 %(end)s"),
                                    clauses=(Clause(N_("：%(reason)s"), given("reason")),)),
    "positive_list_listed": Event(N_("批准纳入正面清单，期限 %(start)s 至 %(end)s"), clauses=(_COMMENT,)),
    "positive_list_rejected": Event(N_("不同意纳入正面清单"), clauses=(_COMMENT,)),
    "positive_list_review_requested": Event(N_("因%(trigger)s启动正面清单复核"),
                                            clauses=(Clause(N_("（%(case)s）"), given("case")),)),
    "positive_list_review_pending": Event(N_("又有%(trigger)s，并入正在进行的正面清单复核"),
                                          clauses=(Clause(N_("（%(case)s）"), given("case")),)),
    "positive_list_reviewed": Event(N_("正面清单复核：%(decision)s"),
                                    clauses=(Clause(N_("，理由：%(reason)s"), given("reason")),)),
    "positive_list_removed": Event(N_("移出正面清单"), clauses=(Clause(N_("，理由：%(reason)s"), given("reason")),)),
    "positive_list_expired": Event(N_("正面清单期满（%(end)s），自动移出")),
    # Enforcement (engine/enforcement): the enforcement case's own steps, in the complaint's timeline.
    "enforcement_opened": Event(N_("发现违法行为，启动执法程序（第 %(version)s 版）")),
    "enforcement_filed": Event(N_("执法案件立案，编号 %(number)s")),
    "enforcement_investigated": Event(N_("调查取证完毕"), clauses=(
        Clause(N_("，涉嫌犯罪"), lambda v: v.get("crime_suspected") is True),)),
    "enforcement_decided": Event(N_("作出处罚决定"), clauses=(
        Clause(N_("：罚款 %(fine_yuan)s 元"), given("fine_yuan")),
        Clause(N_("；%(limit)s %(limit_start)s 至 %(limit_end)s"), given("limit")))),
    "enforcement_rectify_checked": Event(N_("整改复查"), clauses=(
        Clause(N_("：已整改"), lambda v: v.get("rectified") is True),
        Clause(N_("：未整改到位"), lambda v: v.get("rectified") is False))),
    "enforcement_handed_over": Event(N_("移交公安机关（%(department)s），接收人 %(receiver)s")),
    "enforcement_police_decided": Event(N_("公安机关决定：%(decision)s")),
    "enforcement_closed": Event(N_("执法案件结案")),
    "enforcement_warning": Event(N_("执法「%(step)s」环节即将到期（黄色预警）"), document=""),
    "enforcement_escalated": Event(N_("执法「%(step)s」环节超期，升级至%(to_tier)s督办")),
    "agency_waiting": Event(N_("转办至%(department)s，等待其办理结果")),
    "agency_result": Event(N_("转办部门办理结果：%(outcome)s")),
    "agency_overdue": Event(N_("转办部门「%(department)s」逾期未反馈，升级至%(to_tier)s督办")),
    # Self-inspection tasks (engine/selfcheck): on each enterprise's selfcheck process.
    "selfcheck_started": Event(N_("下发企业自查（第 %(version)s 版流程）"), document=""),
    "selfcheck_link_renewed": Event(N_("重新生成企业自查链接"), document=""),
    "selfcheck_draft_saved": Event(N_("企业保存自查草稿"), document=""),
    "selfcheck_submitted": Event(N_("企业提交自查"), document=""),
    "selfcheck_warning": Event(N_("企业自查即将到期，已短信提醒"), document=""),
    "selfcheck_overdue": Event(N_("企业自查逾期，转网格员督促"), document=""),
    "selfcheck_escalated": Event(N_("企业自查督促逾期，升级至%(tier)s督办"), document=""),
    "selfcheck_contacted": Event(N_("网格员督促结果：%(outcome)s"), document=""),
    "selfcheck_accepted": Event(N_("企业自查审核通过"), clauses=(_COMMENT,), document=""),
    "selfcheck_returned": Event(N_("企业自查退回补正"), clauses=(_COMMENT,), document=""),
    "selfcheck_problem_case": Event(N_("企业自查问题项立案 %(number)s"), document=""),
    # Random inspections (engine/inspections): the plan's events and each inspection's.
    "inspection_plan_saved": Event(N_("保存双随机抽查计划「%(name)s」"), document=""),
    "inspection_seed_fixed": Event(N_("抽取前登记公开随机值「%(public_value)s」，随机种子 %(seed)s"), document=""),
    "inspection_drawn": Event(N_("完成抽取：抽中 %(drawn)s 家企业，未匹配 %(unmatched)s 家，摘要 %(digest)s"),
                              document=""),
    "inspection_published": Event(N_("公示抽查结果"), document=""),
    "inspection_started": Event(N_("生成双随机检查任务（第 %(version)s 版流程）"), document=""),
    "inspection_notified": Event(N_("出具检查通知书 %(number)s，计划 %(planned)s %(mode)s")),
    "inspection_inspected": Event(N_("完成%(mode)s（%(on)s）"),
                                  clauses=(Clause(N_("，责令整改，期限 %(rectify_due)s"), given("rectify_due")),)),
    "inspection_violation": Event(N_("检查发现环境违法行为，待转执法办案")),
    "inspection_rectification_checked": Event(N_("整改复查：%(inspection_result)s")),
    "inspection_finished": Event(N_("检查结果：%(inspection_result)s，公示期限 %(publish_by)s")),
    "inspection_warning": Event(N_("检查临近期限（黄色预警）"), document=""),
    "inspection_escalated": Event(N_("检查超期，升级至%(to_tier)s督办"), document=""),
    "case_flagged": Event(N_("标记为「%(flag)s」"), clauses=(Clause(N_("，理由：%(reason)s"), given("reason")),)),
    "case_unflagged": Event(N_("取消「%(flag)s」标记"), clauses=(Clause(N_("，理由：%(reason)s"), given("reason")),)),
}


def public_variant(kind: str, *, stage: str | None, detail: Mapping, actor: str | None,
                   channel: str | None) -> str | None:
    """Which of an event's public wordings applies (the keys of ``Event.public`` mappings)."""
    if kind == "process_started":
        return channel  # "public": the complainant filed it on the portal themselves
    if kind == "status":
        return detail.get("status")
    if kind == "stage_entered":
        return stage
    if kind == "satisfaction":
        return actor  # "public": the complainant's own rating
    return None


def told(kind: str, variant: str | None = None) -> Told | None:
    """How the tracking page tells this event, or None when the complainant is not told."""
    event = EVENTS.get(kind)
    public = event.public if event is not None else None
    if isinstance(public, Mapping):
        return public.get(variant) or public.get(ANY)
    return public


def _wording(part: Event | Clause, audience: str) -> str | None:
    """A staff or document sentence, or a clause for any audience; None: not said."""
    if audience == PUBLIC:
        return part.public if isinstance(part.public, str) else None
    if audience == DOCUMENT and part.document is not None:
        return part.document or None
    return part.staff


class _Values(dict):
    """A placeholder the event has nothing for reads "—"."""

    def __missing__(self, key: str) -> str:
        return "—"


def _values(detail: Mapping, stage: str | None, task: str | None, translate: Translate,
            time: Callable[[datetime], str]) -> _Values:
    """The placeholders: the event's detail as recorded (agency, reason, comment, days, title …)
    with codes as words, departments by name and times written out, less what is empty."""
    def named(table: Mapping, code: Any) -> str:
        found = lookup(table, code)
        return translate(found) if found is not None else word(table, code)

    values: dict[str, Any] = {key: value for key, value in detail.items() if isinstance(value, (str, int, float))}
    values.update(
        stage=named(STAGES, stage), task=task, group=named(ROLES, detail.get("group")),
        tier=named(TIERS, detail.get("tier")), from_tier=named(TIERS, detail.get("from_tier")),
        to_tier=named(TIERS, detail.get("to_tier")), value=named(SATISFACTION, detail.get("value")),
        status=named(STATUSES, detail.get("status")), flag=named(CASE_FLAGS, detail.get("flag")),
        result=named(REINSPECTION_RESULTS, detail.get("result")),
        trigger=named(REVIEW_TRIGGERS, detail.get("trigger")),
        decision=named(REVIEW_DECISIONS, detail.get("decision")),
        mode=named(INSPECTION_MODES, detail.get("mode")),
        inspection_result=named(INSPECTION_RESULTS, detail.get("inspection_result")),
        # Staff timelines carry the codes and their names; the public entry only the names.
        department=detail.get("department_name") or detail.get("department"),
        joint="、".join(detail.get("joint_names") or detail.get("joint") or []),
        files=len(detail["attachments"]) if isinstance(detail.get("attachments"), list) else detail.get("files"),
        urgent=detail.get("urgent"),
    )
    if isinstance(detail.get("category"), list):  # intake's correction: [before, after]
        values["old_category"], values["new_category"] = (named(CATEGORIES, code) for code in detail["category"])
    values.update((key, time(value)) for key, value in detail.items() if isinstance(value, datetime))
    return _Values({key: value for key, value in values.items() if value not in (None, "", [], 0)
                    or value is False})


def _same(text: str) -> str:
    return text


def render(kind: str, audience: str = STAFF, translate: Translate = _same, *, detail: Mapping | None = None,
           stage: str | None = None, task: str | None = None, variant: str | None = None,
           time: Callable[[datetime], str] = str) -> str | None:
    """One audit event as a sentence for ``audience``, or None when that audience is not told.

    ``translate``: flask_babel's gettext on screens, the identity for documents (Chinese).
    ``detail``: the event's detail, with times as datetimes (engine/cases/read_model.timeline)
    or, for the public, the entry's own facts (engine/public/portal.public_timeline).
    ``variant``: for the public, ``public_variant`` of the event. ``time`` writes a moment out.
    """
    event = EVENTS.get(kind)
    if event is None:
        return kind
    if audience == PUBLIC:
        shown = told(kind, variant)
        head = shown.text if shown is not None else None
    else:
        head = _wording(event, audience)
    if head is None:
        return None
    values = _values(detail or {}, stage, task, translate, time)
    parts = [head, *(text for clause in event.clauses
                     if (text := _wording(clause, audience)) and clause.when(values))]
    return "".join(translate(part) % values for part in parts)


def title(kind: str, translate: Translate = _same) -> str:
    """The event's name as a heading."""
    event = EVENTS.get(kind)
    return translate(event.title or event.staff) if event is not None else kind
