"""Pages of a long list: the one place that counts, clamps the page number and slices."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def clamp(page: int, total: int, per_page: int) -> int:
    """A page number that exists (a bookmarked page 9 of a list that shrank shows its last page)."""
    return max(1, min(page, page_count(total, per_page)))


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def paginate(session: Session, query: Select, page: int, per_page: int) -> Page:
    """Count ``query``, clamp ``page`` and fetch its rows (``query`` must already be ordered)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = clamp(page, total, per_page)
    return Page(list(session.scalars(query.offset((page - 1) * per_page).limit(per_page))), total, page, per_page)
