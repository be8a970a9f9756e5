"""Paged lists on the web side: the page a request asks for, and which page numbers the pager
links (webapp/templates/_pager.html). engine/core/paging.py clamps a page to the pages there are."""
from __future__ import annotations

from flask import request


def requested_page() -> int:
    """``?page=`` as a page number: 1 when it is missing, not a number or below 1."""
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def page_links(current: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: first, last and a window round the current one; None marks a gap."""
    wanted = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
    links: list[int | None] = []
    for n in wanted:
        if links and n - links[-1] > 1:
            links.append(None)
        links.append(n)
    return links
