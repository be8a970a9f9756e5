"""Masked copies (脱敏副本) of documents that name the complainant.

Only intake and supervisors may see the complainant (README, "Who sees what"), yet a department lead must read the closure
report they approve and a handler the reply they drafted. Those people get a copy rendered from
the same stored snapshot with the name and phone masked the way staff pages mask them
(engine/cases/masking.py), everywhere: the complainant block, free text someone typed them into,
and the documents a case file embeds; so are any other phone, ID number or e-mail address in a
text, and the tracking code (a notice to the complainant prints it, and whoever holds it may
rate the reply in the complainant's name). Every page says it is a masked copy and there is no
seal area, so nobody takes it for the official paper.

The copy is not a document version: the row, its checksum and its official PDF are never touched.
It is cached next to the official PDF under a name keyed by the document id and a checksum of
what it is made from (the snapshot, the identity being masked, the masking format), so a new
snapshot or a corrected complainant name makes a new copy and a stale one is never served.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from documents.render import render_pdf
from documents.storage import case_images, without_removed
from engine.cases.masking import STAFF, redactor, scrub
from engine.core.errors import NotFound
from engine.core.runtime import Runtime
from engine.models import Case
from engine.models.documents import Document
from engine.storage import FileStore, as_store

log = logging.getLogger(__name__)
# Bump when the masking, the marker or the templates change: copies cached before are then ignored.
# 2: pattern rules (any phone, ID number, e-mail) and the tracking code.
MASK_FORMAT = 2


def _identities(context: dict, case: Case | None) -> list[tuple[str, str]]:
    """Every name/phone pair to hide: the case's as it is now, and each snapshot's as it was
    issued (an embedded document may predate a correction of the name)."""
    found = []
    if case is not None:  # an anonymous complainant may still have left a name with intake
        found.append((case.complainant_name or "", case.complainant_phone or ""))
    contexts = [context] + [d.get("context") or {} for d in context.get("documents") or []]
    for ctx in contexts:
        person = ctx.get("complainant") or {}
        if person.get("shown") and not person.get("anonymous"):
            found.append((person.get("name") or "", person.get("phone") or ""))
    unique = []
    for pair in found:
        if any(pair) and pair not in unique:
            unique.append(pair)
    return unique


def _codes(context: dict, case: Case | None) -> list[str]:
    """The tracking codes to hide: the case's and each snapshot's."""
    contexts = [context] + [d.get("context") or {} for d in context.get("documents") or []]
    found = [case.tracking_code] if case is not None and case.tracking_code else []
    found += [(ctx.get("case") or {}).get("tracking_code") or "" for ctx in contexts]
    return [code for code in dict.fromkeys(found) if code]


def masked_context(context: dict, identities: list[tuple[str, str]], codes: list[str] = ()) -> dict:
    """The snapshot as a person who may not see the complainant is allowed to read it."""
    context = dict(scrub(context, redactor(identities, STAFF, codes)), masked=True)
    if context.get("documents"):
        context["documents"] = [dict(d, context=dict(d["context"], masked=True)) for d in context["documents"]]
    return context


def _key(context: dict, identities: list[tuple[str, str]], codes: list[str]) -> str:
    source = json.dumps({"format": MASK_FORMAT, "context": context, "identities": identities, "codes": codes},
                        sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(source.encode()).hexdigest()


def masked_pdf(runtime: Runtime, document_id: int, *, documents_dir: FileStore | Path,
               attachments_dir: FileStore | Path) -> str:
    """The masked copy's key in the documents store, rendered now unless an up-to-date one is cached."""
    store = as_store(documents_dir)
    with runtime.db.read() as session:
        row = session.get(Document, document_id)
        if row is None:
            raise NotFound(f"文书 {document_id} 不存在 (no such document)")
        context: dict[str, Any] = without_removed(session, row.case_id, row.context)
        case = session.get(Case, row.case_id)
        identities, codes = _identities(context, case), _codes(context, case)
        stem = f"{row.case_id}/masked-{row.id}-"
        target = f"{stem}{_key(context, identities, codes)}.pdf"
        if store.exists(target):
            return target
        images = case_images(session, row.case_id, attachments_dir, store) if context.get("photos") else {}
    rendered = render_pdf(masked_context(context, identities, codes), images)
    if rendered.refused:
        log.warning("masked copy of document %s: refused to fetch %s", document_id, rendered.refused)
    store.put(target, rendered.pdf)  # same key, same content: a racing process may replace it harmlessly
    for stale in list(store.keys(stem)):
        if stale != target and stale.endswith(".pdf"):
            store.delete(stale)
    return target
