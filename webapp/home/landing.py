"""Each role's home page, once: where "/" and signing in take a person.

Checked in this order, so a person with several roles lands where the most urgent of their work
is shown: supervisors and bureau leaders (supervisors of tier 4) on their dashboard, leads on their
approvals, intake staff and handlers (grid officers too) on their inbox. An administrator with no
other role has the open-cases overview.
"""
from __future__ import annotations

from collections.abc import Container

HOMES = (("supervisor", "home.dashboard"), ("lead", "approvals.index"), ("intake", "inbox.index"),
         ("handler", "inbox.index"))


def home_endpoint(roles: Container[str], endpoints: Container[str]) -> str | None:
    """The endpoint a person with ``roles`` lands on; None: the overview. Only a page the app has
    (``endpoints``) is chosen. Administrators' pass to every page (StaffMember.has) is not a role."""
    for role, endpoint in HOMES:
        if role in roles and endpoint in endpoints:
            return endpoint
    return None
