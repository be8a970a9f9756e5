"""Case list and case page: scope, masking of the complainant, the timeline, related cases."""
import re
from datetime import timedelta

import pytest

from engine.models import AuditEvent
from webapp.cases import case_pages

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def _attachments_dir(app, tmp_path):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")


def page(browser, url, status=200) -> str:
    response = browser.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def in_order(html: str, *needles: str) -> None:
    at = -1
    for needle in needles:
        found = html.find(needle, at + 1)
        assert found > at, f"{needle!r} missing or out of order"
        at = found


# ------------------------------------------------------------------ list


def test_list_searches_by_number_title_enterprise_and_tracking_code(env, as_user):
    noise = env.register(category="noise", title="夜间施工噪声", subject_enterprise="宏达建筑公司")
    water = env.register(category="water", title="河道黑臭", grid_code="T02-A01-V01")
    browser = as_user("intake")
    assert water.number in page(browser, "/cases?q=黑臭")
    found = page(browser, "/cases?q=宏达建筑")
    assert noise.number in found and water.number not in found
    assert noise.number in page(browser, f"/cases?q={noise.tracking_code.lower()}")
    assert water.number in page(browser, f"/cases?q={water.number}")
    none = page(browser, "/cases?q=不存在的关键词")
    assert "没有符合条件的案件" in none


def test_list_filters_by_category_status_town_and_colour(env, as_user):
    air = env.register(category="air")
    water = env.register(category="water", channel="visit", grid_code="T02-A01-V01")
    env.accept_and_assign(air)
    browser = as_user("intake")
    by_category = page(browser, "/cases?category=water")
    assert water.number in by_category and air.number not in by_category
    by_status = page(browser, "/cases?status=handling")
    assert air.number in by_status and water.number not in by_status
    by_stage = page(browser, "/cases?stage=receive")
    assert water.number in by_stage and air.number not in by_stage
    by_town = page(browser, "/cases?town=T02")
    assert water.number in by_town and air.number not in by_town
    by_channel = page(browser, "/cases?channel=visit")
    assert water.number in by_channel and air.number not in by_channel
    assert air.number not in page(browser, "/cases?colour=red")
    # Unknown filter values are ignored rather than hiding everything.
    assert air.number in page(browser, "/cases?status=nonsense")


def test_list_is_newest_first_and_pages(env, as_user, monkeypatch):
    monkeypatch.setattr(case_pages, "PER_PAGE", 2)
    cases = []
    for i in range(5):
        cases.append(env.register(title=f"第{i}件"))
        env.clock.advance(minutes=5)
    browser = as_user("intake")
    first = page(browser, "/cases")
    in_order(first, cases[4].number, cases[3].number)
    assert cases[2].number not in first and "第 1 / 3 页" in first
    third = page(browser, "/cases?page=3")
    assert cases[0].number in third and cases[4].number not in third
    assert cases[0].number in page(browser, "/cases?page=99")  # clamped to the last page


def test_list_is_scoped_to_what_the_person_may_see(env, as_user):
    here = env.register(title="城关镇的案件")
    there = env.register(title="东城街道的案件", grid_code="T02-A01-V01")
    env.accept_and_assign(there, department="air")
    officer = page(as_user("gridofficer"), "/cases")
    assert here.number in officer and there.number not in officer
    assert there.number in page(as_user("handler"), "/cases")  # the air department handles it
    assert here.number not in page(as_user("handler2"), "/cases")


def test_list_escapes_user_text(env, as_user):
    env.register(title=SCRIPT, description=SCRIPT)
    html = page(as_user("intake"), "/cases")
    assert SCRIPT not in html and ESCAPED in html


# ------------------------------------------------------------------ case page


def _handled_case(env):
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "已电话联系张三（13800000000），现场核查属实"})
    return case


@pytest.mark.parametrize("username", ["intake", "supervisor"])
def test_intake_and_supervisors_see_the_complainant(env, as_user, username):
    case = _handled_case(env)
    html = page(as_user(username), f"/cases/{case.id}")
    assert "张三" in html and "13800000000" in html


@pytest.mark.parametrize("username", ["handler", "lead"])
def test_handlers_and_leads_see_the_complainant_masked_everywhere(env, as_user, username):
    case = _handled_case(env)
    html = page(as_user(username), f"/cases/{case.id}")
    assert "张*" in html and "138****0000" in html
    # Not on the facts, and not through text someone typed into a form either.
    assert "张三" not in html and "13800000000" not in html
    assert "已电话联系张*（138****0000），现场核查属实" in html


def test_anonymous_complaint_says_so(env, as_user):
    case = env.register(complainant_anonymous=True, complainant_name=None, complainant_phone=None)
    html = page(as_user("intake"), f"/cases/{case.id}")
    assert "匿名" in html


