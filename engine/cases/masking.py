"""The complainant's identity, hidden from whoever may not see it: every rule of it, once.

Who may see it is a fact about the staff member (engine/org/scopes.StaffMember.sees_identity:
intake staff and supervisors); everything here takes that answer as a boolean. What is hidden,
and how, depends on who reads:
- colleagues without the right see the name's first character and the phone's first three and
  last four digits (张*, 138****0000): enough to tell two complainants apart, not to call one;
- documents that leave the bureau say （保密） in the complainant block and put one ＊ per
  character wherever someone typed the name or phone into a text;
- the public (Open311) sees *** in place of either, not even a first character.
Names and phones inside free text are found by one function, ``redactor``: the case page's
timeline, documents, their masked copies and Open311's descriptions go through it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from engine.models import Case

Redact = Callable[[str], str]
# The complainant block of a document that leaves the bureau without the identity.
HIDDEN = "（保密）"
ANONYMOUS_ON_PAPER = "匿名"
# Case.details sections that identify the complainant (an e-mail address sent with an Open311 request).
IDENTITY_DETAILS = ("contact",)


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def _stars(secret: str) -> str:
    return "＊" * len(secret)


def _nothing(_secret: str) -> str:
    return "***"


@dataclass(frozen=True)
class Style:
    """How one kind of reader is shown a name and a phone found in a text."""

    name: Callable[[str], str]
    phone: Callable[[str], str]


STAFF = Style(mask_name, mask_phone)
PAPER = Style(_stars, _stars)
PUBLIC = Style(_nothing, _nothing)


def redactor(identities: Iterable[tuple[str | None, str | None]], style: Style = STAFF) -> Redact:
    """The function that finds complainants inside free text and masks them in ``style``.

    ``identities``: (name, phone) pairs, e.g. the case's and those recorded in older document
    snapshots. Today it replaces exact strings only: the stored name, the stored phone (trimmed),
    and the phone's digits alone when it was stored with spaces or dashes. Longer names go
    first, so a name that contains another is masked whole.

    This is the single place that decides what counts as the complainant's identity in a text;
    the security issue extending it to phone numbers in any formatting, ID-card numbers and
    e-mail addresses changes this function, and every reader above gets it.
    """
    rounds = []
    for name, phone in sorted(identities, key=lambda p: len(p[0] or ""), reverse=True):
        pairs = []
        if name:
            pairs.append((name, style.name(name)))
        if phone:
            phone = phone.strip()
            pairs.append((phone, style.phone(phone)))
            digits = "".join(ch for ch in phone if ch.isdigit())
            if digits and digits != phone:
                pairs.append((digits, style.phone(digits)))
        pairs.sort(key=lambda p: len(p[0]), reverse=True)
        rounds.append(pairs)

    def redact(text: str) -> str:
        for pairs in rounds:
            for secret, masked in pairs:
                text = text.replace(secret, masked)
        return text

    return redact


def case_redactor(case: Case, style: Style = STAFF) -> Redact:
    """``redactor`` for the case's complainant (also when the case is anonymous: intake may still
    have typed a name into a note)."""
    return redactor([(case.complainant_name, case.complainant_phone)], style)


def scrub(value: Any, redact: Redact | None) -> Any:
    """``value`` with ``redact`` applied to every string in it (lists, tuples, dicts)."""
    if redact is None:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(v, redact) for v in value)
    if isinstance(value, dict):
        return {k: scrub(v, redact) for k, v in value.items()}
    return value


def complainant(case: Case, sees_identity: bool) -> dict:
    """The complainant as a staff page or the API shows them: ``anonymous``, ``name``, ``phone``
    (empty strings when there is nothing to show)."""
    if case.complainant_anonymous:
        return {"anonymous": True, "name": "", "phone": ""}
    if sees_identity:
        return {"anonymous": False, "name": case.complainant_name or "", "phone": case.complainant_phone or ""}
    return {"anonymous": False, "name": mask_name(case.complainant_name),
            "phone": mask_phone(case.complainant_phone)}


def complainant_on_paper(case: Case, shown: bool) -> dict:
    """The complainant block of a document snapshot; ``shown``: the document may carry the identity."""
    if case.complainant_anonymous:
        return {"shown": shown, "anonymous": True, "name": ANONYMOUS_ON_PAPER, "phone": ""}
    if not shown:
        return {"shown": False, "anonymous": False, "name": HIDDEN, "phone": HIDDEN}
    return {"shown": True, "anonymous": False, "name": case.complainant_name or "",
            "phone": case.complainant_phone or ""}


def visible_details(details: dict | None, sees_identity: bool) -> dict | None:
    """What a machine sent with the case (Case.details), without the sections that identify the
    complainant unless the reader may see them."""
    if not details or sees_identity:
        return details
    return {k: v for k, v in details.items() if k not in IDENTITY_DETAILS}


def gets_masked_copy(names_complainant: bool, sees_identity: bool) -> bool:
    """A document printed with the complainant's identity goes to those who may see it; anyone
    else who may read the case gets its masked copy (脱敏副本, documents/mask.py)."""
    return names_complainant and not sees_identity
