"""Parsed process specs: parse a deployed definition's files once, find the newest version.

Versions never change once deployed, so a parsed bundle is cached per version for the life of
the process; the runtime, instance migration, the form store and deploy-time validation all read
specs through here.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import reference_cache
from engine.core.errors import DeployError, NotFound
from engine.models import ProcessDefinition

MAIN_PROCESS = "complaint"


@dataclass
class ParsedBundle:
    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    # (bpmn_files, dmn_files) it was parsed from, for the checks that read the XML.
    files: tuple[dict[str, str], dict[str, str]] | None = None

    def all_specs(self):
        yield self.process_id, self.spec
        yield from self.subprocess_specs.items()


def _problem(err: ValidationException) -> tuple[str | None, str]:
    where = f"{err.file_name}" + (f" line {err.line_number}" if err.line_number else "")
    message = str(err.args[0]) if err.args else str(err)
    return (err.id or None, f"{message} ({where})" if where else message)


def properties(task_spec) -> dict[str, str]:
    """The greenloop extension properties a diagram element carries (form, stage, document, …)."""
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties") or {})


def parse_bundle(bpmn_files: dict[str, str], dmn_files: dict[str, str], process_id: str) -> ParsedBundle:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        for name, xml in bpmn_files.items():
            parser.add_bpmn_str(xml.encode("utf-8"), filename=name)
        for name, xml in dmn_files.items():
            parser.add_dmn_str(xml.encode("utf-8"), filename=name)
        spec = parser.get_spec(process_id)
        subs = parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        raise DeployError([_problem(err)]) from None
    except etree.XMLSyntaxError as err:
        raise DeployError([(None, f"XML 格式错误 (malformed XML): {err}")]) from None
    except KeyError as err:
        raise DeployError([(None, f"找不到流程 {process_id} (no process with id {err})")]) from None
    return ParsedBundle(process_id, spec, subs, files=(bpmn_files, dmn_files))


def latest_definition(session: Session, process_id: str = MAIN_PROCESS) -> ProcessDefinition | None:
    return session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc()).limit(1)
    ).first()


def require_latest(session: Session, process_id: str = MAIN_PROCESS) -> ProcessDefinition:
    definition = latest_definition(session, process_id)
    if definition is None:
        raise NotFound(f"流程 {process_id} 尚未部署，请先运行 greenloop deploy (process not deployed)")
    return definition


_spec_cache: dict[tuple[int, str], ParsedBundle] = {}
_spec_lock = threading.Lock()


def bundle_for(definition: ProcessDefinition) -> ParsedBundle:
    """Parsed specs per definition version; versions are immutable, so the cache never goes stale."""
    key = (definition.id, definition.checksum)
    with _spec_lock:
        cached = _spec_cache.get(key)
    if cached is None:
        cached = parse_bundle(definition.bpmn_files, definition.dmn_files, definition.process_id)
        with _spec_lock:
            _spec_cache[key] = cached
    return cached




class DefinitionRef(NamedTuple):
    """A deployed version as plain values, kept per process (engine/core/reference_cache.py)."""

    id: int
    process_id: str
    version: int
    checksum: str


def _ref(session: Session, where) -> DefinitionRef | None:
    row = session.execute(select(ProcessDefinition.id, ProcessDefinition.process_id, ProcessDefinition.version,
                                 ProcessDefinition.checksum).where(where)
                          .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    return DefinitionRef(*row) if row else None


def latest_ref(session: Session, process_id: str = MAIN_PROCESS) -> DefinitionRef:
    """The newest deployed version of ``process_id``, as ``require_latest`` finds it, without
    reading it every time a case starts."""
    ref = reference_cache.cached(session, "latest_definition", process_id,
                                 lambda: _ref(session, ProcessDefinition.process_id == process_id))
    if ref is None:
        raise NotFound(f"流程 {process_id} 尚未部署，请先运行 greenloop deploy (process not deployed)")
    return ref


def bundle_by_id(session: Session, definition_id: int) -> ParsedBundle:
    """The parsed specs of the version ``definition_id``; its files are read only the first time."""
    ref = reference_cache.cached(session, "definition", definition_id,
                                 lambda: _ref(session, ProcessDefinition.id == definition_id))
    if ref is None:
        raise NotFound(f"流程版本 {definition_id} 不存在 (no such process version)")
    with _spec_lock:
        cached = _spec_cache.get((ref.id, ref.checksum))
    return cached or bundle_for(session.get(ProcessDefinition, definition_id))