def test_case_page_shows_state_place_and_who_holds_it(env, as_user):
    case = env.register(subject_enterprise="示范化工厂", address="工业路 8 号", urgent=True)
    env.accept_and_assign(case)
    html = page(as_user("handler"), f"/cases/{case.id}")
    for text in (case.number, "办理中", "办理", "城关镇 / 城关镇第1网格 / 张家村", "工业路 8 号",
                 "示范化工厂", "大气", "12345/12369 热线", "企业", "紧急（按小时计时）", "大气环境科", "承办人",
                 "未认领", "阶段期限", "预警时间"):
        assert text in html, text
    # The tracking code is the complainant's key to the public portal: intake reads it out, a handler never sees it.
    assert case.tracking_code not in html and case.tracking_code in page(as_user("intake"), f"/cases/{case.id}")
    due = env.case(case).stage_due
    assert due.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in html


def test_another_towns_case_is_404_for_the_grid_officer(env, as_user):
    case = env.register(grid_code="T02-A01-V01")
    env.accept_and_assign(case, department="air")  # not the grid officer's department (enforcement)
    assert as_user("gridofficer").get(f"/cases/{case.id}").status_code == 404
    assert as_user("handler2").get(f"/cases/{case.id}").status_code == 404
    assert as_user("town").get(f"/cases/{case.id}").status_code == 404  # 城关镇's supervisor
    assert as_user("handler").get(f"/cases/{case.id}").status_code == 200
    assert as_user("intake").get("/cases/999999").status_code == 404


def test_case_page_needs_sign_in(env, as_user):
    case = env.register()
    response = as_user().get(f"/cases/{case.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_case_page_escapes_user_text(env, as_user):
    case = env.register(title=SCRIPT, description=SCRIPT, subject_enterprise=SCRIPT, address=SCRIPT)
    env.complete(case, "receive", {"decision": "accept", "note": SCRIPT})
    env.complete(case, "assign", {"action": "transfer", "transfer_to": SCRIPT, "transfer_reason": SCRIPT})
    html = page(as_user("intake"), f"/cases/{case.id}")
    assert SCRIPT not in html
    assert f"转办至 {ESCAPED}，理由：{ESCAPED}" in html  # user text inside a translated sentence
    assert html.count(ESCAPED) >= 8


# ------------------------------------------------------------------ timeline


def _timeline(html: str) -> str:
    return html[html.index('<ol class="timeline">'):]


def test_timeline_tells_the_whole_loop_in_order(env, as_user):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"}, actor="intake")
    env.complete(case, "assign", {"action": "assign", "department": "air", "instructions": "三日内核查"},
                 actor="intake")
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实，已责令整改", "violation_found": True},
                 actor="handler")
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"}, actor="handler")
    env.complete(case, "review", {"approved": True}, actor="lead")
    env.complete(case, "follow_up", {"satisfaction": "satisfied", "comment": "群众表示满意"}, actor="intake")
    html = _timeline(page(as_user("supervisor"), f"/cases/{case.id}"))
    in_order(html,
             "登记案件，启动办理流程", "进入「受理」阶段", "生成待办「受理」，由受理员办理",
             "受理员 王芳", "完成「受理」", "<dt>受理意见</dt><dd>受理</dd>", "受理本件",
             "进入「交办」阶段", "完成「交办」", "<dt>处理方式</dt><dd>交办</dd>", "<dt>承办部门</dt><dd>大气环境科</dd>",
             "<dt>交办要求</dt><dd>三日内核查</dd>", "交办至 大气环境科",
             "进入「办理」阶段", "生成待办「办理」，由承办人办理", "大气科 李强", "完成「办理」",
             "<dt>办理结果</dt><dd>办理完毕</dd>", "<dt>核查情况</dt><dd>现场核查属实，已责令整改</dd>",
             "<dt>发现违法行为</dt><dd>是</dd>",
             "进入「反馈」阶段", "完成「答复投诉人」", "<dt>答复方式</dt>",
             "进入「审核」阶段", "大气科科长 刘伟", "完成「审核办结」", "<dt>审核意见</dt><dd>同意</dd>", "案件办结（按时）",
             "进入「回访」阶段", "完成「满意度回访」", "<dt>满意度</dt><dd>满意</dd>", "回访满意度：满意", "流程结束")
    # One entry per audit event, none left out.
    with env.db.read() as s:
        events = s.query(AuditEvent).filter(AuditEvent.case_id == case.id).count()
    assert html.count('<li class="tl-') == events
    assert re.search(r'<li class="tl-[a-z_]+">\s*<div class="tl-meta"><time datetime="2026-03-02', html)


