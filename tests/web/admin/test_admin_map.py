"""The map's boundaries for administrators (/admin/map): upload with CSRF, refusals that change
nothing, download, generated shapes, audit, and nobody else."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from engine.geo import boundaries
from engine.models import AuditEvent
from tests.conftest import START
from tests.web.conftest import csrf_of

URL = "/admin/map"


def square(code: str, lon: float = 113.0, lat: float = 27.7, **properties) -> dict:
    ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {"type": "Feature", "properties": {"code": code, **properties},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def geojson_file(*features, name: str = "county.geojson"):
    raw = json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()
    return raw, name


def upload(browser, file):
    # The file is given as bytes and opened here: a parametrised value is shared by the SQLite and
    # PostgreSQL runs, and posting a stream closes it.
    content, name = file
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    return browser.post(f"{URL}/upload", data={"file": (stream, name)}, page_url=URL,
                        content_type="multipart/form-data")


def stored(env):
    with env.db.read() as s:
        row = boundaries.current(s)
        return (row.sha256, row.source, row.filename) if row else None


def kinds(env) -> list[str]:
    with env.db.read() as s:
        return list(s.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("map_boundaries%"))
                              .order_by(AuditEvent.id)))


def test_only_administrators_reach_the_page_and_its_actions(env, as_user):
    for username in ("supervisor", "leader", "intake", "handler"):
        person = as_user(username)
        assert person.get(URL).status_code == 403
        assert person.get(f"{URL}/boundaries.geojson").status_code == 403
        assert upload(person, geojson_file(square("T01"))).status_code == 403
        assert person.post(f"{URL}/generate", page_url="/").status_code == 403
    assert stored(env) is None and kinds(env) == []
    home = as_user("admin").get("/admin").get_data(as_text=True)
    assert 'href="/admin/map"' in home


def test_an_upload_without_the_csrf_token_is_refused(env, as_user):
    admin = as_user("admin")
    answer = admin.client.post(f"{URL}/upload", data={"file": geojson_file(square("T01"))},
                               content_type="multipart/form-data")
    assert answer.status_code == 400 and "CSRF" in answer.get_data(as_text=True)
    answer = admin.client.post(f"{URL}/generate")
    assert answer.status_code == 400
    assert stored(env) is None


def test_an_upload_replaces_the_boundaries_is_audited_and_can_be_downloaded(env, as_user):
    admin = as_user("admin")
    answer = upload(admin, geojson_file(square("T01", name="城关镇边界"), square("T01-A01")))
    assert answer.status_code == 303 and answer.headers["Location"].endswith(URL)
    page = admin.get(URL).get_data(as_text=True)
    assert "已上传边界：2 个要素" in page and "13 个乡镇（街道）在文件中没有边界" in page
    assert "城关镇边界" in page and "county.geojson" in page
    assert stored(env)[1:] == ("uploaded", "county.geojson") and kinds(env) == ["map_boundaries_uploaded"]
    download = admin.get(f"{URL}/boundaries.geojson")
    assert download.status_code == 200 and download.mimetype == "application/geo+json"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert [f["properties"]["code"] for f in json.loads(download.get_data())["features"]] == ["T01", "T01-A01"]


@pytest.mark.parametrize("file, message", [
    ((b'{"type": "FeatureCollection", "features": [}', "broken.geojson"), "不是有效的 JSON"),
    (geojson_file(square("T01", lon=500000, lat=3000000)), "不在经纬度范围内"),
    (geojson_file({**square("T01"), "geometry": {"type": "Point", "coordinates": [113, 27.7]}}),
     "几何类型为 Point"),
    (geojson_file(square("T01"), square("XX-404"), square("XX-405")), "2 个要素的编码不在网格中：XX-404、XX-405"),
])
def test_a_bad_file_is_refused_with_a_clear_message_and_the_old_boundaries_stay(env, as_user, file, message):
    with env.db.write() as s:
        boundaries.use_generated(s, "admin", START)
    before = stored(env)
    admin = as_user("admin")
    answer = upload(admin, file)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and message in page, page
    assert "文件未上传，现有边界保持不变" in page
    assert stored(env) == before and kinds(env) == ["map_boundaries_generated"]


def test_the_refusal_reads_in_english(env, as_user):
    admin = as_user("admin")
    admin.post("/lang/en", data={"next": URL}, page_url=URL)
    page = upload(admin, geojson_file(square("XX-404"))).get_data(as_text=True)
    assert "1 features have codes that are not in the grid: XX-404" in page
    assert "The file was not uploaded" in page


def test_no_file_is_a_422_and_an_oversized_one_is_refused(env, as_user, monkeypatch):
    admin = as_user("admin")
    assert admin.post(f"{URL}/upload", data={}, page_url=URL).status_code == 422
    from engine.geo import geojson

    monkeypatch.setattr(geojson, "MAX_BYTES", 200)
    answer = upload(admin, geojson_file(square("T01"), square("T02")))
    assert answer.status_code == 422 and "文件超过" in answer.get_data(as_text=True)
    assert stored(env) is None


def test_generating_replaces_an_upload_and_the_download_is_404_before_any(env, as_user):
    admin = as_user("admin")
    assert admin.get(f"{URL}/boundaries.geojson").status_code == 404
    assert "尚未设置边界" in admin.get(URL).get_data(as_text=True)
    upload(admin, geojson_file(square("T01")))
    page = admin.get(URL).get_data(as_text=True)
    answer = admin.client.post(f"{URL}/generate", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 303
    assert stored(env)[1:] == ("generated", None)
    assert kinds(env) == ["map_boundaries_uploaded", "map_boundaries_generated"]
    assert "按网格生成的示意边界" in admin.get(URL).get_data(as_text=True)
