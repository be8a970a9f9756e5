"""The inbox: who sees which tasks, both views and their counts, filters, search, paging, claims."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, select

from engine.models import Task, User

ROW = re.compile(r'<a href="/tasks/([0-9a-f-]{36})">([^<]*)</a>')


def titles(html: str) -> list[str]:
    """Titles of the rows listed, in order (each row links its title to the task page)."""
    return [title for _id, title in ROW.findall(html)]


def counts(html: str) -> dict[str, int]:
    return {view: int(n) for view, n in re.findall(r'data-view="(mine|group)">(\d+)<', html)}


def page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def user_id(env, username: str) -> int:
    with env.db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def to_review(env, case):
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})


def test_inbox_needs_sign_in(as_user):
    response = as_user().get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_person_sees_only_the_tasks_of_their_groups_and_scope(env, as_user):
    env.register(title="待受理")
    env.complete(env.register(title="待交办"), "receive", {"decision": "accept"})
    env.accept_and_assign(env.register(title="大气科办理"), department="air")
    env.accept_and_assign(env.register(title="执法大队办理"), department="enforcement")
    to_review(env, env.register(title="待审核"))

    intake = page(as_user("intake"), "/inbox?view=group")
    assert sorted(titles(intake)) == ["待交办", "待受理"]
    assert counts(intake) == {"mine": 0, "group": 2}

    handler = page(as_user("handler"), "/inbox?view=group")
    assert titles(handler) == ["大气科办理"] and counts(handler) == {"mine": 0, "group": 1}
    assert titles(page(as_user("handler2"), "/inbox?view=group")) == ["执法大队办理"]

    lead = page(as_user("lead"), "/inbox?view=group")
    assert titles(lead) == ["待审核"] and counts(lead)["group"] == 1
    assert titles(page(as_user("lead2"), "/inbox?view=group")) == []


def test_town_supervisor_sees_only_tier_two_supervision_of_their_town(env, as_user):
    ours = env.register(title="城关镇逾期", grid_code="T01-A01-V01")
    other = env.register(title="东城街道逾期", grid_code="T02-A01-V01")
    for case in (ours, other):
        env.complete(case, "receive", {"decision": "accept"})
    # The assignment limit (1 working day) ends Tuesday 24:00: the case goes up to the town tier.
    env.at("2026-03-03T16:00:01+00:00")
    assert {t.tier for t in env.ready(ours) if t.spec == "supervise"} == {2}

    town = page(as_user("town"), "/inbox?view=group")
    assert titles(town) == ["城关镇逾期"] and counts(town)["group"] == 1
    assert "督办" in town
    # Three more working days and the county supervision section (tier 3) gets a task as well.
    env.at("2026-03-09T16:00:01+00:00")  # escalated early Wednesday: Thu, Fri, Mon
    assert {t.tier for t in env.ready(ours) if t.spec == "supervise"} == {2, 3}
    assert counts(page(as_user("town"), "/inbox?view=group"))["group"] == 1
    assert counts(page(as_user("supervisor"), "/inbox?view=group"))["group"] == 2  # tier 3, both towns


def test_claim_moves_a_task_to_assigned_to_me_and_release_gives_it_back(env, as_user):
    env.register(title="甲")
    env.register(title="乙")
    intake = as_user("intake")
    # Nothing assigned yet: the inbox opens on the group view.
    first = page(intake, "/inbox")
    assert counts(first) == {"mine": 0, "group": 2} and len(titles(first)) == 2
    task = env.ready(env.register(title="丙"))[0]
    response = intake.post(f"/tasks/{task.id}/claim", {"next": "/inbox?view=mine"}, page_url="/inbox")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox?view=mine")
    with env.db.read() as s:
        assert s.get(Task, task.id).assignee_id == user_id(env, "intake")

    mine = page(intake, "/inbox?view=mine")
    assert titles(mine) == ["丙"] and counts(mine) == {"mine": 1, "group": 3}
    assert 'data-label="办理人">受理员 王芳<' in mine and "释放" in mine
    assert titles(page(intake, "/inbox")) == ["丙"]  # now the default view
    # The group view still lists it, with who holds it.
    assert "丙" in titles(page(intake, "/inbox?view=group"))
    assert [e.kind for e in env.audit(task.case_id, "task_claimed")] == ["task_claimed"]

    # Only the holder can release it.
    as_user("admin").post(f"/tasks/{task.id}/release", {}, page_url="/inbox")
    with env.db.read() as s:
        assert s.get(Task, task.id).assignee_id == user_id(env, "intake")
    intake.post(f"/tasks/{task.id}/release", {"next": "/inbox?view=mine"}, page_url="/inbox")
    assert counts(page(intake, "/inbox?view=mine")) == {"mine": 0, "group": 3}
    with env.db.read() as s:
        assert s.get(Task, task.id).assignee_id is None


def test_a_task_claimed_by_someone_else_cannot_be_claimed_again(env, as_user):
    task = env.ready(env.register(title="已被认领"))[0]
    as_user("admin").post(f"/tasks/{task.id}/claim", {}, page_url="/inbox")
    response = as_user("intake").post(f"/tasks/{task.id}/claim", {}, page_url="/inbox")
    assert response.status_code == 409
    with env.db.read() as s:
        assert s.get(Task, task.id).assignee_id == user_id(env, "admin")


def test_claiming_a_task_outside_the_scope_is_not_found(env, as_user):
    case = env.register()
    env.accept_and_assign(case, department="enforcement")
    task = env.task(case, "handle")
    assert as_user("handler").post(f"/tasks/{task.id}/claim", {}, page_url="/inbox").status_code == 404
    with env.db.read() as s:
        assert s.get(Task, task.id).assignee_id is None


def test_filters_stage_town_category_channel_and_search(env, as_user):
    a = env.register(title="城关镇大气", category="air", channel="hotline", grid_code="T01-A01-V01")
    env.register(title="东城街道水", category="water", channel="public", grid_code="T02-A01-V01",
                 description="河面漂浮油污")
    env.complete(env.register(title="已受理待交办", category="noise", grid_code="T01-A01-V01"),
                 "receive", {"decision": "accept"})
    intake = as_user("intake")

    def listed(query: str) -> list[str]:
        return sorted(titles(page(intake, "/inbox?view=group&" + query)))

    assert listed("stage=assign") == ["已受理待交办"]
    assert listed("stage=receive") == ["东城街道水", "城关镇大气"]
    assert listed("town=T01") == ["城关镇大气", "已受理待交办"]
    assert listed("town=T02") == ["东城街道水"]
    assert listed("town=T99") == []
    assert listed("category=water") == ["东城街道水"]
    assert listed("channel=public") == ["东城街道水"]
    assert listed("channel=hotline&category=air") == ["城关镇大气"]
    assert listed(f"q={a.number}") == ["城关镇大气"]
    assert listed("q=油污") == ["东城街道水"]  # in the description
    assert listed("q=交办") == ["已受理待交办"]  # in the title
    assert listed("q=%25") == []  # LIKE wildcards are searched for literally
    # Counts follow the filters, and unknown filter values are ignored rather than failing.
    assert counts(page(intake, "/inbox?view=group&town=T01")) == {"mine": 0, "group": 2}
    assert len(listed("stage=nonsense&colour=purple&due=never&page=x")) == 3


def test_due_and_colour_filters_follow_the_clock_and_the_bureau_timezone(env, as_user):
    late = env.register(title="紧急已超期", urgent=True)  # urgent: received within 2 hours
    env.at("2026-03-02T05:00:00+00:00")  # 13:00 in Shanghai: its limit passed at 12:00
    env.register(title="紧急今天到期", urgent=True)  # due 15:00 today
    env.complete(env.register(title="本周到期"), "receive", {"decision": "accept"})  # assign: Tuesday 24:00
    env.register(title="月底到期")  # receive: 15 working days
    intake = as_user("intake")

    def listed(query: str) -> list[str]:
        return sorted(titles(page(intake, "/inbox?view=group&" + query)))

    assert listed("due=overdue") == ["紧急已超期"]
    assert listed("due=today") == ["紧急今天到期"]
    assert listed("due=week") == ["本周到期", "紧急今天到期"]
    assert listed("colour=red") == ["紧急已超期"]
    assert "紧急已超期" not in listed("colour=blue")
    html = page(intake, "/inbox?view=group&due=overdue")
    assert "已超期" in html and 'class="badge red"' in html
    assert env.case(late).colour == "red"

    # 00:30 on Tuesday in Shanghai is still Monday in UTC: "today" is the bureau's Tuesday.
    env.clock.set(datetime(2026, 3, 2, 16, 30, tzinfo=timezone.utc))
    intake.login("intake")  # hours later: the session ended after 30 idle minutes
    assert listed("due=today") == ["本周到期"]
    assert sorted(listed("due=overdue")) == ["紧急今天到期", "紧急已超期"]


def test_rows_show_remaining_working_days_and_sort_by_due_date(env, as_user):
    env.register(title="十五个工作日")
    env.complete(env.register(title="一个工作日"), "receive", {"decision": "accept"})
    intake = as_user("intake")
    html = page(intake, "/inbox?view=group")
    assert titles(html) == ["一个工作日", "十五个工作日"]
    # Monday 10:00; assignment ends Tuesday 24:00: the rest of Monday (14/24) plus Tuesday.
    assert "剩余 1.6 个工作日" in html and "剩余 15.6 个工作日" in html
    assert "2026-03-03 24:00" in html  # a limit ending at midnight reads as 24:00 of its last day
    assert titles(page(intake, "/inbox?view=group&sort=-due")) == ["十五个工作日", "一个工作日"]

    env.clock.set(env.clock.now() + timedelta(days=4))  # Friday 10:00: Wednesday and Thursday have begun
    intake.login("intake")  # days later: the session ended after 30 idle minutes
    assert "已超期 3 个工作日" in page(intake, "/inbox?view=group")


def test_paging_25_a_page_with_page_links(env, as_user):
    for n in range(27):
        env.register(title=f"案件{n:02d}")
    intake = as_user("intake")
    first = page(intake, "/inbox?view=group")
    assert len(titles(first)) == 25 and counts(first)["group"] == 27
    assert 'href="/inbox?view=group&amp;page=2"' in first and 'rel="next"' in first
    second = page(intake, "/inbox?view=group&page=2")
    assert len(titles(second)) == 2
    assert set(titles(first)).isdisjoint(titles(second))
    assert len(set(titles(first)) | set(titles(second))) == 27
    assert 'rel="prev"' in second
    # Past the end shows the last page; filters are kept in the page links.
    assert titles(page(intake, "/inbox?view=group&page=99")) == titles(second)
    assert "page=2&amp;q=%E6%A1%88" in page(intake, "/inbox?view=group&q=案")


def test_one_query_per_page_not_per_row(env, as_user, app):
    intake = as_user("intake")
    for n in range(2):
        env.register(title=f"少{n}")

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(env.db.engine, "before_cursor_execute", listener)
        try:
            assert intake.get("/inbox?view=group").status_code == 200
        finally:
            event.remove(env.db.engine, "before_cursor_execute", listener)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    statements()  # the first page reads the calendar and the towns into the per-process reference cache
    few = statements()
    for n in range(8):
        env.register(title=f"多{n}")
    assert statements() == few


def test_titles_and_descriptions_are_escaped(env, as_user):
    env.register(title="<script>alert(1)</script>", description="<img src=x onerror=alert(2)>")
    html = page(as_user("intake"), "/inbox?view=group")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_filters_update_without_reload_when_htmx_asks(env, as_user):
    env.register(title="片段")
    response = as_user("intake").get("/inbox?view=group", headers={"HX-Request": "true",
                                                                   "HX-Target": "inbox-results"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and titles(html) == ["片段"]
    assert "<html" not in html and html.lstrip().startswith('<div id="inbox-results">')
    full = page(as_user("intake"), "/inbox?view=group")
    assert "<html" in full and 'hx-get="/inbox"' in full


def test_counts_stop_at_the_cap_and_say_so(env, as_user, monkeypatch):
    from engine.work import inbox

    for _ in range(3):
        env.register()
    monkeypatch.setattr(inbox, "COUNT_CAP", 2)
    page = as_user("intake").get("/inbox?view=group").get_data(as_text=True)
    assert 'data-view="group">2+<' in page
    monkeypatch.setattr(inbox, "COUNT_CAP", 10)
    page = as_user("intake").get("/inbox?view=group").get_data(as_text=True)
    assert 'data-view="group">3<' in page
