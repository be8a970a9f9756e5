"""Rectification items: the handler's list parsed into rows, evidence, sign-off, and the rule that a
case with an item not signed off cannot close."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.attachments import get_attachment
from engine.core.errors import WorkflowFault
from engine.models.rectification import RectificationItem

MAX_ITEMS = 20
MAX_DAYS = 60
# Both the full-width bar a Chinese keyboard types and the ASCII one separate the four parts.
_SEPARATOR = re.compile(r"[|｜]")
LINE_FORMAT = "内容｜责任单位或责任人｜期限（工作日）｜所需佐证"
ITEMS_FIELD = "rectification"

ITEMS_INVALID = ("整改项第 %(line)s 行格式不对：每行写“" + LINE_FORMAT + "”，期限为 1–%(max)s 个工作日 "
                 "(line %(line)s: write what | who is responsible | working days 1–%(max)s | evidence required)")
TOO_MANY = f"整改项最多 {MAX_ITEMS} 项 (at most {MAX_ITEMS} items)"
NOT_CLOSABLE = ("尚有 %(n)s 项整改未销号，不能办结：请责任方提交佐证、由负责人逐项销号 "
                "(%(n)s rectification item(s) not signed off: the case cannot be closed)")
EVIDENCE_INVALID = ("佐证附件编号 %(ref)s 不是本件的附件：请先在案件页上传，再填写附件编号 "
                    "(attachment %(ref)s is not a file of this case: upload it on the case page first)")
EVIDENCE_FIELD = "evidence_attachments"
SIGN_OFF_FIELD = "signed_off"


@dataclass(frozen=True)
class ItemLine:
    what: str
    responsible: str
    days: int
    evidence_required: str


def parse_items(text: str | None) -> list[ItemLine]:
    """The handler's list, one item a line; blank lines are skipped. A wrong line is refused with
    its number, as a fault on the form's field (engine/work/tasks.py turns it into a field error)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_ITEMS:
        raise WorkflowFault(TOO_MANY, element=ITEMS_FIELD)
    found = []
    for number, line in enumerate(lines, start=1):
        parts = [p.strip() for p in _SEPARATOR.split(line)]
        days = parts[2] if len(parts) == 4 else ""
        if len(parts) != 4 or not all(parts) or not days.isdigit() or not 1 <= int(days) <= MAX_DAYS \
                or len(parts[1]) > 200 or len(parts[3]) > 500:
            raise WorkflowFault(ITEMS_INVALID % {"line": number, "max": MAX_DAYS}, element=ITEMS_FIELD)
        found.append(ItemLine(parts[0], parts[1], int(days), parts[3]))
    return found


def open_items(session: Session, case_id: int, lines: list[ItemLine], now: datetime) -> list[RectificationItem]:
    """One row per line, numbered after the case's earlier items (a reopened case lists more)."""
    last = session.scalar(select(func.max(RectificationItem.seq)).where(RectificationItem.case_id == case_id)) or 0
    rows = [RectificationItem(case_id=case_id, seq=last + i, what=line.what, responsible=line.responsible,
                              days=line.days, evidence_required=line.evidence_required, status="open",
                              opened_at=now, overdue=False)
            for i, line in enumerate(lines, start=1)]
    session.add_all(rows)
    session.flush()
    return rows


def item_of_case(session: Session, case_id: int, item_id: int) -> RectificationItem:
    item = session.get(RectificationItem, int(item_id))
    if item is None or item.case_id != case_id:
        raise WorkflowFault(f"rectification item {item_id} is not an item of this case")
    return item


def parse_attachment_refs(session: Session, case_id: int, text: str | None) -> list[int]:
    """The evidence files named by the case attachments' ids (“12, 13”): each must be a file of this
    case that was not removed. Uploads go through the case page and its one check
    (engine/cases/attachments.py); the item only points at them."""
    refs = [r for r in re.split(r"[\s,，、;；]+", text or "") if r]
    ids = []
    for ref in refs:
        if not ref.isdigit() or get_attachment(session, case_id, int(ref)) is None:
            raise WorkflowFault(EVIDENCE_INVALID % {"ref": ref[:20]}, element=EVIDENCE_FIELD)
        ids.append(int(ref))
    return sorted(set(ids))


def submit_evidence(item: RectificationItem, attachment_ids: list[int], note: str | None, now: datetime) -> None:
    item.evidence_attachment_ids = ",".join(map(str, attachment_ids)) or None
    item.evidence_note = note
    item.status = "submitted"
    item.submitted_at = now


def sign_off(item: RectificationItem, actor: str, now: datetime) -> None:
    item.status = "signed_off"
    item.signed_off_by = actor
    item.signed_off_at = now


def send_back(item: RectificationItem) -> None:
    """The lead does not accept the evidence: the item is open again for the responsible party."""
    item.status = "open"


def open_count(session: Session, case_id: int) -> int:
    return session.scalar(select(func.count()).select_from(RectificationItem).where(
        RectificationItem.case_id == case_id, RectificationItem.status != "signed_off")) or 0


def require_all_signed_off(session: Session, case_id: int) -> None:
    """The closing rule: refused, with the count, while any item is not signed off."""
    n = open_count(session, case_id)
    if n:
        raise WorkflowFault(NOT_CLOSABLE % {"n": n}, element="approved")


def list_items(session: Session, case_id: int) -> list[RectificationItem]:
    return list(session.scalars(select(RectificationItem).where(RectificationItem.case_id == case_id)
                                .order_by(RectificationItem.seq)))


def evidence_ids(item: RectificationItem) -> list[int]:
    return [int(x) for x in (item.evidence_attachment_ids or "").split(",") if x]
