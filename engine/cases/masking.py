"""The complainant's identity, hidden from whoever may not see it: every rule of it, once.

Who may see it is a fact about the staff member (engine/org/scopes.StaffMember.sees_identity:
intake staff and supervisors); everything here takes that answer as a boolean. What is hidden,
and how, depends on who reads:
- colleagues without the right see the name's first character and the phone's first three and
  last four digits (张*, 138****0000; an ID number's first three and last four, an e-mail
  address's first character and domain): enough to tell two complainants apart, not to call one;
- documents that leave the bureau say （保密） in the complainant block and put one ＊ per
  character wherever the redactor finds an identity in a text;
- the public (Open311, the tracking page) sees *** in its place, not even a first character.

What counts as identity inside free text is decided by one function, ``redactor``: the case's
own complainant (the stored name; the stored phone in any formatting), the case's tracking code
(the complainant's key to the public portal, engine/public/portal.py), and anybody's phone
number, resident ID number, e-mail address, QQ number or WeChat ID, found by pattern. Each
audience gets it through one helper: ``staff_redactor`` (pages and the API, by the reader's
right; machine clients read like a colleague without it), ``public_redactor`` (Open311, the
tracking page), ``paper_redactor`` (documents that leave the bureau); masked copies of
documents call ``redactor`` with every identity their snapshots hold (documents/mask.py).
``MaskedCase`` is a case as a reader without the right sees it on a page.

The patterns aim to miss no real identity and to leave the bureau's own numbers alone: case
numbers (环字〔2026〕第000123号), dates and times, measured values and limits, unified social
credit codes (统一社会信用代码), station and tracking codes. tests/security/test_masking_free_text.py
holds both lists.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from stdnum.cn import ric, uscc

from engine.models import Case

Redact = Callable[[str], str]
# The complainant block of a document that leaves the bureau without the identity.
HIDDEN = "（保密）"
ANONYMOUS_ON_PAPER = "匿名"
# Case.details sections that identify the complainant (an e-mail address sent with an Open311 request).
IDENTITY_DETAILS = ("contact",)
# The case's own free text: what a reader without the right sees through the redactor.
FREE_TEXT = ("title", "description", "address", "subject_enterprise")


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _national(digits: str) -> str:
    """A mobile number's digits without the country code (+86 / 0086 / 86 before it)."""
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11 and digits[len(prefix)] == "1":
            return digits[len(prefix):]
    return digits


def _phone_ends(phone: str) -> str:
    digits = _digits(phone)
    if re.match(r"\s*\(?(?:\+|00)86", phone):
        digits = digits[4:] if digits.startswith("0086") else digits[2:]
    digits = _national(digits)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def _id_ends(number: str) -> str:
    compact = re.sub(r"[^0-9Xx]", "", number)
    return compact[:3] + "*" * (len(compact) - 7) + compact[-4:]


def _email_domain(email: str) -> str:
    local, _at, domain = email.partition("@")
    return local[:1] + "***@" + domain


def _ends(account: str) -> str:
    return account[:1] + "*" * max(1, len(account) - 2) + account[-1:]


def _all_stars(secret: str) -> str:
    return "*" * len(secret)


def _stars(secret: str) -> str:
    return "＊" * len(secret)


def _nothing(_secret: str) -> str:
    return "***"


@dataclass(frozen=True)
class Style:
    """How one kind of reader is shown what the redactor found in a text: a name, a phone number,
    an ID-card number, an e-mail address, another account (QQ, WeChat) and a tracking code."""

    name: Callable[[str], str]
    phone: Callable[[str], str]
    id_number: Callable[[str], str]
    email: Callable[[str], str]
    account: Callable[[str], str]
    code: Callable[[str], str]


STAFF = Style(mask_name, _phone_ends, _id_ends, _email_domain, _ends, _all_stars)
PAPER = Style(_stars, _stars, _stars, _stars, _stars, _stars)
PUBLIC = Style(_nothing, _nothing, _nothing, _nothing, _nothing, _nothing)


# ---------------------------------------------------------------------------- patterns
#
# They run on a copy of the text with full-width forms folded to ASCII (１３８… and （010） are
# what a Chinese input method types); the folding maps one character to one, so a match's
# position is its position in the original. Each rule blanks what it found before the next runs,
# so a number is masked once, by the first rule that knows it.

