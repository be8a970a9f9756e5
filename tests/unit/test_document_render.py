"""The renderer's guards: only the case's own images are fetched; templates escape and are strict."""
from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from documents.render import CaseImageFetcher, Image, RefusedURL, render_html
from engine.vocabulary.document_kinds import KINDS, parse_kinds, unknown_kinds

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.invalid/x.png", "https://127.0.0.1/",
                                 "case-image:99", "case-image:../1", "ftp://x/y"])
def test_fetcher_refuses_everything_but_the_case_images(url):
    fetcher = CaseImageFetcher({1: Image(PNG, "image/png")})
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_a_case_image():
    response = CaseImageFetcher({1: Image(PNG, "image/png")}).fetch("case-image:1")
    assert response.read() == PNG and response.content_type == "image/png"


def test_templates_refuse_missing_values_and_unknown_kinds():
    with pytest.raises(UndefinedError):
        render_html({"kind": "acceptance_notice", "title": "受理告知书"})
    with pytest.raises(ValueError):
        render_html({"kind": "memo"})


def test_kinds_contract():
    assert set(KINDS) == {"acceptance_notice", "rejection_notice", "assignment_slip", "transfer_slip",
                          "supervision_notice", "extension_notice", "reply", "closure_report", "case_file",
                          "correction_order", "penalty_decision", "case_transfer_letter"}
    # The enforcement papers go to the party or the police: the complainant stays masked.
    assert {k for k, v in KINDS.items() if v["confidential"]} == {"assignment_slip", "transfer_slip",
                                                                   "supervision_notice", "correction_order",
                                                                   "penalty_decision", "case_transfer_letter"}
    assert all({"zh", "en", "audience", "confidential", "prefix"} <= set(v) for v in KINDS.values())
    assert len({v["prefix"] for v in KINDS.values()}) == len(KINDS)
    assert parse_kinds(" reply, case_file ,") == ["reply", "case_file"]
    assert unknown_kinds("reply, memo") == ["memo"]
