"""Attacks on the map (挂图督办) and its boundary upload: huge and deeply nested files, markup in
names, a scope leak through the JSON endpoint, and the complainant's identity in it."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

from engine.geo import boundaries, geojson
from engine.models import Case, Grid, User, UserRole
from engine.org.passwords import hash_password
from tests.conftest import START, TEST_PASSWORD

MAP_JS = Path(__file__).resolve().parents[2] / "webapp" / "static" / "map.js"
SCRIPT = "<script>alert('map')</script>"


def upload(browser, raw: bytes, name: str = "county.geojson"):
    return browser.post("/admin/map/upload", data={"file": (io.BytesIO(raw), name)}, page_url="/admin/map",
                        content_type="multipart/form-data")


def readable(answer) -> str:
    """A JSON answer as text with its Chinese as characters (Flask writes them as \\u escapes, in
    which no search for a name would ever find it)."""
    assert answer.status_code == 200, answer.status_code
    return json.dumps(answer.get_json(), ensure_ascii=False)


def stored_sha(env):
    with env.db.read() as s:
        row = boundaries.current(s)
        return row.sha256 if row else None


def square(code: str, **properties) -> dict:
    ring = [[113.0, 27.7], [113.1, 27.7], [113.1, 27.8], [113.0, 27.8], [113.0, 27.7]]
    return {"type": "Feature", "properties": {"code": code, **properties},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture
def generated(env):
    with env.db.write() as s:
        boundaries.use_generated(s, "admin", START)
    return stored_sha(env)


# ---------------------------------------------------------------------------- the upload


def test_a_file_over_the_limit_is_refused_and_the_boundaries_stay(env, as_user, generated):
    huge = b'{"type": "FeatureCollection", "features": [' + b" " * geojson.MAX_BYTES + b"]}"
    answer = upload(as_user("admin"), huge)
    assert answer.status_code == 422 and "文件超过 10 MB" in answer.get_data(as_text=True)
    assert stored_sha(env) == generated


@pytest.mark.parametrize("raw", [
    b"[" * 200_000 + b"]" * 200_000,  # the parser's recursion limit
    b'{"type": "FeatureCollection", "features": ' + b"[" * 40 + b"]" * 40 + b"}",  # parses, far too deep
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
])
def test_deeply_nested_json_is_a_clear_refusal_never_a_500(env, as_user, generated, raw):
    answer = upload(as_user("admin"), raw)
    assert answer.status_code == 422 and "嵌套超过 16 层" in answer.get_data(as_text=True)
    assert stored_sha(env) == generated


def test_a_nul_or_nan_in_the_file_is_refused(env, as_user, generated):
    admin = as_user("admin")
    assert upload(admin, json.dumps({"type": "FeatureCollection", "features": [square("T01", name="a\x00b")]})
                  .encode()).status_code == 422
    assert upload(admin, b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                         b'{"code": "T01"}, "geometry": {"type": "Polygon", "coordinates": '
                         b'[[[NaN, 27], [113, 27], [113, 28], [NaN, 27]]]}}]}').status_code == 422
    assert stored_sha(env) == generated


def test_markup_in_feature_names_and_codes_is_shown_as_text(env, as_user):
    admin = as_user("admin")
    assert upload(admin, json.dumps({"type": "FeatureCollection", "features": [square("T01", name=SCRIPT)]})
                  .encode(), name=f"{SCRIPT}.geojson").status_code == 303
    page = admin.get("/admin/map").get_data(as_text=True)
    assert SCRIPT not in page and "&lt;script&gt;alert(&#39;map&#39;)&lt;/script&gt;" in page
    refused = upload(admin, json.dumps({"type": "FeatureCollection", "features": [square(SCRIPT)]}).encode())
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and SCRIPT not in text and "&lt;script&gt;" in text
    # The map never receives the file's names: only each grid node's own.
    layer = admin.get("/map/boundaries.json").get_json()
    assert "alert" not in json.dumps(layer) and layer["features"][0]["properties"]["name"] == "城关镇"


def test_the_download_cannot_run_in_the_site_s_origin(env, as_user, generated):
    answer = as_user("admin").get("/admin/map/boundaries.geojson")
    assert answer.headers["Content-Security-Policy"].startswith("sandbox")
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["Cache-Control"] == "private, no-store"


def test_the_map_script_puts_data_in_as_text_only():
    script = MAP_JS.read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script)
    # Leaflet writes a string given to a popup, tooltip or div icon as HTML: they get elements.
    assert re.findall(r"bindPopup\((.+?), \{", script) == ["() => popupContent(text, c)"]
    assert "bindTooltip" not in script
    assert all(html in ("box", "label") for html in re.findall(r"html: (\w+)", script))


# ---------------------------------------------------------------------------- the JSON endpoint


@pytest.fixture
def two_towns(env, generated):
    """A supervisor posted to T02 beside the baseline's T01 supervisor (town), and a case in each
    town whose title names its complainant."""
    with env.db.write() as s:
        user = User(username="town2", display_name="东城街道环保办", password_hash=hash_password(TEST_PASSWORD),
                    grid_id=s.scalar(select(Grid.id).where(Grid.code == "T02")), tier=2,
                    email="town2@greenloop.example")
        user.role_rows = [UserRole(role="supervisor")]
        s.add(user)
    t01 = env.register(title="李四反映化工厂异味，电话 139 1234 5678", complainant_name="李四",
                       complainant_phone="13912345678", longitude=112.91, latitude=27.71)
    t02 = env.register(title="东城街道噪声", grid_code="T02-A01-V01", complainant_name="王五",
                       complainant_phone="13700001111")
    with env.db.write() as s:
        s.execute(update(Case).where(Case.id == t02.id).values(colour="red", tier=2))
    return t01, t02


def test_no_filter_widens_a_town_supervisor_s_scope(env, as_user, two_towns):
    t01, t02 = two_towns
    town = as_user("town")
    with env.db.read() as s:
        department = s.scalar(select(Case.department_id).where(Case.id == t02.id))
    for query in ("", "?town=T02", "?town=C", "?town=%25", "?town=T0_", f"?department={department}",
                  "?colour=red", "?tier=2", "?town=T02&colour=red&tier=2", "?page=2"):
        text = readable(town.get("/map/cases.json" + query))
        assert t02.number not in text and "东城街道噪声" not in text, query
    assert t01.number in readable(town.get("/map/cases.json"))
    town2 = as_user("town2")
    assert t01.number not in readable(town2.get("/map/cases.json?town=T01"))
    mine = readable(town2.get("/map/cases.json"))
    assert t02.number in mine and t01.number not in mine


def test_the_complainant_never_reaches_the_map_json(env, as_user, two_towns):
    t01, t02 = two_towns
    for username in ("admin", "supervisor", "leader"):
        text = readable(as_user(username).get("/map/cases.json"))
        for secret in ("李四", "王五", "13912345678", "139 1234 5678", "13700001111", t01.tracking_code,
                       t02.tracking_code, "complainant"):
            assert secret not in text, (username, secret)
        assert "李*" in text and "139****5678" in text


def test_handlers_and_leads_get_no_map_json_at_all(env, as_user, two_towns):
    for username in ("handler", "lead", "gridofficer", "intake"):
        assert as_user(username).get("/map/cases.json").status_code == 403
