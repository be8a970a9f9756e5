"""An enterprise in 城关镇 (T01-A01) whose contact has a phone, a checklist template of three
items (one with a photo), and the SMS gateway on (log sink) so the texts land in the outbox."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine.enterprises import register
from engine.models import AuditEvent, Task
from engine.models.selfcheck import SelfCheckTask
from engine.selfcheck import answers, checklists, issue
from engine.sms import settings as sms_settings
from engine.sms.settings import SmsSettings
from tests.engine.leadership.conftest import staff, user_id  # noqa: F401 - re-exported for the tests
from tests.images import png

ITEMS = [{"question": "废气治理设施是否正常运行", "answer": "yesno", "photo": "1", "problem": "no"},
         {"question": "是否存在超标排放", "answer": "yesno", "problem": "yes"},
         {"question": "危险废物台账情况", "answer": "text"}]
GOOD = {"q1": "yes", "q2": "no", "q3": "台账齐全"}


def set_clock(env, iso: str) -> None:
    env.clock.set(datetime.fromisoformat(iso))


def add_enterprise(env, code="91350100M000100Y43", name="示范化工有限公司", grid="T01-A01", industry="化工",
                   klass="重点", contacts="张经理 13800000001"):
    return env.run(lambda s, _rt: register.save(s, {
        "credit_code": code, "name": name, "address": "城关镇工业园一路 1 号", "grid": grid, "industry": industry,
        "supervision_class": klass, "contacts": contacts}, "admin", env.clock.now()))


def add_template(env, items=None):
    return env.run(lambda s, rt: checklists.save_template(s, "重点企业季度自查", items or ITEMS, "督查科", rt.now()))


def issue_to(env, template_id: int, *, classes=("key",), industries=(), grids=(), workdays=5):
    def run(s, rt):
        issued = issue.issue_campaign(s, rt, title="2026年第二季度自查", template_id=template_id,
                                      criteria=issue.Criteria(list(classes), list(industries), list(grids)),
                                      workdays=workdays, actor="督查科 吴刚")
        return issued.campaign.id, [(t.id, token) for t, token in issued.links]
    return env.run(run)


def sc(env, selfcheck_id: int) -> SelfCheckTask:
    with env.db.read() as s:
        return s.get(SelfCheckTask, selfcheck_id)


def ready(env, selfcheck_id: int) -> list[Task]:
    with env.db.read() as s:
        instance = s.get(SelfCheckTask, selfcheck_id).instance_id
        return list(s.scalars(select(Task).where(Task.instance_id == instance, Task.state == "ready")))


def events(env, selfcheck_id: int) -> list[str]:
    with env.db.read() as s:
        instance = s.get(SelfCheckTask, selfcheck_id).instance_id
        return [e.kind for e in s.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance)
                                          .order_by(AuditEvent.id))]


def submit(env, selfcheck_id: int, root, values=None, photos=None):
    def run(s, rt):
        task = s.get(SelfCheckTask, selfcheck_id)
        answers.submit(s, rt, task, values or GOOD, photos if photos is not None else {"q1": [("a.png", png())]},
                       root=root)
    return env.run(run)


@pytest.fixture
def sms_on(env):
    env.run(sms_settings.save, SmsSettings(kind="log", public_url="https://hb.example.gov.cn"), actor="admin")


@pytest.fixture
def campaign(env, sms_on, tmp_path):
    # Thursday 2 April 2026, 10:00 in Shanghai: the Qingming holiday runs Saturday 4 – Monday 6.
    set_clock(env, "2026-04-02T10:00:00+08:00")
    enterprise = add_enterprise(env)
    template = add_template(env)
    campaign_id, links = issue_to(env, template.id)
    return {"enterprise": enterprise, "template": template, "campaign_id": campaign_id, "links": links, "root": tmp_path}
