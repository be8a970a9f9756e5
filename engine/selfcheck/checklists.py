"""Checklist templates: the bureau's editable lists of questions. Each item asks a question
answered yes/no or in text, may require a photo, and — for a yes/no item — names the answer that
is a problem (the review shows those first and may open a case from them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import FormInvalid, NotFound
from engine.models.selfcheck import SelfCheckTemplate

ANSWER_TYPES = ("yesno", "text")
MAX_ITEMS = 40
QUESTION_MAX = 300
NAME_MAX = 200


def _flag(value) -> bool:
    return value in (True, "1", "on", "true", "yes")


def check_items(raw: list[dict]) -> list[dict]:
    """The items as stored: key q1…qN in order, question, answer type, photo required, the problem
    answer of a yes/no item. Raises FormInvalid naming the item."""
    items, errors = [], []
    for n, entry in enumerate(raw or [], start=1):
        question = str(entry.get("question") or "").strip()
        if not question:
            continue
        answer = entry.get("answer") or "yesno"
        if len(question) > QUESTION_MAX:
            errors.append(f"第 {n} 项问题过长（最多 {QUESTION_MAX} 字） (item {n}: question too long)")
        if answer not in ANSWER_TYPES:
            errors.append(f"第 {n} 项回答方式无效 (item {n}: unknown answer type)")
        problem = entry.get("problem") if answer == "yesno" else None
        if answer == "yesno" and problem not in ("yes", "no", None, ""):
            errors.append(f"第 {n} 项问题答案无效 (item {n}: the problem answer is yes or no)")
        items.append({"key": f"q{len(items) + 1}", "question": question, "answer": answer,
                      "photo": _flag(entry.get("photo")), "problem": (problem or "no") if answer == "yesno" else None})
    if not items:
        errors.append("至少填写一个检查项 (at least one item)")
    if len(items) > MAX_ITEMS:
        errors.append(f"检查项最多 {MAX_ITEMS} 个 (at most {MAX_ITEMS} items)")
    if errors:
        raise FormInvalid({"items": errors})
    return items


def save_template(session: Session, name: str, items: list[dict], actor: str, now: datetime,
                  template_id: int | None = None, active: bool = True) -> SelfCheckTemplate:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise FormInvalid({"name": [f"请填写名称（最多 {NAME_MAX} 字） (a name, at most {NAME_MAX} characters)"]})
    checked = check_items(items)
    if template_id is None:
        template = SelfCheckTemplate(name=name, items=checked, active=active, updated_by=actor, updated_at=now)
        session.add(template)
    else:
        template = session.get(SelfCheckTemplate, template_id)
        if template is None:
            raise NotFound(f"checklist template {template_id}")
        # A campaign copies the items when issued: editing a template never changes what an
        # enterprise was asked.
        template.name, template.items, template.active = name, checked, active
        template.updated_by, template.updated_at = actor, now
    session.flush()
    return template


def templates(session: Session, *, active_only: bool = False) -> list[SelfCheckTemplate]:
    query = select(SelfCheckTemplate).order_by(SelfCheckTemplate.name, SelfCheckTemplate.id)
    if active_only:
        query = query.where(SelfCheckTemplate.active.is_(True))
    return list(session.scalars(query))


def problems(items: list[dict], answers: dict) -> list[dict]:
    """The yes/no items answered with their problem answer."""
    return [item for item in items if item["answer"] == "yesno" and answers.get(item["key"]) == item.get("problem")]
