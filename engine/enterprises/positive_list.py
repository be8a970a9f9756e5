"""The positive list (正面清单): enterprises exempt from routine on-site checks for a period,
still supervised non-site. workflows/bpmn/positive_list.bpmn runs one proposal: the supervision
section proposes with the criteria checklist, the leader approves, the enterprise is listed from
period_start to period_end, a complaint, an alarm or a violation about it asks for a review
(the supervision section keeps or removes it, with a reason), and at the period's end it expires.

``request_review`` is how the rest of greenloop asks for that review (a linked case,
engine/enterprises/linking.py; the enforcement path names a violation); ``is_listed`` is what a
random-inspection draw leaves out; ``public_list`` is what the public portal shows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine.core.errors import AdminError, NotFound, Problem
from engine.core.runtime import Runtime
from engine.core.specs import require_latest
from engine.models import AuditEvent
from engine.models.enterprise import Enterprise, PositiveListing
from engine.vocabulary.words import REVIEW_TRIGGERS

PROCESS = "positive_list"
STARTED = "positive_list_started"
# The signal positive_list.bpmn's listed period waits for, beside its expiry timer.
REVIEW_SIGNAL = "positive_list_review"
REVIEW_TASK = "pl_review"
# What asks for a review: complaint, alarm, violation (the enforcement path), manual.
TRIGGERS = tuple(REVIEW_TRIGGERS)
OPEN = ("proposed", "listed")


def open_listing(session: Session, enterprise_id: int) -> PositiveListing | None:
    """The enterprise's proposal in progress or its current listing."""
    return session.scalars(select(PositiveListing).where(PositiveListing.enterprise_id == enterprise_id,
                                                         PositiveListing.status.in_(OPEN))
                           .order_by(PositiveListing.id.desc())).first()


def propose(session: Session, runtime: Runtime, enterprise_id: int, proposer_id: int, proposer: str,
            tier: int | None) -> PositiveListing:
    """Start a proposal; its first task (the checklist) is the proposer's own."""
    enterprise = session.get(Enterprise, enterprise_id, with_for_update=True)
    if enterprise is None:
        raise NotFound(f"enterprise {enterprise_id}")
    if open_listing(session, enterprise_id) is not None:
        raise AdminError({"": [Problem("listing_open", name=enterprise.name)]})
    listing = PositiveListing(enterprise_id=enterprise.id, status="proposed", criteria=[], proposed_by=proposer,
                              proposed_at=runtime.now())
    session.add(listing)
    session.flush()
    data = {"listing": listing.id, "enterprise_id": enterprise.id, "enterprise": enterprise.name,
            "grid_path": enterprise.grid_path, "reserved_for": proposer_id}
    if tier:
        data["supervise_tier"] = tier  # the checklist task is worked at the proposer's own tier
    result = runtime.start(session, None, data, proposer, definition=require_latest(session, PROCESS), started=STARTED)
    listing.instance_id = result.instance.id
    return listing


def request_review(session: Session, runtime: Runtime, enterprise_id: int, kind: str, actor: str,
                   case_number: str | None = None, note: str | None = None) -> PositiveListing | None:
    """A complaint, alarm or violation about a listed enterprise (or a person's own request): its
    listing's process gets a review task for the supervision section, in the caller's transaction.
    While a review is open a second trigger is recorded and left to that review. Returns the
    listing, or None when the enterprise is not listed."""
    if kind not in TRIGGERS:
        raise ValueError(kind)
    listing = session.scalars(select(PositiveListing).where(PositiveListing.enterprise_id == enterprise_id,
                                                            PositiveListing.status == "listed")).first()
    if listing is None or listing.instance_id is None:
        return None
    instance = runtime.lock_instance(session, listing.instance_id)
    # What the review task shows as its cause (the diagram's prefill of the review form).
    trigger = REVIEW_TRIGGERS[kind] + (f"（{case_number}）" if case_number else "") + (f"：{note}" if note else "")

    def ask(workflow, ctx) -> None:
        # The signal is taken from the waiting catch event's own definition (an instance of the
        # parser's signal class, which a hand-made one would not equal), so it matches what the diagram waits for.
        waiting, event = [], None
        for task in workflow.get_tasks(state=TaskState.WAITING):
            definition = task.task_spec.event_definition
            for candidate in getattr(definition, "event_definitions", [definition]):
                if getattr(candidate, "name", None) == REVIEW_SIGNAL:
                    waiting.append(task)
                    event = BpmnEvent(candidate)
        if not waiting:
            ctx.record("positive_list_review_pending", listing=listing.id, trigger=kind, case=case_number)
            return
        ctx.record("positive_list_review_requested", listing=listing.id, trigger=kind, case=case_number, note=note)
        workflow.catch(event)
        # The review task is ready once the engine has run on; it shows what asked for it (the
        # diagram's prefill of the review form reads review_trigger).
        workflow.do_engine_steps()
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            if task.task_spec.bpmn_id == REVIEW_TASK:
                task.data["review_trigger"] = trigger

    runtime.step(session, instance, None, actor, ask)
    return listing


def _day_end(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def listed_clause(on_date: date, tz: ZoneInfo):
    """WHERE clause on PositiveListing: listed on ``on_date`` (a removal or expiry takes effect
    from its own day)."""
    return and_(PositiveListing.status.in_(("listed", "removed", "expired")),
                PositiveListing.period_start <= on_date, PositiveListing.period_end >= on_date,
                or_(PositiveListing.ended_at.is_(None), PositiveListing.ended_at >= _day_end(on_date, tz)),
                PositiveListing.decided_at < _day_end(on_date, tz))


def is_listed(session: Session, enterprise: Enterprise | int, on_date: date, tz: str = "Asia/Shanghai") -> bool:
    """Whether the enterprise was (or is) on the positive list on ``on_date``: a random on-site
    inspection draw leaves it out."""
    enterprise_id = enterprise if isinstance(enterprise, int) else enterprise.id
    return session.scalar(select(PositiveListing.id).where(PositiveListing.enterprise_id == enterprise_id,
                                                           listed_clause(on_date, ZoneInfo(tz))).limit(1)) is not None


def listed_among(session: Session, enterprise_ids: list[int], on_date: date, tz: str = "Asia/Shanghai") -> set[int]:
    """Which of these enterprises are listed on ``on_date`` (a page of the register, one query)."""
    if not enterprise_ids:
        return set()
    return set(session.scalars(select(PositiveListing.enterprise_id).where(
        PositiveListing.enterprise_id.in_(enterprise_ids), listed_clause(on_date, ZoneInfo(tz)))))


@dataclass(frozen=True)
class PublicEntry:
    name: str
    credit_code: str
    period_start: date
    period_end: date


def public_list(session: Session, on_date: date, tz: str = "Asia/Shanghai") -> list[PublicEntry]:
    """The list as published: name, credit code and period only (no contacts, no reasons)."""
    rows = session.execute(select(Enterprise.name, Enterprise.credit_code, PositiveListing.period_start,
                                  PositiveListing.period_end).join(Enterprise)
                           .where(PositiveListing.status == "listed", listed_clause(on_date, ZoneInfo(tz)))
                           .order_by(Enterprise.name, Enterprise.id))
    return [PublicEntry(*row) for row in rows]


def listing_events(session: Session, listings: list[PositiveListing]) -> list[AuditEvent]:
    """The audit trail of these listings' processes, oldest first."""
    ids = [listing.instance_id for listing in listings if listing.instance_id]
    if not ids:
        return []
    return list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id.in_(ids))
                                .order_by(AuditEvent.at, AuditEvent.id)))