def test_timeline_tells_warnings_and_escalation(env, as_user):
    case = env.register()
    env.at("2026-04-15T10:00:00+08:00")  # far past the 15-working-day acceptance limit
    html = page(as_user("supervisor"), f"/cases/{case.id}")
    timeline = _timeline(html)
    in_order(timeline, "「受理」阶段临近期限，黄色预警", "「受理」阶段超期，由网格员升级至乡镇（街道）督办", "已过")
    assert "系统" in timeline
    assert "2 · 乡镇（街道）" in html  # the tier now
    assert "督办人员" in html  # a supervision task holds it too


def test_timeline_tells_returns_extensions_and_reopening(env, as_user):
    case = env.register()
    env.accept_and_assign(case)
    env.return_to_intake(case, "不属于本科室职责")
    env.complete(case, "assign", {"action": "assign", "department": "enforcement"})
    env.complete(case, "handle", {"outcome": "extension", "extension_days": 10, "extension_reason": "需要监测"})
    env.complete(case, "approve_extension", {"approved": True})
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": False, "comment": "材料不全"})
    html = _timeline(page(as_user("intake"), f"/cases/{case.id}"))
    in_order(html, "退单（原承办部门：大气环境科），理由：不属于本科室职责", "同意退单，重新交办",
             "交办至 生态环境保护综合行政执法大队",
             "批准延期 10 个工作日（累计 10 个工作日）", "审核未通过，退回重新办理：材料不全")


# ------------------------------------------------------------------ related cases


def test_related_cases_parent_duplicates_and_possible_duplicates(env, as_user):
    parent = env.register(title="化工厂夜间排放刺鼻异味")
    env.clock.advance(hours=2)
    child = env.register(title="化工厂晚上有刺鼻气味")
    env.complete(child, "receive", {"decision": "duplicate", "duplicate_of": parent.number})
    env.clock.advance(hours=2)
    similar = env.register(title="化工厂排放异味", grid_code="T01-A01-V02")  # same work area
    other_category = env.register(category="water", title="化工厂排放异味")
    other_area = env.register(title="化工厂排放异味", grid_code="T02-A01-V01")
    browser = as_user("intake")

    child_page = page(browser, f"/cases/{child.id}")
    assert "本件已作为重复件并入" in child_page and f'href="/cases/{parent.id}"' in child_page
    assert "已合并" in child_page

    parent_page = page(browser, f"/cases/{parent.id}")
    related = parent_page[parent_page.index("关联案件"):parent_page.index("办理过程")]
    duplicates = related[related.index("并入本件的重复件"):related.index("可能重复的案件")]
    assert child.number in duplicates
    possible = related[related.index("可能重复的案件"):]
    assert similar.number in possible
    assert child.number not in possible and parent.number not in possible
    assert other_category.number not in possible and other_area.number not in possible


def test_possible_duplicates_only_within_30_days_and_scope(env, as_user):
    old = env.register(title="化工厂排放异味")
    env.clock.advance(timedelta(days=31))
    new = env.register(title="化工厂排放异味")
    env.accept_and_assign(new)
    html = page(as_user("intake"), f"/cases/{new.id}")
    assert old.number not in html[html.index("可能重复的案件"):html.index("办理过程")]
    recent = env.register(title="化工厂排放异味")  # same place, not yet assigned to the air department
    handler_view = page(as_user("handler"), f"/cases/{new.id}")
    assert recent.number not in handler_view  # outside the handler's scope
    assert recent.number in page(as_user("intake"), f"/cases/{new.id}")


def test_holder_links_to_the_task_only_for_people_who_may_work_it(app, env, as_user):
    if "tasks.show" not in app.view_functions:
        pytest.skip("the task page is not installed")
    case = env.register()
    receive = env.ready(case)[0]
    assert f'href="/tasks/{receive.id}"' in page(as_user("intake"), f"/cases/{case.id}")
    assert f'href="/tasks/{receive.id}"' not in page(as_user("supervisor"), f"/cases/{case.id}")


def test_timeline_uses_the_form_labels_of_the_chosen_language(env, as_user):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    browser = as_user("intake")
    browser.post("/lang/en", data={"next": "/"}, page_url="/")
    html = page(browser, f"/cases/{case.id}")
    assert "<dt>Decision</dt><dd>Accept</dd>" in html


def test_case_page_writes_a_day_end_deadline_as_24_00_like_the_inbox(env, as_user):
    case = env.register()  # 15 working days to decide: ends at midnight local time
    html = page(as_user("intake"), f"/cases/{case.id}")
    # Registered Mon 2 March 2026; the 15th working day after it is Mon 23 March.
    assert "阶段期限</dt><dd>2026-03-23 24:00" in html
    assert "2026-03-24 00:00" not in html
