"""A leader's own cases (我包的案件): the list, the page to record progress checks (调度), meetings
(会商) and visits (带案下访), and the supervision section's flagged cases (重点/疑难/积案) with the
flags on the case page. The rules are engine/leadership's; who may do what, engine/org/scopes.py's.
"""