_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20} | \
    {cp: ord("-") for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)}
_FOUND = "\ue000"  # what a found span is blanked with: matches no rule
_SP = r"[ \t\u00a0]"
# Between groups of a phone number: a space or two, or one dash or dot with spaces around it.
_SEP = rf"(?:{_SP}{{0,2}}[-.]{_SP}{{0,2}}|{_SP}{{1,2}})"


def _groups(total: int) -> str:
    """``total`` digits, whole or in two or three groups of three or more with a separator
    between (138 1234 5678, 1381234-5678, 0531-8888 8888). Groups of one or two digits are what
    dates and lists of measured values look like (2026-03-02, 135.2 143.3), so they are no phone."""
    splits = [(total,)]
    splits += [(a, total - a) for a in range(3, total - 2)]
    splits += [(a, b, total - a - b) for a in range(3, total - 5) for b in range(3, total - a - 2)]
    return "(?:" + "|".join(_SEP.join(f"[0-9]{{{n}}}" for n in split) for split in splits) + ")"


_INTERNATIONAL = rf"(?:(?:\+{_SP}?|00)86|\(\+?86\)){_SEP}?"
_AREA = r"(?:0(?:10|2[0-9])|0[3-9][0-9]{2})"  # 010, 02x, then four-digit codes 03xx-09xx
_LOCAL = rf"(?=[1-9])(?:{_groups(8)}|{_groups(7)})"
_LANDLINE = (rf"(?<![0-9])(?:{_INTERNATIONAL}\(?0?(?:10|2[0-9]|[3-9][0-9]{{2}})\)?|\({_AREA}\)|{_AREA})"
             rf"{_SEP}?{_LOCAL}(?![0-9])")
_MOBILE = rf"(?<![0-9])(?:{_INTERNATIONAL}|86{_SEP}?)?(?=1[3-9])(?:{_groups(11)})(?![0-9])"
_SERVICE = rf"(?<![0-9])(?=[48]00)(?:{_groups(10)})(?![0-9])"  # 400 / 800 numbers
_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
# A resident ID starts with its region code (first digit 1-8); an enterprise's all-digit credit
# code starts with 9 (registered by market regulation) and so is never taken for one.
_ID18 = rf"(?<![0-9])[1-8][0-9]{{5}}[ -]?(?:18|19|20)[0-9]{{2}}{_DAY}[ -]?[0-9]{{3}}[0-9Xx](?![0-9])"
_ID15 = rf"(?<![0-9])[1-8][0-9]{{5}}[0-9]{{2}}{_DAY}[0-9]{{3}}(?![0-9])"
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
# A number right after a word that says it is one: what no shape above catches (a local number
# without its area code, digits typed one by one).
_SAID_PHONE = (r"(?:电话|手机|座机|固话|联系|(?i:tel|phone|mobile))[ :号码方式是为/(]{0,4}"
               r"([0-9](?:[ .\-]?[0-9]){6,11})(?![0-9])")
_QQ = r"(?i:qq)[ :号码是为]{0,4}([1-9][0-9]{4,11})(?![0-9])"
_WECHAT = r"(?:微信|(?i:wechat|weixin|vx))[ :号是为]{0,4}([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])"


def _born(number: str, century: str = "") -> bool:
    stamp = century + number[6:14 - len(century)]
    try:
        date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    except ValueError:
        return False
    return True


def _resident_id(found: str) -> bool:
    """An 18-character resident ID: a real birth date. The check digit is not required (a number
    typed with one wrong digit still names the person), except that a number whose check digit
    is wrong but which is a valid unified social credit code is the enterprise's code."""
    number = re.sub(r"[ -]", "", found).upper()
    if not _born(number):
        return False
    return not (uscc.is_valid(number) and ric.calc_check_digit(number) != number[-1])


def _old_resident_id(found: str) -> bool:
    return _born(found, "19")


@dataclass(frozen=True)
class _Rule:
    kind: str  # a Style field
    pattern: re.Pattern
    group: int = 0
    check: Callable[[str], bool] | None = None


