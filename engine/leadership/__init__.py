"""A bureau leader's own cases (领导包案): the progress checks (调度), meetings (会商) and visits to the
complainant (带案下访) a leader records on the cases they own, the reminder of the next check and the
meetings' follow-up items (workflows/bpmn/leader_check.bpmn, leader_follow_up.bpmn), the
supervision section's flags (重点/疑难/积案) and the lists both work from.

Who may read and write what is engine/org/scopes.py's (leader_case_scope, flag_scope); callers
pass the scope in, as for the board's actions.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.org, engine.notify.
"""
