"""Issuing a campaign: the checklist (a template's items, copied) goes to every enterprise chosen
by supervision class, industry or grid node, each as a task of its own with its own
workflows/bpmn/selfcheck.bpmn instance, a deadline in working days (engine/calendar) and a link
texted to the enterprise's first contact with a phone (engine/sms outbox). The tokens are returned
once, for staff to copy; only their hashes are kept (engine/selfcheck/tokens.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.calendar.store import load_calendar
from engine.core.errors import FormInvalid, NotFound
from engine.core.runtime import Runtime
from engine.core.specs import require_latest
from engine.models import Grid
from engine.models.enterprise import SUPERVISION_CLASSES, Enterprise
from engine.models.selfcheck import SelfCheckCampaign, SelfCheckTask, SelfCheckTemplate
from engine.selfcheck import tokens
from engine.sms import outbox
from engine.sms.settings import load as load_sms

PROCESS = "selfcheck"
STARTED = "selfcheck_started"
# Working days the grid officer has to reach an overdue enterprise; the enterprise has to correct.
CONTACT_DAYS = 2
CORRECTION_DAYS = 3
MAX_WORKDAYS = 60
MAX_ENTERPRISES = 5000
TITLE_MAX = 200


@dataclass
class Criteria:
    classes: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)  # grid codes: the node and everything under it

    def as_dict(self) -> dict:
        return {"classes": self.classes, "industries": self.industries, "grids": self.grids}


@dataclass
class Issued:
    campaign: SelfCheckCampaign
    links: list[tuple[SelfCheckTask, str]]  # each task with its token, shown once


def chosen(session: Session, criteria: Criteria) -> list[Enterprise]:
    """The enterprises matching every criterion given (an empty one does not narrow)."""
    if not (criteria.classes or criteria.industries or criteria.grids):
        raise FormInvalid({"criteria": ["请至少选择一个范围：监管类别、行业或网格 (choose a class, industry or grid)"]})
    bad = [c for c in criteria.classes if c not in SUPERVISION_CLASSES]
    if bad:
        raise FormInvalid({"classes": ["监管类别无效 (unknown supervision class)"]})
    query = select(Enterprise)
    if criteria.classes:
        query = query.where(Enterprise.supervision_class.in_(criteria.classes))
    if criteria.industries:
        query = query.where(Enterprise.industry.in_(criteria.industries))
    if criteria.grids:
        paths = list(session.scalars(select(Grid.path).where(Grid.code.in_(criteria.grids))))
        if len(paths) != len(set(criteria.grids)):
            raise FormInvalid({"grids": ["网格不存在 (no such grid)"]})
        query = query.where(or_(*[Enterprise.grid_path.startswith(p, autoescape=True) for p in paths]))
    return list(session.scalars(query.order_by(Enterprise.id)))


def _phone(enterprise: Enterprise) -> str | None:
    for contact in enterprise.contacts or []:
        phone = str(contact.get("phone") or "").strip()
        if phone:
            return phone
    return None


def issue_campaign(session: Session, runtime: Runtime, *, title: str, template_id: int, criteria: Criteria,
                   workdays: int, actor: str) -> Issued:
    """Issue the campaign in the caller's transaction; FormInvalid (nothing issued) for bad input."""
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise FormInvalid({"title": [f"请填写标题（最多 {TITLE_MAX} 字） (a title)"]})
    if not isinstance(workdays, int) or not 1 <= workdays <= MAX_WORKDAYS:
        raise FormInvalid({"workdays": [f"期限为 1–{MAX_WORKDAYS} 个工作日 (1 to {MAX_WORKDAYS} working days)"]})
    template = session.get(SelfCheckTemplate, template_id)
    if template is None or not template.active:
        raise NotFound(f"checklist template {template_id}")
    enterprises = chosen(session, criteria)
    if not enterprises:
        raise FormInvalid({"criteria": ["没有符合范围的企业 (no enterprise matches)"]})
    if len(enterprises) > MAX_ENTERPRISES:
        raise FormInvalid({"criteria": [f"一次最多下发 {MAX_ENTERPRISES} 家 (at most {MAX_ENTERPRISES})"]})
    now = runtime.now()
    calendar = load_calendar(session, runtime.timezone)
    due_at, warn_at = calendar.deadline(now, days=workdays), calendar.warning(now, days=workdays)
    campaign = SelfCheckCampaign(title=title, template_id=template.id, items=list(template.items),
                                 criteria=criteria.as_dict(), workdays=workdays, due_at=due_at, issued_by=actor,
                                 issued_at=now)
    session.add(campaign)
    session.flush()
    definition = require_latest(session, PROCESS)
    sms = load_sms(session)
    links = []
    for enterprise in enterprises:
        token = tokens.new_token()
        task = SelfCheckTask(campaign_id=campaign.id, enterprise_id=enterprise.id, grid_path=enterprise.grid_path,
                             industry=enterprise.industry, token_hash=tokens.digest(token),
                             token_expires_at=tokens.expiry(calendar, due_at), status="waiting", colour="blue",
                             due_at=due_at, answers={}, overdue=False, corrections=0)
        session.add(task)
        session.flush()
        data = {"selfcheck_id": task.id, "enterprise": enterprise.name, "grid_path": enterprise.grid_path,
                "warn_at": warn_at.isoformat(), "due_at": due_at.isoformat(),
                "contact_days": CONTACT_DAYS, "correction_days": CORRECTION_DAYS}
        result = runtime.start(session, None, data, actor, definition=definition, started=STARTED)
        task.instance_id = result.instance.id
        phone = _phone(enterprise)
        if sms.enabled and sms.public_url and phone:
            text = (f"{enterprise.name}：县生态环境局请贵单位于 {due_at.astimezone(calendar.tz):%Y-%m-%d} 前完成"
                    f"“{title}”环保自查，填报链接 {tokens.link(sms.public_url, token)} （请勿转发）")
            outbox.queue(session, phone=phone, text=text, kind="selfcheck", now=now)
        links.append((task, token))
    return Issued(campaign, links)