_PATTERN_RULES = (
    _Rule("email", re.compile(_EMAIL)),
    _Rule("id_number", re.compile(_ID18), check=_resident_id),
    _Rule("id_number", re.compile(_ID15), check=_old_resident_id),
    _Rule("phone", re.compile(_LANDLINE)),
    _Rule("phone", re.compile(_MOBILE)),
    _Rule("phone", re.compile(_SERVICE)),
    _Rule("phone", re.compile(_SAID_PHONE), group=1),
    _Rule("account", re.compile(_QQ), group=1),
    _Rule("account", re.compile(_WECHAT), group=1),
)


def _flexible(chars: str, gap: str) -> str:
    return gap.join(re.escape(ch) for ch in chars)


def _own_rules(identities: Iterable[tuple[str | None, str | None]], codes: Iterable[str | None]) -> list[_Rule]:
    """The rules for one case's own complainant and tracking code."""
    names, phones = [], []
    for name, phone in identities:
        if name and name.strip():
            names.append(name.strip().translate(_FOLD))
        if phone and phone.strip():
            phones.append(phone.strip().translate(_FOLD))
    rules = [_Rule("name", re.compile(re.escape(name)))
             for name in sorted(dict.fromkeys(names), key=len, reverse=True)]
    for phone in dict.fromkeys(phones):
        shapes = _phone_shapes(phone)
        if not shapes:
            rules.append(_Rule("phone", re.compile(re.escape(phone))))
            continue
        for shape in shapes:
            rules.append(_Rule("phone", re.compile(rf"(?<![0-9]){_flexible(shape, r'[ .()-]{0,2}')}(?![0-9])")))
    for code in dict.fromkeys(c.strip() for c in codes if c and c.strip()):
        rules.append(_Rule("code", re.compile(rf"(?<![0-9A-Za-z]){_flexible(code, r'[ -]?')}(?![0-9A-Za-z])",
                                              re.IGNORECASE)))
    return rules


def _phone_shapes(phone: str) -> list[str]:
    """The digit runs a stored phone is found by (however they were spaced, dashed or bracketed):
    its national number, and a landline's local number alone, as someone in the same town writes
    it; none for a number too short to find by its digits (then it is found as typed)."""
    digits = _national(_digits(phone))
    if len(digits) < 5:
        return []
    shapes = [digits]
    if digits.startswith("0") and len(digits) >= 10:
        local = digits[3:] if digits[1] in "12" else digits[4:]
        if len(local) in (7, 8):
            shapes.append(local)
    return shapes


def _own_in(identities: Iterable[tuple[str | None, str | None]], codes: Iterable[str | None],
            text: str) -> tuple[list[tuple[str | None, str | None]], list[str | None]]:
    """The identities and codes ``_own_rules`` could find in ``text``. Whatever an own rule matches
    holds its name as typed, its phone's digits in a row once the separators between them are
    dropped, or its code once spaces and dashes are; a rule whose piece is not in the text finds
    nothing (blanking by the rules before it only ever removes matches), so leaving it out, and
    not compiling it, changes nothing."""
    folded = text.translate(_FOLD)
    digits = _digits(folded)
    squeezed = re.sub(r"[ -]", "", folded).upper()
    kept = []
    for name, phone in identities:
        name = name if name and name.strip() and name.strip().translate(_FOLD) in folded else None
        if phone and phone.strip():
            typed = phone.strip().translate(_FOLD)
            shapes = _phone_shapes(typed)
            if not (any(shape in digits for shape in shapes) or (not shapes and typed in folded)):
                phone = None
        if name or phone:
            kept.append((name, phone))
    found = [code for code in codes if code and code.strip() and re.sub(r"[ -]", "", code.strip()).upper() in squeezed]
    return kept, found


