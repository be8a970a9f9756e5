"""Where the deployed decision tables route cases: the department codes their rules output, for
the administrator who wants to rename or delete a department."""
from __future__ import annotations

from collections import defaultdict

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import ProcessDefinition, ProcessInstance


def _routing_definitions(session: Session) -> list[ProcessDefinition]:
    """The latest version of each process, and every version an instance still runs."""
    latest = select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v")) \
        .group_by(ProcessDefinition.process_id).subquery()
    ids = set(session.scalars(select(ProcessDefinition.id).join(
        latest, (ProcessDefinition.process_id == latest.c.process_id) & (ProcessDefinition.version == latest.c.v))))
    ids |= set(session.scalars(select(ProcessInstance.definition_id).where(ProcessInstance.status == "running")
                               .distinct()))
    return list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.in_(ids))
                                .order_by(ProcessDefinition.version.desc())))


def routing_index(session: Session) -> dict[str, list[dict]]:
    """Department codes named by DMN rule outputs (where routing would send or transfer cases),
    each with the rules: {"version", "file", "rule", "description"}."""
    found: dict[str, list[dict]] = defaultdict(list)
    seen = set()
    for definition in _routing_definitions(session):
        for name, xml in (definition.dmn_files or {}).items():
            try:
                root = etree.fromstring(xml.encode("utf-8"))
            except etree.XMLSyntaxError:
                continue
            for rule in root.iter("{*}rule"):
                ref = {"version": definition.version, "file": name, "rule": rule.get("id"),
                       "description": (rule.findtext("{*}description") or "").strip()}
                outputs = {(o.findtext("{*}text") or "").strip().strip('"').strip("'")
                           for o in rule.iter("{*}outputEntry")}
                for code in outputs - {""}:
                    # Newest version first: an older one only adds what it routes differently.
                    if (name, ref["rule"], code) not in seen:
                        seen.add((name, ref["rule"], code))
                        found[code].append(ref)
    return found
