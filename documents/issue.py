"""Issuing documents: at the BPMN step where the diagram says they are due, and on demand.

Issuing is cheap on purpose (the demo pushes thousands of cases through the engine): it
allocates the number, snapshots the plain context dict into a ``document`` row (status
pending) and records an audit event, all inside the caller's transaction. The PDF is rendered
later, outside any engine step (engine/document_render.py).

A diagram element says what it issues with the SpiffWorkflow extension property ``document``
(comma-separated kinds, see engine/vocabulary/document_kinds.py); when such an element completes during a step,
``from_step`` issues them. Each SpiffWorkflow task issues once, in the step that completed it
(engine/core/runtime.StepOutcome.finished); its id is kept on the row.
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, String, Text, bindparam, cast, func, insert, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import array as pg_array
from sqlalchemy.orm import Session

from documents import settings as document_settings
from engine.core import counters
from engine.core.errors import NotFound
from engine.core.runtime import Runtime, StepOutcome
from engine.core.specs import properties
from engine.models import AuditEvent, Case, Patrol
from engine.models.documents import Document, DocumentCounter
from engine.vocabulary.document_kinds import DOCUMENT_PROPERTY, KINDS, UnknownDocumentKind, parse_kinds

log = logging.getLogger(__name__)


def next_number(session: Session, kind: str, now: datetime, tz: str) -> str:
    """环受告〔2026〕第12号: one series per kind and year, allocated under a row lock."""
    return number_in_series(session, KINDS[kind]["prefix"], now, tz)


def number_in_series(session: Session, prefix: str, now: datetime, tz: str) -> str:
    """The next number of the series ``prefix`` in the local year of ``now`` (case documents, and
    the periodic reports of engine/reports)."""
    year = now.astimezone(ZoneInfo(tz)).year
    return _numbered(prefix, year, counters.bump(session, DocumentCounter, prefix=prefix, year=year))


def _numbered(prefix: str, year: int, last):
    """The ``last``-th number of a series; ``last`` a count, or a SQL expression."""
    head, tail = f"{prefix}〔{year}〕第", "号"
    if isinstance(last, int):
        return f"{head}{last}{tail}"
    return literal(head) + cast(last, String) + literal(tail)


def issue(session: Session, case: Case, kind: str, *, actor: str, now: datetime, tz: str,
          element: str | None = None, source_task: str | None = None, instance_id: int | None = None,
          step: dict | None = None, pending: list[AuditEvent] = (), number: str | None = None,
          version: int = 1) -> tuple[Document, AuditEvent]:
    """Snapshot one document (a new number unless ``number`` is given); returns it and its
    audit event, which the caller adds (an engine step adds it with the step's own events)."""
    context = snapshot(session, case, kind, actor=actor, now=now, tz=tz, step=step, pending=pending,
                       number=number, version=version)
    return _store(session, kind, context, case_id=case.id, stage=case.stage, actor=actor, now=now, tz=tz,
                  element=element, source_task=source_task, instance_id=instance_id)


def snapshot(session: Session, case: Case, kind: str, *, actor: str, now: datetime, tz: str,
             step: dict | None = None, pending: list[AuditEvent] = (), number: str | None = None,
             version: int = 1) -> dict:
    """A case document's context, only read: a new number (``number`` None) is given when it is
    stored, so a snapshot that fails has written nothing (``from_step``)."""
    # Late: the context builder reads the case file, whose modules import the runtime, which
    # imports this module for from_step.
    from documents.context import build_context

    if kind not in KINDS:
        raise UnknownDocumentKind(kind)
    return build_context(session, case, kind, number=number, version=version, issued_at=now, issued_by=actor,
                         tz=tz, settings=document_settings.load(session), step=step, pending=list(pending))


def patrol_snapshot(session: Session, patrol: Patrol, kind: str, *, actor: str, now: datetime, tz: str,
                    step: dict | None = None, pending: list[AuditEvent] = ()) -> dict:
    """A missed patrol's document (its supervision notice), as ``snapshot``, about the patrol."""
    from documents.patrol_notice import build_patrol_context  # late, as in ``snapshot``

    if kind not in KINDS:
        raise UnknownDocumentKind(kind)
    return build_patrol_context(session, patrol, kind, number=None, version=1, issued_at=now, issued_by=actor,
                                tz=tz, settings=document_settings.load(session), step=step, pending=list(pending))


def _store(session: Session, kind: str, context: dict, *, actor: str, now: datetime, tz: str, element: str | None,
           source_task: str | None, instance_id: int | None, case_id: int | None = None,
           patrol_id: int | None = None, stage: str | None = None) -> tuple[Document, AuditEvent]:
    if context["number"] is None:
        context["number"] = next_number(session, kind, now, tz)
    row = Document(case_id=case_id, patrol_id=patrol_id, instance_id=instance_id, kind=kind, number=context["number"],
                   version=context["version"], element=element, source_task=source_task, context=context,
                   identity_shown=context["identity_shown"], status="pending", issued_by=actor, issued_at=now)
    session.add(row)
    session.flush()
    return row, _issued_event(row.id, kind, context, actor=actor, now=now, element=element, instance_id=instance_id,
                              case_id=case_id, patrol_id=patrol_id, stage=stage)


def _issued_event(document_id: int, kind: str, context: dict, *, actor: str, now: datetime, element: str | None,
                  instance_id: int | None, case_id: int | None, patrol_id: int | None, stage: str | None) -> AuditEvent:
    return AuditEvent(case_id=case_id, instance_id=instance_id, at=now, actor=actor, kind="document_issued",
                      stage=stage, detail={"document_id": document_id, "kind": kind, "title": KINDS[kind]["zh"],
                                           "number": context["number"], "version": context["version"],
                                           "element": element, **({"patrol_id": patrol_id} if patrol_id else {})})


_IN_PLACE: dict[tuple[str, int], object] = {}
_COLUMNS = ("case_id", "patrol_id", "instance_id", "kind", "version", "element", "source_task", "identity_shown",
            "status", "issued_by", "issued_at")


def _store_in_place(session: Session, kind: str, context: dict, *, actor: str, now: datetime, tz: str,
                    element: str | None, source_task: str | None, instance_id: int | None,
                    case_id: int | None = None, patrol_id: int | None = None, stage: str | None = None,
                    ) -> AuditEvent | None:
    """PostgreSQL, a new number: count on the kind's series and write the document with it in one
    statement (the counter's UPDATE in a WITH, as case numbers are written: engine/cases/numbering.py);
    its audit event, or None when the series has no row for the year yet (``_store`` makes it)."""
    prefix, year = KINDS[kind]["prefix"], now.astimezone(ZoneInfo(tz)).year
    statement = _IN_PLACE.get((prefix, year))
    if statement is None:  # built once per series and year: building it costs more CPU than running it
        table = Document.__table__
        bumped = counters.bump_statement(DocumentCounter, prefix=prefix, year=year).cte("bumped")
        number = _numbered(prefix, year, bumped.c.last)
        # The snapshot carries its number too (the PDF prints it): set in the JSON as it is written.
        snapshot = cast(func.jsonb_set(cast(bindparam("context", type_=JSON), JSONB),
                                       cast(pg_array([literal("number")]), ARRAY(Text)), func.to_jsonb(number)),
                        table.c.context.type)
        values = [bindparam(name, type_=table.c[name].type) for name in _COLUMNS]
        statement = _IN_PLACE[(prefix, year)] = insert(table).from_select(
            [*_COLUMNS, "number", "context"], select(*values, number, snapshot).select_from(bumped)) \
            .returning(table.c.id, table.c.number)
    row = session.connection().execute(statement, {
        "context": context, "case_id": case_id, "patrol_id": patrol_id, "instance_id": instance_id, "kind": kind,
        "version": context["version"], "element": element, "source_task": source_task,
        "identity_shown": context["identity_shown"], "status": "pending", "issued_by": actor, "issued_at": now,
    }).first()
    if row is None:
        return None
    context["number"] = row.number
    return _issued_event(row.id, kind, context, actor=actor, now=now, element=element, instance_id=instance_id,
                         case_id=case_id, patrol_id=patrol_id, stage=stage)


def from_step(outcome: StepOutcome) -> list[int]:
    """Issue what the elements this step completed are marked to issue; earlier steps'
    completions are not looked at again. Called by the runtime after every step
    (engine/bootstrap.py wires it)."""
    ctx = outcome.context
    if ctx.case is None and ctx.instance_id is None:
        return []
    due = []
    for task in outcome.finished():
        kinds = parse_kinds(properties(task.task_spec).get(DOCUMENT_PROPERTY))
        if kinds:
            due.append((task, kinds))
    if not due:
        return []
    # A case's documents; or a patrol's (its process has no case: documents/patrol_notice.py).
    patrol = None
    if ctx.case is None:
        # No autoflush: a value the step set that the database refuses must fail where the step
        # flushes, with its own message, not in this lookup.
        with ctx.session.no_autoflush:
            patrol = ctx.session.scalars(select(Patrol).where(Patrol.instance_id == ctx.instance_id)).first()
        if patrol is None:
            return []
    # The step's events are not flushed yet: the snapshot takes them as ``pending``, and the
    # runtime writes them with the documents' own events in one batch.
    issued = []
    tz = ctx.timezone.key
    in_place = ctx.session.get_bind().dialect.name == "postgresql"
    where = dict(actor=ctx.actor, now=ctx.now(), tz=tz)
    for task, kinds in due:
        step = {"element": task.task_spec.bpmn_id}
        if "supervise_tier" in task.data:
            step["tier"] = task.data["supervise_tier"]
        if "enforcement_id" in task.data:  # an enforcement paper names its enforcement case
            step["enforcement_id"] = task.data["enforcement_id"]
        for kind in kinds:
            # A document that cannot be issued must not stop the case itself: its snapshot only
            # reads, so one that fails has nothing to undo; its number and row are written after.
            try:
                if ctx.case is not None:
                    context = snapshot(ctx.session, ctx.case, kind, step=step, pending=ctx.audit, **where)
                else:
                    context = patrol_snapshot(ctx.session, patrol, kind, step=step, pending=ctx.audit, **where)
            except Exception as err:
                log.exception("issuing %s for %s at %s failed", kind,
                              f"case {ctx.case.id}" if ctx.case is not None else f"patrol {patrol.id}",
                              task.task_spec.bpmn_id)
                ctx.record("document_failed", document=kind, title=KINDS.get(kind, {}).get("zh", kind),
                           element=task.task_spec.bpmn_id, error=f"{type(err).__name__}: {err}"[:300])
                continue
            subject = dict(case_id=ctx.case.id, stage=ctx.case.stage) if ctx.case is not None \
                else dict(patrol_id=patrol.id)
            place = dict(element=task.task_spec.bpmn_id, source_task=str(task.id), instance_id=ctx.instance_id,
                         **subject, **where)
            event = _store_in_place(ctx.session, kind, context, **place) if in_place else None
            if event is None:
                event = _store(ctx.session, kind, context, **place)[1]
            ctx.audit.append(event)
            issued.append(event.detail["document_id"])
    return issued


def issue_now(session: Session, runtime: Runtime, case_id: int, kind: str, *, actor: str, scope) -> Document:
    """Issue a document from the case page (a new number)."""
    case = _case(session, case_id, scope)
    row, event = issue(session, case, kind, actor=actor, now=runtime.now(), tz=runtime.timezone)
    session.add(event)
    return row


def regenerate(session: Session, runtime: Runtime, case_id: int, document_id: int, *, actor: str, scope) -> Document:
    """A new version of a document from a fresh snapshot of the case; the old versions stay."""
    case = _case(session, case_id, scope)
    old = session.scalars(select(Document).where(Document.id == document_id, Document.case_id == case.id)).first()
    if old is None:
        raise NotFound(f"文书 {document_id} 不存在 (no such document)")
    version = (session.scalar(select(func.max(Document.version)).where(Document.number == old.number)) or 0) + 1
    row, event = issue(session, case, old.kind, actor=actor, now=runtime.now(), tz=runtime.timezone,
                       element=old.element, instance_id=old.instance_id, step=(old.context or {}).get("step"),
                       number=old.number, version=version)
    session.add(event)
    return row


def _case(session: Session, case_id: int, scope) -> Case:
    # Locked: numbers and versions of one case are allocated one issuer at a time.
    case = session.scalars(select(Case).where(Case.id == case_id, scope).with_for_update()).first()
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在 (no such case)")
    return case


def list_documents(session: Session, case_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.case_id == case_id)
                                .order_by(Document.issued_at, Document.id)))


def get_document(session: Session, case_id: int, document_id: int) -> Document | None:
    return session.scalars(select(Document).where(Document.id == document_id, Document.case_id == case_id)).first()
