"""Deploy-time check of the `document` property diagram elements carry (see document_issue):
a kind greenloop cannot produce is refused when the diagram is deployed, naming the element,
rather than silently issuing nothing when a case gets there."""
from __future__ import annotations

from documents.kinds import KINDS, unknown_kinds

PROPERTY = "document"


def document_property(task_spec) -> str | None:
    extensions = getattr(task_spec, "extensions", None) or {}
    return (extensions.get("properties") or {}).get(PROPERTY)


def check_document_properties(bundle) -> list[tuple[str, str]]:
    problems = []
    known = "、".join(KINDS)
    for _pid, spec in bundle.all_specs():
        for ts in spec.task_specs.values():
            element = getattr(ts, "bpmn_id", None)
            if not element:
                continue
            for kind in unknown_kinds(document_property(ts)):
                problems.append((element, f"未知的文书类型“{kind}” (unknown document kind {kind!r}; known: {known})"))
    return problems
