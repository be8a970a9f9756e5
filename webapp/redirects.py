"""Where to go after a form: only somewhere on this site.

A ``next`` value is decided the way the browser that follows the redirect will read it: by a URL
parser that implements the WHATWG URL Standard (ada, through ada-url). Checking the text instead
misses what browsers forgive — they drop leading and trailing control characters and spaces,
remove tabs and newlines anywhere, and read a backslash as a slash — so "/\\t/evil.example" or
"/\\\\evil.example" leave the site while looking like paths.

The value is resolved against two made-up pages that differ in scheme, host and folder. A path on
this site ("/cases/7?tab=files") resolves to the same path on each page's own host; anything with
its own scheme ("javascript:…", "http:evil.example" — relative only on an http page), its own host
("//evil.example") or relative to the current folder ("cases/7", "?page=2") does not, and is
refused. What is returned is the parser's serialization (percent-encoded, no control characters),
so the Location header holds exactly what was checked.
"""
from __future__ import annotations

from ada_url import URL

# (scheme, host, page): RFC 2606 ".invalid" hosts are never real ones.
_BASES = (("http:", "one.greenloop.invalid", "/a/b"), ("https:", "two.greenloop.invalid", "/c/d/"))
MAX_LENGTH = 2000


def _resolve(target: str, scheme: str, host: str, page: str) -> str | None:
    """``target`` as a path, query and fragment on the page's own site, as seen from that page."""
    try:
        url = URL(target, f"{scheme}//{host}{page}")
    except ValueError:
        return None
    if url.protocol != scheme or url.host != host or url.username or url.password:
        return None
    return url.pathname + url.search + url.hash


def safe_next(target: str | None, fallback: str) -> str:
    """A redirect target from a form or query: a path on this site, else ``fallback``."""
    if not target or not isinstance(target, str) or len(target) > MAX_LENGTH:
        return fallback
    found = {_resolve(target, *base) for base in _BASES}
    if len(found) != 1:
        return fallback
    (path,) = found
    # "/.//evil.example" resolves to the path "//evil.example", which a browser reads as a host.
    if path is None or not path.startswith("/") or path.startswith("//"):
        return fallback
    return path