def redactor(identities: Iterable[tuple[str | None, str | None]], style: Style = STAFF,
             codes: Iterable[str | None] = ()) -> Redact:
    """The function that finds identities inside free text and masks them in ``style``.

    ``identities``: (name, phone) pairs, e.g. the case's and those recorded in older document
    snapshots; a name is found as typed (longer names first, so a name that contains another is
    masked whole), a phone in any spacing or punctuation. ``codes``: tracking codes, found in
    any letter case, spaced or dashed. Then, whoever they belong to: e-mail addresses, resident
    ID numbers (18 and 15 digits), phone numbers (mobile, landline with its area code, 400/800,
    with or without +86), a number written after 电话/手机/联系…, QQ numbers and WeChat IDs.

    This is the single place that decides what counts as an identity in a text; every reader
    above gets it.
    """
    rules = [_PATTERN_RULES[0], *_own_rules(identities, codes), *_PATTERN_RULES[1:]]

    def redact(text: str) -> str:
        if not text:
            return text
        work = text.translate(_FOLD)
        found: list[tuple[int, int, str]] = []
        for rule in rules:
            spans = []
            for match in rule.pattern.finditer(work):
                start, end = match.span(rule.group)
                if rule.check is None or rule.check(match.group(rule.group)):
                    spans.append((start, end, rule.kind))
            for start, end, _kind in spans:
                work = work[:start] + _FOUND * (end - start) + work[end:]
            found += spans
        if not found:
            return text
        folded = text.translate(_FOLD)
        out, last = [], 0
        for start, end, kind in sorted(found):
            out.append(text[last:start])
            out.append(getattr(style, kind)(folded[start:end]))
            last = end
        out.append(text[last:])
        return "".join(out)

    return redact


def case_redactor(case: Case, style: Style = STAFF) -> Redact:
    """``redactor`` for the case's complainant and tracking code (also when the case is anonymous:
    intake may still have typed a name into a note)."""
    return redactor([(case.complainant_name, case.complainant_phone)], style,
                    codes=[getattr(case, "tracking_code", None)])


_GENERIC: dict[Style, Redact] = {}


def redact_case_text(case: Case, text: str, style: Style = STAFF) -> str:
    """``case_redactor(case, style)(text)``, cheaply: a list of thousands of titles (the map) would
    spend most of its time compiling each case's own rules, of which only those whose piece of
    the complainant's identity or tracking code is in the text can find anything (``_own_in``);
    with none, the patterns every case shares give the same answer, compiled once per style."""
    identities, codes = _own_in([(case.complainant_name, case.complainant_phone)],
                                [getattr(case, "tracking_code", None)], text)
    if identities or codes:
        return redactor(identities, style, codes=codes)(text)
    if style not in _GENERIC:
        _GENERIC[style] = redactor([], style)
    return _GENERIC[style](text)


# ---------------------------------------------------------------------------- one helper per audience


def staff_redactor(case: Case, sees_identity: bool) -> Redact | None:
    """Staff pages and the API: nothing to hide from those who may see the complainant (None);
    colleagues without the right, and machine clients, read the STAFF style."""
    return None if sees_identity else case_redactor(case, STAFF)


def public_redactor(case: Case) -> Redact:
    """Anything the public reads: Open311 requests, the tracking page."""
    return case_redactor(case, PUBLIC)


def paper_redactor(case: Case) -> Redact:
    """Documents that leave the bureau without the complainant's identity."""
    return case_redactor(case, PAPER)


class MaskedCase:
    """A case as a page shows it to someone who may not see the complainant: its free text
    through the redactor, the complainant as ``complainant`` masks them, and no tracking code
    (whoever holds it may rate the reply in the complainant's name, engine/public/portal.py);
    every other attribute is the case's own."""

    __slots__ = ("_case", "_redact")

    def __init__(self, case: Case, redact: Redact):
        self._case = case
        self._redact = redact

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._case, name)
        if name == "tracking_code":
            return None
        if name == "complainant_name":
            return mask_name(value)
        if name == "complainant_phone":
            return mask_phone(value)
        if name in FREE_TEXT and isinstance(value, str):
            return self._redact(value)
        return value


def readable_case(case: Case, sees_identity: bool) -> Case | MaskedCase:
    """The case itself for those who may see the complainant, a ``MaskedCase`` for everyone else."""
    redact = staff_redactor(case, sees_identity)
    return case if redact is None else MaskedCase(case, redact)


def case_text(case: Case, redact: Redact | None) -> dict[str, str | None]:
    """The case's free text (FREE_TEXT) through ``redact``, for JSON."""
    values = {name: getattr(case, name) for name in FREE_TEXT}
    return values if redact is None else {k: redact(v) if isinstance(v, str) else v for k, v in values.items()}


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
