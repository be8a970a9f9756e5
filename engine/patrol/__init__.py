"""Patrols (网格巡查): the points grid officers patrol, how often (by grid level, editable), the
scheduler that starts one patrol process (workflows/bpmn/patrol.bpmn) per point and slot, the
check-in (position, checklist, photos; a problem found becomes a complaint case), the diagram's
warning/escalation functions and the ledger counts.

Who sees which patrols is engine/org/scopes.py's (patrol_scope); callers pass the scope in.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.org, engine.notify, engine.work,
engine.cases, engine.storage.
"""
