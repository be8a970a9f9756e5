"""Open311 in the bureau's terms: services from our categories, POST fields → intake data, status
mapping, the spec's query rules."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.core.errors import FormInvalid
from engine.models import CATEGORIES, Case
from engine.public import open311

SHANGHAI = ZoneInfo("Asia/Shanghai")


def fields(**overrides) -> dict:
    data = {"service_code": "air", "lat": "30.5", "long": "120.1", "description": "烟囱冒黑烟",
            "attributes": {}}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def problems(**overrides) -> dict:
    with pytest.raises(FormInvalid) as err:
        open311.parse_submission(fields(**overrides), "public")
    return err.value.errors


def test_services_are_our_categories():
    services = open311.services()
    assert [s["service_code"] for s in services] == list(CATEGORIES)
    assert all(s["metadata"] is True and s["type"] == "realtime" and s["service_name"] for s in services)
    assert len({s["service_name"] for s in services}) == len(CATEGORIES)


def test_service_definition_lists_subject_types_and_towns(env):
    with env.db.read() as s:
        definition = open311.service_definition(s, "water")
        assert open311.service_definition(s, "traffic") is None
    by_code = {a["code"]: a for a in definition["attributes"]}
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3, 4]
    assert all(a["required"] is False and a["variable"] is True for a in definition["attributes"])
    assert {"key": "catering", "name": "餐饮"} in by_code["subject_type"]["values"]
    assert len(by_code["town"]["values"]) == 14 and by_code["town"]["values"][0]["key"] == "T01"


def test_post_fields_become_intake_data():
    sub = open311.parse_submission(fields(
        first_name="三", last_name="张", phone="13800000000", email="a@b.cn", address_id="A-17", device_id="d1",
        attributes={"subject_type": "catering", "town": "T03", "title": "烧烤店油烟", "subject_enterprise": "老王烧烤"}),
        "higher")
    assert sub.intake == {
        "channel": "higher", "category": "air", "title": "烧烤店油烟", "description": "烟囱冒黑烟",
        "address": "地址编号 A-17", "latitude": 30.5, "longitude": 120.1, "grid_code": "T03",
        "subject_type": "catering", "subject_enterprise": "老王烧烤", "complainant_name": "张三",
        "complainant_phone": "13800000000", "complainant_anonymous": False}
    assert sub.details == {"open311": {"address_id": "A-17", "device_id": "d1"}, "contact": {"email": "a@b.cn"}}
    assert sub.account_id is None
    western = open311.parse_submission(fields(first_name="Anna", last_name="Lee"), "public")
    assert western.intake["complainant_name"] == "Anna Lee" and not western.intake["complainant_anonymous"]
    anonymous = open311.parse_submission(fields(email="", lat="", long="", address_string="桥头"), "public")
    assert anonymous.intake["complainant_anonymous"] and anonymous.intake["latitude"] is None
    assert anonymous.details == {"open311": {}}


def test_title_comes_from_the_description_or_the_service():
    long_line = "某" * 50 + "\n第二行"
    assert open311.parse_submission(fields(description=long_line), "public").intake["title"] == "某" * 40 + "…"
    assert open311.parse_submission(fields(description=""), "public").intake["title"] == "大气污染"


def test_post_field_errors():
    assert "location" in problems(lat=None, long=None)
    assert "lat" in problems(long=None, address_string="x")
    assert "lat" in problems(lat="91")
    assert "service_code" in problems(service_code="traffic")
    assert "service_code" in problems(service_code=None)
    assert "description" in problems(description="x" * 4001)
    assert "attribute" in problems(attributes={"colour": "red"})
    assert "email" in problems(email="nobody")
    assert "media_url" in problems(media_url="javascript:alert(1)")
    assert "description" in problems(description="a\x00b")
    open311.parse_submission(fields(description="x" * 4000), "public")


def case(status: str, **kw) -> Case:
    now = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    return Case(number="环字〔2026〕第000001号", category="air", status=status, received_at=now, **kw)


@pytest.mark.parametrize("status, expected, note", [
    ("received", "open", "已登记，等待受理"), ("accepted", "open", "办理中：交办阶段"),
    ("handling", "open", "办理中：交办阶段"), ("reopened", "open", "重新办理：交办阶段"), ("closed", "closed", "已办结"),
    ("rejected", "closed", "不予受理"), ("transferred", "closed", "已转办至县城管局"),
    ("merged", "closed", "重复投诉，已并入 环字〔2026〕第000009号"),
])
def test_status_mapping(status, expected, note):
    row = case(status, stage="assign", transferred_to="县城管局")
    assert open311.open311_status(row) == expected
    assert open311.status_notes(row, "环字〔2026〕第000009号") == note


def test_query_rules():
    q = open311.parse_query({"service_request_id": "a, b,a", "service_code": "air,noise", "status": "open",
                             "start_date": "2026-03-01T00:00:00+08:00", "end_date": "2026-03-31T00:00:00Z"})
    assert q.numbers == ("a", "b") and q.service_codes == ("air", "noise") and q.statuses == ("open",)
    assert q.start == datetime(2026, 2, 28, 16, 0, tzinfo=timezone.utc)
    with pytest.raises(FormInvalid) as err:
        open311.parse_query({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"})
    assert "end_date" in err.value.errors  # more than 90 days
    with pytest.raises(FormInvalid) as err:
        open311.parse_query({"start_date": "2026-03-02T00:00:00Z", "end_date": "2026-03-01T00:00:00Z"})
    assert "start_date" in err.value.errors


def test_find_requests_window_limit_and_redaction(env, monkeypatch):
    old = env.register(title="旧")
    env.clock.set(env.clock.now() + timedelta(days=91))
    recent = [env.register(title=f"新 {i}", description=f"张三 13800000000 第{i}次") for i in range(3)]
    with env.db.read() as s:
        found = open311.find_requests(s, open311.RequestQuery(), env.clock.now(), SHANGHAI)
        assert [r["service_request_id"] for r in found] == [c.number for c in reversed(recent)]
        assert all("张三" not in r["description"] and "13800000000" not in r["description"] for r in found)
        monkeypatch.setattr(open311, "MAX_RESULTS", 2)
        assert len(open311.find_requests(s, open311.RequestQuery(), env.clock.now(), SHANGHAI)) == 2
        by_id = open311.find_requests(s, open311.RequestQuery(numbers=(old.number,)), env.clock.now(), SHANGHAI)
        assert [r["service_request_id"] for r in by_id] == [old.number]
        assert open311.request_by_token(s, recent[0].tracking_code.lower()) == {
            "service_request_id": recent[0].number, "token": recent[0].tracking_code}
        assert open311.request_by_number(s, "nope", SHANGHAI) is None
