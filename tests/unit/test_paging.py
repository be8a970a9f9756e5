"""Page arithmetic (engine/core/paging.py); paginate's query runs in tests/web/cases/test_cases.py."""
from __future__ import annotations

import pytest

from engine.core.paging import Page, clamp, page_count


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (20, 1), (21, 2), (40, 2), (41, 3)])
def test_page_count(total, pages):
    assert page_count(total, 20) == pages
    assert Page([], total, 1, 20).pages == pages


@pytest.mark.parametrize(("page", "total", "expected"), [
    (1, 45, 1), (3, 45, 3),
    (9, 45, 3),  # a bookmarked page past the end shows the last page
    (0, 45, 1), (-2, 45, 1),
    (2, 0, 1),  # an empty list has one (empty) page
])
def test_clamp(page, total, expected):
    assert clamp(page, total, 20) == expected
