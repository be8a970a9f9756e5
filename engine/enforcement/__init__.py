"""Enforcement (执法办案): when handling (办理: "violation found"), a patrol check-in or an
inspection finds a violation, an enforcement case is opened and taken through
workflows/bpmn/enforcement.bpmn — 立案 (with its number), 调查取证, 行政处罚决定 (fine, 限产/停产
with dates, 责令改正), 整改复查, 结案 — or handed to the police (移交公安) when a crime is suspected,
with the police's decision awaited on a follow-up timer. Each step has a working-day deadline,
a warning and a one-tier escalation.

Also here: a transfer (转办) to an outside agency that works in greenloop waits for the agency's
result (workflows/bpmn/complaint.bpmn, agency_result) — ``agency.py``.

- ``start``: opening an enforcement case (from a handling step's hook, a patrol, an inspection);
- ``functions``: what enforcement.bpmn calls (numbering, each step's record, warning, escalation);
- ``agency``: what complaint.bpmn calls for a transfer to an outside agency;
- ``listing``: the enforcement cases a person may read (engine/org/scopes.py enforcement_scope).

The statistics' counts are engine/measures/enforcement.py; the documents (责令改正决定书,
行政处罚决定书, 案件移送书) are issued by the diagram's marked elements (documents/issue.py).

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.org, engine.notify, engine.work,
engine.cases, engine.patrol, engine.enterprises, documents.
"""
