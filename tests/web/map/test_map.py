"""The map page (挂图督办) and its JSON: who may see it, in which scope, with which filters, and
never the complainant."""
from __future__ import annotations

import json

from sqlalchemy import delete, select

from engine.models import Case, Department
from engine.models.geo import MapBoundaries


def cases_json(browser, query: str = "") -> dict:
    answer = browser.get("/map/cases.json" + query)
    assert answer.status_code == 200, answer.status_code
    assert answer.headers["Cache-Control"] == "private, no-store"
    return answer.get_json()


def numbers(data: dict) -> set[str]:
    return {c["number"] for c in data["cases"]}


def test_supervisors_leaders_and_administrators_see_the_map_in_their_menu(county_map, as_user):
    for username in ("supervisor", "leader", "town", "admin"):
        person = as_user(username)
        page = person.get("/map")
        assert page.status_code == 200, username
        html = page.get_data(as_text=True)
        assert 'href="/map"' in html and "挂图督办" in html
        assert "/vendor/leaflet/leaflet.js" in html and "/vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert as_user("supervisor").get("/vendor/leaflet/leaflet.css").status_code == 200


def test_other_staff_get_403_and_no_menu_entry_and_strangers_sign_in_first(county_map, as_user):
    for username in ("intake", "handler", "lead", "gridofficer"):
        person = as_user(username)
        for url in ("/map", "/map/cases.json", "/map/boundaries.json"):
            assert person.get(url).status_code == 403, (username, url)
        assert 'href="/map"' not in person.get("/overview").get_data(as_text=True)
    stranger = as_user()
    for url in ("/map", "/map/cases.json", "/map/boundaries.json"):
        answer = stranger.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_json_holds_the_open_cases_in_the_viewers_scope(county_map, as_user):
    county = cases_json(as_user("supervisor"))
    assert numbers(county) == {county_map[k].number for k in ("red", "yellow", "t02")}
    assert county["counts"] == {"red": 1, "yellow": 1, "blue": 1} and county["unplaced"] == 0
    town = cases_json(as_user("town"))  # posted to T01
    assert numbers(town) == {county_map["red"].number, county_map["yellow"].number}
    # Asking for another town's cases does not widen the scope.
    assert cases_json(as_user("town"), "?town=T02")["cases"] == []


def test_a_case_carries_what_the_popup_shows_and_links_to_the_case_page(county_map, as_user):
    data = cases_json(as_user("supervisor"))
    red = next(c for c in data["cases"] if c["number"] == county_map["red"].number)
    assert red["url"] == f"/cases/{county_map['red'].id}"
    assert (red["colour"], red["colour_label"], red["lon"], red["lat"], red["approximate"]) == \
        ("red", "红色 超期", 112.91, 27.71, False)
    assert red["stage"] == "受理" and red["tier"] == "网格员" and red["town"] == "城关镇" and red["deadline"]
    yellow = next(c for c in data["cases"] if c["number"] == county_map["yellow"].number)
    assert yellow["approximate"] is True


def test_the_complainant_is_never_in_the_json(county_map, as_user):
    for username in ("supervisor", "admin"):
        text = json.dumps(cases_json(as_user(username)), ensure_ascii=False)  # Chinese as characters
        assert "13912345678" not in text and "李四" not in text and "complainant" not in text
        assert county_map["red"].tracking_code not in text
        assert "请联系139****5678" in text


def test_the_board_s_filters_narrow_the_json_and_the_page_keeps_them(county_map, as_user, env):
    supervisor = as_user("supervisor")
    assert numbers(cases_json(supervisor, "?colour=red")) == {county_map["red"].number}
    assert numbers(cases_json(supervisor, "?tier=2")) == {county_map["t02"].number}
    assert numbers(cases_json(supervisor, "?category=noise")) == {county_map["t02"].number}
    assert numbers(cases_json(supervisor, "?town=T02")) == {county_map["t02"].number}
    assert numbers(cases_json(supervisor, "?stage=handle")) == set()
    with env.db.read() as s:
        air = s.scalar(select(Department.id).where(Department.code == "air"))
    assert numbers(cases_json(supervisor, f"?department={air}")) == set()
    # Values that are no choice filter nothing (as on the board).
    assert len(cases_json(supervisor, "?colour=purple&tier=9&category=x&stage=y&department=-1")["cases"]) == 3
    page = supervisor.get("/map?colour=red&tier=1&category=air").get_data(as_text=True)
    assert 'data-cases-url="/map/cases.json?tier=1&amp;category=air&amp;colour=red"' in page
    assert '<option value="red" selected>' in page


def test_the_town_filter_offers_only_the_viewers_towns(county_map, as_user):
    page = as_user("town").get("/map").get_data(as_text=True)
    assert '<option value="T01"' in page and '<option value="T02"' not in page


def test_the_boundary_layer_is_revalidated_by_its_etag(county_map, as_user):
    supervisor = as_user("supervisor")
    answer = supervisor.get("/map/boundaries.json")
    layer = answer.get_json()
    assert answer.headers["Cache-Control"] == "private, no-cache"
    assert layer["type"] == "FeatureCollection" and len(layer["bbox"]) == 4
    levels = [f["properties"]["level"] for f in layer["features"]]
    assert levels[0] == "county" and levels.count("town") == 14
    etag = answer.headers["ETag"]
    again = supervisor.get("/map/boundaries.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_without_boundaries_the_map_still_shows_cases_and_says_so(county_map, as_user, env):
    with env.db.write() as s:
        s.execute(delete(MapBoundaries))
    supervisor = as_user("supervisor")
    assert supervisor.get("/map/boundaries.json").get_json() == {"type": "FeatureCollection", "features": []}
    data = cases_json(supervisor)
    assert numbers(data) == {county_map["red"].number} and data["unplaced"] == 2
    assert "尚未设置县域边界" in supervisor.get("/map").get_data(as_text=True)
    assert "上传或生成边界" in as_user("admin").get("/map").get_data(as_text=True)


def test_the_page_reads_in_english(county_map, as_user):
    supervisor = as_user("supervisor")
    supervisor.post("/lang/en", data={"next": "/map"}, page_url="/map")
    page = supervisor.get("/map").get_data(as_text=True)
    assert "Map supervision" in page
    assert {c["colour_label"] for c in cases_json(supervisor)["cases"]} == {"Red overdue", "Yellow warning", "Blue in progress"}


def test_closed_cases_are_not_on_the_map(county_map, as_user, env):
    data = cases_json(as_user("admin"))
    assert county_map["closed"].number not in numbers(data)
    with env.db.read() as s:
        assert s.get(Case, county_map["closed"].id).status == "closed"
