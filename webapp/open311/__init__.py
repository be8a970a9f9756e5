"""Open311 GeoReport v2 at /open311/v2/: services, service requests and tokens, in JSON or XML.

Machine clients authenticate with ``api_key`` (an API token with the ``open311:submit`` scope),
not with a session, so the blueprint is exempt from CSRF. /open311/v2/openapi.json describes the
endpoints (webapp/open311/openapi.py).
"""
from __future__ import annotations

from webapp.open311 import errors, openapi, requests, services  # noqa: F401  (they add their routes to bp)
from webapp.open311.blueprint import bp

__all__ = ["bp"]
