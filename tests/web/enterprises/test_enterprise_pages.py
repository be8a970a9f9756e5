"""The register's pages: the administrator's edit and import (dry run with line errors, then
applying), the enterprise page's history, proposing for the positive list from it, intake linking a
complaint to a suggested enterprise, an alarm linked by its station through the API, and the
public list."""
from __future__ import annotations

import io

from sqlalchemy import select

from engine.enterprises.functions import CRITERIA
from engine.models import Case, Task
from engine.models.enterprise import Enterprise, PositiveListing
from engine.work.tasks import complete_task
from tests.engine.enterprises.conftest import enterprise  # noqa: F401 - the fixture
from tests.web.api.test_api_v1 import ALARM, api, token_for  # noqa: F401 - the fixture

HEADER = "统一社会信用代码,企业名称,地址,网格编码,行业,监管类别,排污许可证编号,许可证有效期至,联系人,监测点位\n"
FORM = {"credit_code": "9144030071526726XG", "name": "青山造纸厂", "address": "青山镇纸业路 8 号", "grid": "T05",
        "industry": "造纸", "supervision_class": "general", "permit_number": "", "permit_expires": "2027-06-30",
        "contacts": "李四 13900000002", "stations": "ST0101"}


def test_the_administrator_adds_and_edits_with_field_errors(env, as_user):
    admin = as_user("admin")
    bad = admin.post("/enterprises/new", {**FORM, "credit_code": "9144030071526726XH", "grid": "T99"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "校验位不正确" in text and "网格 T99 不存在" in text
    assert env.count(Enterprise) == 0
    done = admin.post("/enterprises/new", FORM)
    assert done.status_code == 302 and env.count(Enterprise) == 1
    with env.db.read() as s:
        e = s.scalars(select(Enterprise)).one()
    saved = admin.post(f"/enterprises/{e.id}/edit", {**FORM, "name": "青山纸业有限公司"})
    assert saved.status_code == 302
    page = admin.get(f"/enterprises/{e.id}").get_data(as_text=True)
    assert "青山纸业有限公司" in page and "李四 13900000002" in page and "ST0101" in page
    # Supervisors read; only administrators edit.
    assert as_user("supervisor").get(f"/enterprises/{e.id}").status_code == 200
    assert as_user("supervisor").get(f"/enterprises/{e.id}/edit").status_code == 403
    assert as_user("handler").get("/enterprises").status_code == 403


def test_the_import_lists_line_errors_then_applies(env, as_user):
    admin = as_user("admin")
    bad = HEADER + "9144030071526726XG,青山造纸厂,,T05,造纸,一般,,,,\n91330100716105852E,坏代码,,T01,化工,重点,,,,\n"
    page = admin.post("/enterprises/import", {"file": (io.BytesIO(bad.encode("utf-8")), "r.csv")},
                      page_url="/enterprises/import", content_type="multipart/form-data", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "校验位不正确" in text and 'id="apply"' not in text and "文件有错误" in text
    good = HEADER + "9144030071526726XG,青山造纸厂,,T05,造纸,一般,,,,ST0101\n"
    page = admin.post("/enterprises/import", {"file": (io.BytesIO(good.encode("gb18030")), "r.csv")},
                      page_url="/enterprises/import", content_type="multipart/form-data")
    url = page.headers["Location"]
    import_id = url.rsplit("/", 1)[-1]
    applied = admin.post(f"/enterprises/import/{import_id}/apply", page_url=url)
    assert applied.status_code == 302 and env.count(Enterprise) == 1


def test_propose_from_the_page_and_the_public_list(env, as_user, enterprise):  # noqa: F811
    supervisor = as_user("supervisor")
    started = supervisor.post(f"/enterprises/{enterprise.id}/propose", page_url=f"/enterprises/{enterprise.id}")
    assert started.status_code == 302 and "/tasks/" in started.headers["Location"]
    task_url = started.headers["Location"]
    assert "示范化工有限公司" in supervisor.get(task_url).get_data(as_text=True)  # prefilled
    with env.db.read() as s:
        [task] = s.scalars(select(Task).where(Task.spec == "pl_propose", Task.state == "ready"))
    env.run(complete_task, task.id, {"enterprise": "示范化工有限公司", "criteria": list(CRITERIA),
                                     "period_start": "2026-03-02", "period_end": "2026-12-31", "reason": "良好"},
            "supervisor")
    with env.db.read() as s:
        [task] = s.scalars(select(Task).where(Task.spec == "pl_approve", Task.state == "ready"))
    done = as_user("leader").post(task.id and f"/tasks/{task.id}", {"approved": "true"})
    assert done.status_code == 302
    with env.db.read() as s:
        assert s.scalars(select(PositiveListing)).one().status == "listed"
    public = as_user(None).get("/public/positive-list").get_data(as_text=True)
    assert "示范化工有限公司" in public and "91350100M000100Y43" in public and "2026-12-31" in public
    assert "13800000001" not in public and "张经理" not in public
    page = supervisor.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert "批准纳入正面清单" in page and "在清单内" in page


def test_intake_links_the_suggested_enterprise(env, as_user, enterprise):  # noqa: F811
    intake = as_user("intake")
    fragment = intake.post("/intake/duplicates", {"subject_enterprise": "示范化工", "category": "air"},
                           page_url="/intake/new").get_data(as_text=True)
    assert f'name="enterprise_id" value="{enterprise.id}"' in fragment and "张经理" not in fragment
    form = {"channel": "hotline", "category": "air", "title": "夜间异味", "subject_enterprise": "示范化工",
            "grid_code": "T01-A01-V01", "complainant_name": "王五", "complainant_phone": "13700000000",
            "subject_type": "enterprise", "enterprise_id": str(enterprise.id)}
    done = intake.post("/intake/new", form)
    assert done.status_code == 302
    assert env.newest_case().enterprise_id == enterprise.id
    assert as_user("intake").get("/enterprises/suggest?name=示范").get_json()[0]["credit_code"] == "91350100M000100Y43"
    assert "contacts" not in as_user("intake").get("/enterprises/suggest?name=示范").get_data(as_text=True)


def test_an_alarm_arriving_with_a_known_station_is_linked(env, api, enterprise):  # noqa: F811
    alarm = {**ALARM, "monitoring": {**ALARM["monitoring"], "station_code": "ST0001"}}
    answer = api.post("/api/v1/cases", json=alarm, headers=token_for(env, "cases:write"))
    assert answer.status_code == 201
    with env.db.read() as s:
        case = s.get(Case, answer.get_json()["id"])
        assert case.enterprise_id == enterprise.id


def test_a_review_asked_for_on_the_page_is_decided_on_its_task_page(env, as_user, enterprise):  # noqa: F811
    from tests.engine.enterprises.test_positive_list import listed, ready
    listed(env, enterprise)
    supervisor = as_user("supervisor")
    url = f"/enterprises/{enterprise.id}"
    assert supervisor.post(f"{url}/review", {"note": "群众举报夜间偷排"}, page_url=url).status_code == 302
    [task] = ready(env, "pl_review")
    page = supervisor.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "示范化工有限公司" in page and "保留在清单内" in page  # the proposal's record, the choices
    assert "人工发起：群众举报夜间偷排" in page  # why the review was asked for
    assert supervisor.post(f"/tasks/{task.id}", {"decision": "remove", "review_reason": "偷排查实"}).status_code == 302
    page = supervisor.get(url).get_data(as_text=True)
    assert "因人工发起启动正面清单复核" in page and "移出正面清单，理由：偷排查实" in page and "已移出" in page
    # the town's supervisor (tier 2) does not work the section's review
    assert as_user("town").post(f"{url}/review", page_url=url).status_code == 403


def test_the_administrator_attaches_a_patrol_point(env, as_user, enterprise):  # noqa: F811
    from tests.engine.patrol.conftest import add_point
    point = add_point(env)
    admin = as_user("admin")
    url = f"/enterprises/{enterprise.id}"
    assert "城关镇玻璃厂" in admin.get(url).get_data(as_text=True)
    assert admin.post(f"{url}/patrol-point", {"point_id": str(point.id)}, page_url=url).status_code == 302
    with env.db.read() as s:
        from engine.models import PatrolPoint
        assert s.get(PatrolPoint, point.id).enterprise_id == enterprise.id
    assert as_user("supervisor").post(f"{url}/patrol-point", {"point_id": str(point.id)},
                                      page_url=url).status_code == 403
