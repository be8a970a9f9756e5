"""The register as an attack surface: only administrators edit and import (others 403, a town's
supervisor sees no enterprise outside their town: 404); every form needs its CSRF token; names typed
as markup are shown as text on the register, the enterprise page and the public list; the public
list has no personal data; the import refuses a binary file, an .xlsx zip bomb and an oversized file
with a message and imports nothing."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from engine.enterprises import register, register_import
from engine.models.enterprise import Enterprise, EnterpriseImport
from tests.engine.enterprises.conftest import enterprise  # noqa: F401 - the fixture

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _hostile(env):
    return env.run(lambda s, _rt: register.save(s, {
        "credit_code": "9144030071526726XG", "name": HOSTILE, "address": HOSTILE, "grid": "T05",
        "supervision_class": "一般", "contacts": "秘密联系人 13912345678"}, "admin", env.clock.now()))


def test_only_administrators_edit_and_import_and_a_town_sees_its_own(env, as_user, enterprise):  # noqa: F811
    for user in ("supervisor", "leader", "intake", "handler"):
        client = as_user(user)
        assert client.get("/enterprises/new").status_code == 403
        assert client.get("/enterprises/import").status_code == 403
        assert client.post(f"/enterprises/{enterprise.id}/edit", {"name": "x"},
                           page_url="/").status_code == 403
    assert as_user("handler").get(f"/enterprises/{enterprise.id}").status_code == 403
    assert as_user("intake").post(f"/enterprises/{enterprise.id}/propose", page_url="/").status_code == 403
    other = _hostile(env)  # in 青山镇 (T05)
    town = as_user("town")  # 城关镇 (T01)
    assert town.get(f"/enterprises/{enterprise.id}").status_code == 200
    assert town.get(f"/enterprises/{other.id}").status_code == 404
    assert HOSTILE not in town.get("/enterprises").get_data(as_text=True)


def test_forms_need_the_csrf_token(env, as_user, enterprise):  # noqa: F811
    admin = as_user("admin")
    assert admin.client.post("/enterprises/new", data={"name": "x"}).status_code == 400
    assert admin.client.post(f"/enterprises/{enterprise.id}/propose").status_code == 400
    assert admin.client.post("/enterprises/import", data={"file": (io.BytesIO(b"x"), "a.csv")},
                             content_type="multipart/form-data").status_code == 400
    assert env.count(EnterpriseImport) == 0


def test_markup_is_text_and_the_public_list_has_no_personal_data(env, as_user):
    other = _hostile(env)
    admin = as_user("admin")
    for url in ("/enterprises", f"/enterprises/{other.id}", f"/enterprises/{other.id}/edit"):
        page = admin.get(url).get_data(as_text=True)
        assert HOSTILE not in page and "&lt;script&gt;" in page
    from datetime import date

    from engine.models.enterprise import PositiveListing
    with env.db.write() as s:
        s.add(PositiveListing(enterprise_id=other.id, status="listed", criteria=[], proposed_by="supervisor",
                              proposed_at=env.clock.now(), decided_at=env.clock.now(), decided_by="leader",
                              period_start=date(2026, 3, 1), period_end=date(2026, 12, 31), reason="内部理由"))
    public = as_user(None).get("/public/positive-list").get_data(as_text=True)
    assert "&lt;script&gt;" in public and HOSTILE not in public and "9144030071526726XG" in public
    assert "13912345678" not in public and "秘密联系人" not in public and "内部理由" not in public


def _upload(admin, raw: bytes, name: str):
    return admin.post("/enterprises/import", {"file": (io.BytesIO(raw), name)}, page_url="/enterprises/import",
                      content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)


def test_the_import_refuses_hostile_files(env, as_user):
    admin = as_user("admin")
    assert "无法识别文件编码" in _upload(admin, b"\x00\x01\x02binary\x00", "evil.csv")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (register_import.MAX_UNPACKED + 1))
    assert "解压后超过" in _upload(admin, bomb.getvalue(), "bomb.xlsx")
    assert "无法读取该 Excel 文件" in _upload(admin, b"PK\x03\x04not really a zip", "fake.xlsx")
    big = b"a" * (register_import.MAX_BYTES + 10)
    assert "文件超过" in _upload(admin, big, "big.csv")
    assert env.count(Enterprise) == 0
    with env.db.read() as s:
        assert not [u for u in s.scalars(select(EnterpriseImport)) if u.status == "applied"]
