"""Patrols (网格巡查): the grid officer's patrols of today and the check-in (phone), the
administrator's patrol points and frequency settings, and the supervisors' patrol ledger. The
rules are engine/patrol's; who sees what, engine/org/scopes.py's (patrol_scope).
"""
