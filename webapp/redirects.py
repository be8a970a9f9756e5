"""Where to go after a form: only somewhere on this site."""
from __future__ import annotations


def safe_next(target: str | None, fallback: str) -> str:
    """A redirect target from a form or query: same-site paths only, else ``fallback``.

    "//host" and "/\\host" would leave the site in some browsers (an open redirect).
    """
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return fallback
