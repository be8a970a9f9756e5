"""What workflows/bpmn/positive_list.bpmn calls: the proposal's checklist and period, the
leader's decision, the review's keep-or-remove and the expiry at the period's end. Each records
an audit event (worded in engine/vocabulary/events.py) on the listing's process."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models.enterprise import PositiveListing

# The criteria checklist (forms/definitions/positive_list_propose.json): every one must be met.
CRITERIA = ("no_penalty", "permit_valid", "monitoring_online", "no_complaint", "credit_good")
DECISIONS = ("keep", "remove")


def _date(value, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise WorkflowFault(f"{name} is not a date", element=name) from None


def positive_list_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def _listing(listing_id, *status: str) -> PositiveListing:
        listing = ctx.session.get(PositiveListing, int(listing_id))
        if listing is None:
            raise WorkflowFault(f"positive-list entry {listing_id} not found")
        if status and listing.status not in status:
            raise WorkflowFault(f"positive-list entry {listing.id} is {listing.status}")
        return listing

    def propose_listing(listing_id, criteria, period_start, period_end, reason=None) -> None:
        listing = _listing(listing_id, "proposed")
        missing = [c for c in CRITERIA if c not in (criteria or [])]
        if missing:
            raise WorkflowFault("纳入正面清单须满足全部条件 (every criterion must be met)", element="criteria")
        start, end = _date(period_start, "period_start"), _date(period_end, "period_end")
        if end < start:
            raise WorkflowFault("期限结束日期早于开始日期 (the period ends before it starts)", element="period_end")
        listing.criteria, listing.reason = list(criteria), reason
        listing.period_start, listing.period_end = start, end
        ctx.record("positive_list_proposed", listing=listing.id, start=start.isoformat(), end=end.isoformat(),
                   reason=reason)

    def decide_listing(listing_id, approved, comment=None) -> bool:
        listing = _listing(listing_id, "proposed")
        listing.decided_by, listing.decided_at = ctx.actor, ctx.now()
        if approved:
            listing.status = "listed"
            ctx.record("positive_list_listed", listing=listing.id, start=listing.period_start.isoformat(),
                       end=listing.period_end.isoformat(), comment=comment)
            return True
        listing.status, listing.ended_at, listing.end_reason = "rejected", ctx.now(), comment
        ctx.record("positive_list_rejected", listing=listing.id, comment=comment)
        return False

    def review_listing(listing_id, decision, reason) -> bool:
        """Returns whether the enterprise stays listed."""
        listing = _listing(listing_id, "listed", "expired")
        if decision not in DECISIONS:
            raise WorkflowFault(f"decision must be one of {DECISIONS}", element="decision")
        if listing.status == "expired":  # the period ran out while the review was open
            ctx.record("positive_list_reviewed", listing=listing.id, decision=decision, reason=reason)
            return False
        ctx.record("positive_list_reviewed", listing=listing.id, decision=decision, reason=reason)
        if decision == "keep":
            return True
        listing.status, listing.ended_at, listing.end_reason = "removed", ctx.now(), reason
        ctx.record("positive_list_removed", listing=listing.id, reason=reason)
        return False

    def expire_listing(listing_id) -> None:
        listing = _listing(listing_id)
        if listing.status == "listed":
            listing.status, listing.ended_at, listing.end_reason = "expired", ctx.now(), None
            ctx.record("positive_list_expired", listing=listing.id, end=listing.period_end.isoformat())

    return {"propose_listing": propose_listing, "decide_listing": decide_listing, "review_listing": review_listing,
            "expire_listing": expire_listing}
