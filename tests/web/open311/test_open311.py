"""Open311 GeoReport v2 at /open311/v2: services, POST/GET requests and tokens, JSON and XML,
the spec's error format, and the case each request becomes."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree as SafeET
from sqlalchemy import select

from engine.models import Case
from engine.org.api_tokens import create_token

BASE = "/open311/v2"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_key(env):
    return env.run(create_token, "城市服务 App", ["open311:submit"], created_by="admin")[1]


def xml(response):
    assert response.mimetype == "text/xml"
    return SafeET.fromstring(response.data)


def request_fields(key: str, **overrides) -> dict:
    data = {"api_key": key, "service_code": "noise", "lat": "30.2741", "long": "120.1551",
            "address_string": "城关镇建设路 8 号", "description": "工地每晚 23 点后仍在打桩\n影响休息",
            "first_name": "三", "last_name": "张", "phone": "13800000000", "email": "zhang@example.cn",
            "device_id": "ios-7F3A", "account_id": "u-1001", "media_url": "https://img.example.cn/p/1.jpg",
            "attribute[subject_type]": "construction", "attribute[subject_enterprise]": "城关建设工程公司",
            "attribute[town]": "T01"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_json(response, status: int) -> list[dict]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} for e in body)
    assert all(e["code"] == status for e in body)
    return body


def errors_xml(response, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status, response.get_data(as_text=True)
    root = xml(response)
    assert root.tag == "errors"
    found = [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]
    assert found and all(code == str(status) for code, _ in found)
    return found


# ---------------------------------------------------------------------------- services


def test_service_list_and_definition_in_json_and_xml(env, client):
    services = client.get(f"{BASE}/services.json").get_json()
    assert [s["service_code"] for s in services] == ["air", "water", "noise", "solid_waste", "soil", "radiation",
                                                      "ecology", "other"]
    assert services[2]["service_name"] == "噪声扰民" and services[2]["metadata"] is True
    assert services[2]["type"] == "realtime"
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == 8
    assert root.find("service/metadata").text == "true"

    definition = client.get(f"{BASE}/services/noise.json").get_json()
    codes = [a["code"] for a in definition["attributes"]]
    assert definition["service_code"] == "noise" and codes == ["title", "subject_type", "subject_enterprise", "town"]
    town = definition["attributes"][3]
    assert town["datatype"] == "singlevaluelist" and {"key": "T01", "name": "城关镇"} in town["values"]
    root = xml(client.get(f"{BASE}/services/noise.xml"))
    assert root.tag == "service_definition"
    keys = [v.findtext("key") for v in root.findall("attributes/attribute[code='subject_type']/values/value")]
    assert "construction" in keys

    errors_json(client.get(f"{BASE}/services/traffic_jam.json"), 404)
    errors_xml(client.get(f"{BASE}/services/traffic_jam.xml"), 404)
    assert xml(client.get(f"{BASE}/discovery.xml")).find("endpoints/endpoint/url").text.endswith("/open311/v2/")


# ---------------------------------------------------------------------------- POST requests


def test_post_a_request_registers_a_case_and_reads_back_in_both_formats(env, client, api_key, as_user):
    response = client.post(f"{BASE}/requests.json", data=request_fields(api_key))  # no CSRF token: exempt
    assert response.status_code == 201, response.get_data(as_text=True)
    [answer] = response.get_json()
    with env.db.read() as s:
        case = s.scalars(select(Case)).one()
    assert answer == {"service_request_id": case.number, "token": case.tracking_code, "account_id": "u-1001",
                      "service_notice": answer["service_notice"]}
    assert case.number in answer["service_notice"]
    assert (case.channel, case.category, case.title, case.grid_path, case.subject_type, case.subject_enterprise) == \
        ("public", "noise", "工地每晚 23 点后仍在打桩", "/C/T01/", "construction", "城关建设工程公司")
    assert (case.complainant_name, case.complainant_phone, case.complainant_anonymous) == ("张三", "13800000000",
                                                                                            False)
    assert (case.latitude, case.longitude, case.address) == (30.2741, 120.1551, "城关镇建设路 8 号")
    assert case.details == {"open311": {"device_id": "ios-7F3A", "account_id": "u-1001",
                                        "media_url": "https://img.example.cn/p/1.jpg"},
                            "contact": {"email": "zhang@example.cn"}}
    assert [t.spec for t in env.ready(case)] == ["receive"]
    assert "工地每晚 23 点后仍在打桩" in as_user("intake").get("/inbox?view=group").get_data(as_text=True)
    # The e-mail is the complainant's identity: intake sees it on the case page, a handler does not.
    assert "zhang@example.cn" in as_user("intake").get(f"/cases/{case.id}").get_data(as_text=True)

    [one] = client.get(f"{BASE}/requests/{case.number}.json").get_json()
    assert one["service_request_id"] == case.number and one["status"] == "open"
    assert one["status_notes"] == "已登记，等待受理" and one["agency_responsible"] == "示范县生态环境局"
    assert one["requested_datetime"] == "2026-03-02T10:00:00+08:00"
    assert one["expected_datetime"] == "2026-03-24T00:00:00+08:00"  # 15 working days, end of day
    assert (one["lat"], one["long"], one["media_url"]) == (30.2741, 120.1551, "https://img.example.cn/p/1.jpg")
    assert "token" not in one and "张三" not in str(one) and "13800000000" not in str(one)

    root = xml(client.get(f"{BASE}/requests/{case.number}.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == case.number and request.findtext("status") == "open"
    assert request.findtext("long") == "120.1551" and request.findtext("zipcode") == ""

    [found] = client.get(f"{BASE}/tokens/{case.tracking_code}.json").get_json()
    assert found == {"service_request_id": case.number, "token": case.tracking_code}
    root = xml(client.get(f"{BASE}/tokens/{case.tracking_code}.xml"))
    assert root.find("request/service_request_id").text == case.number
    errors_json(client.get(f"{BASE}/tokens/NOSUCHCODE.json"), 404)
    errors_xml(client.get(f"{BASE}/requests/nope.xml"), 404)
    # A NUL cannot even be compared by PostgreSQL: it is simply not found, or a bad parameter.
    errors_json(client.get(f"{BASE}/requests/a%00b.json"), 404)
    errors_json(client.get(f"{BASE}/tokens/a%00b.json"), 404)
    errors_json(client.get(f"{BASE}/requests.json?service_request_id=a%00b"), 400)


def test_post_in_xml_and_anonymous_with_address_only(env, client, api_key):
    response = client.post(f"{BASE}/requests.xml", data=request_fields(
        api_key, lat=None, long=None, first_name=None, last_name=None, phone=None, email=None, device_id=None,
        account_id=None, media_url=None, description="河面漂浮死鱼", service_code="water",
        **{"attribute[subject_type]": None, "attribute[subject_enterprise]": None, "attribute[town]": None}))
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    assert root.findtext("request/token") and root.findtext("request/account_id") == ""
    with env.db.read() as s:
        case = s.scalars(select(Case).where(Case.number == number)).one()
    assert case.complainant_anonymous and case.title == "河面漂浮死鱼" and case.subject_type == "other"
    assert case.grid_path is None and case.details == {"open311": {}}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors_in_the_spec_format(env, client, api_key, fmt):
    def post(**overrides):
        return client.post(f"{BASE}/requests.{fmt}", data=request_fields(api_key, **overrides))

    check = errors_json if fmt == "json" else errors_xml

    def described(response, status):
        found = check(response, status)
        return " ".join(e["description"] if isinstance(e, dict) else e[1] for e in found)

    assert "service_code" in described(post(service_code="traffic"), 400)
    assert "location" in described(post(lat=None, long=None, address_string=None), 400)
    assert "lat" in described(post(long=None, address_string=None), 400)
    assert "4000" in described(post(description="噪" * 4001), 400)
    assert post(description="噪" * 4000).status_code == 201
    assert "attribute" in described(post(**{"attribute[colour]": "red"}), 400)
    assert "email" in described(post(email="not-an-address"), 400)
    assert "attribute[subject_type]" in described(post(**{"attribute[subject_type]": "spaceship"}), 400)
    assert "attribute[town]" in described(post(**{"attribute[town]": "T99"}), 400)
    assert "phone" in described(post(phone="call me"), 400)
    assert "api_key" in described(post(api_key="glt_wrong"), 403)
    assert "api_key" in described(post(api_key=None), 403)
    # A token without the open311 scope, and a revoked one, are refused the same way.
    other = env.run(create_token, "reader", ["cases:read"], created_by="admin")[1]
    check(post(api_key=other), 403)
    with env.db.read() as s:
        assert len(list(s.scalars(select(Case)))) == 1  # only the 4000-character one


# ---------------------------------------------------------------------------- GET requests


def test_get_requests_filters_and_the_90_day_window(env, client, api_key):
    old = env.register(title="旧投诉", category="water")
    env.clock.set(env.clock.now() + timedelta(days=100))
    air = env.register(title="异味", category="air")
    noise = env.register(title="噪声", category="noise", complainant_anonymous=True, complainant_name=None,
                         complainant_phone=None)
    env.complete(noise, "receive", {"decision": "reject", "reason": "不属于环保职责"})

    def ids(query: str = "", fmt: str = "json") -> list[str]:
        response = client.get(f"{BASE}/requests.{fmt}{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        if fmt == "xml":
            return [r.findtext("service_request_id") for r in xml(response).findall("request")]
        return [r["service_request_id"] for r in response.get_json()]

    assert ids() == [noise.number, air.number]  # newest first, only the last 90 days
    assert ids(fmt="xml") == [noise.number, air.number]
    assert ids("?status=open") == [air.number] and ids("?status=closed") == [noise.number]
    assert ids("?status=open,closed") == [noise.number, air.number]
    assert ids("?service_code=air,water") == [air.number]
    assert ids("?start_date=2026-02-01T00:00:00%2B08:00&end_date=2026-04-30T00:00:00Z") == [old.number]
    assert ids("?start_date=2026-03-01T00:00:00Z") == [old.number]  # 90 days from the start
    # A list of ids overrides every other argument.
    assert ids(f"?service_request_id={old.number},{air.number}&status=closed") == [air.number, old.number]
    [closed] = client.get(f"{BASE}/requests/{noise.number}.json").get_json()
    assert closed["status"] == "closed" and closed["status_notes"] == "不予受理"
    assert closed["expected_datetime"] is None

    for query, name in [("?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "end_date"),
                        ("?start_date=yesterday", "start_date"), ("?start_date=2026-03-01", "start_date"),
                        ("?status=pending", "status"), ("?service_code=traffic", "service_code")]:
        [problem] = errors_json(client.get(f"{BASE}/requests.json{query}"), 400)
        assert problem["description"].startswith(name)
        errors_xml(client.get(f"{BASE}/requests.xml{query}"), 400)


def test_status_notes_agency_and_deadline_follow_the_case(env, client):
    case = env.register(description="张三反映：厂区夜间排放，电话 13800000000")
    env.accept_and_assign(case, department="air")
    [req] = client.get(f"{BASE}/requests/{case.number}.json").get_json()
    assert req["status"] == "open" and req["status_notes"].startswith("办理中")
    assert req["agency_responsible"] == "大气环境科"
    due = env.case(case).stage_due
    assert req["expected_datetime"] == due.astimezone(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")
    assert req["updated_datetime"] >= req["requested_datetime"]
    # The public never reads the complainant's name or phone, even where staff typed them.
    assert "张三" not in req["description"] and "13800000000" not in req["description"]
    assert "***" in req["description"]


def test_get_rate_limit_answers_in_the_spec_format(env, app, client):
    app.config["OPEN311_READ_RATE_LIMIT"] = "2 per minute"
    # The limiter counts per address: give this test its own.
    environ = {"REMOTE_ADDR": "198.51.100.7"}
    assert [client.get(f"{BASE}/services.json", environ_base=environ).status_code for _ in range(2)] == [200, 200]
    errors_xml(client.get(f"{BASE}/services.xml", environ_base=environ), 429)
