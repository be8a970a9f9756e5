"""HTML (Jinja) → PDF (WeasyPrint) for every document kind.

Templates see one plain dict, ``doc`` (engine/document_context.py builds it); autoescaping is
on and an undefined name is an error, not an empty string. WeasyPrint fetches nothing but the
case's own images: ``case-image:<attachment id>`` URLs the caller supplies; ``file:``,
``http(s):`` and every other URL are refused, so text someone typed into a complaint can never
make the renderer read a local file or call out to the network.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

# WeasyPrint logs every layout step at INFO (thousands of lines a minute from the worker, and its
# own stylesheets at import): quietened before the import.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from engine.vocabulary.document_kinds import KINDS, REPORT_KINDS  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent / "templates"
IMAGE_SCHEME = "case-image:"


class RefusedURL(ValueError):
    pass


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str


class CaseImageFetcher(URLFetcher):
    """Serves ``case-image:<id>`` from the images handed in; refuses everything else."""

    def __init__(self, images: dict[int, Image]):
        super().__init__(allowed_protocols=())
        self.images = images
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith(IMAGE_SCHEME):
            key = url[len(IMAGE_SCHEME):]
            image = self.images.get(int(key)) if key.isdigit() else None
            if image is not None:
                return URLFetcherResponse(url, image.data, {"Content-Type": image.content_type})
        self.refused.append(url[:200])
        raise RefusedURL(f"refused URL {url[:200]!r}")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["KINDS"] = KINDS
    return env


_env = _environment()
_css = CSS(filename=str(TEMPLATES / "document.css"))
# A masked copy (engine/document_mask.py) says so in every page's margin.
_masked_css = CSS(filename=str(TEMPLATES / "masked.css"))
# Font lookups are the slow part of a warm render; one configuration per thread is reused.
_local = threading.local()


def _fonts() -> FontConfiguration:
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        fonts = _local.fonts = FontConfiguration()
    return fonts


def render_html(context: dict, available: Collection[int] = ()) -> str:
    """``available``: the ids of the case images the renderer can serve; any other photo of the
    context is printed as a placeholder naming the file, never a broken or refused image."""
    kind = context["kind"]
    if context.get("report"):
        # A periodic report (engine/reports/content.py): about a period, not a case.
        if kind not in REPORT_KINDS:
            raise ValueError(f"unknown report kind {kind!r}")
        return _env.get_template("report.html").render(doc=context, available=frozenset())
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    template = "case_file.html" if kind == "case_file" else "page.html"
    return _env.get_template(template).render(doc=context, available=frozenset(available))


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    refused: list[str]


def render_pdf(context: dict, images: dict[int, Image] | None = None) -> Rendered:
    fetcher = CaseImageFetcher(images or {})
    html = HTML(string=render_html(context, fetcher.images.keys()), url_fetcher=fetcher, base_url=None)
    fonts = _fonts()
    stylesheets = [_css, _masked_css] if context.get("masked") else [_css]
    document = html.render(stylesheets=stylesheets, font_config=fonts)
    return Rendered(document.write_pdf(), len(document.pages), fetcher.refused)


# Pages that are no case document (the four-colour ledger, engine/ledger/pdf.py): the same
# escaping, fonts and refusal of every URL, with a stylesheet of their own.
_page_css: dict[str, CSS] = {}


def render_page_pdf(template: str, context: dict, stylesheet: str) -> Rendered:
    """``template`` (under documents/templates) rendered with ``doc=context`` and ``stylesheet``
    (a CSS file beside it); nothing outside is fetched."""
    css = _page_css.get(stylesheet)
    if css is None:
        css = _page_css[stylesheet] = CSS(filename=str(TEMPLATES / stylesheet))
    fetcher = CaseImageFetcher({})
    html = HTML(string=_env.get_template(template).render(doc=context), url_fetcher=fetcher, base_url=None)
    document = html.render(stylesheets=[css], font_config=_fonts())
    return Rendered(document.write_pdf(), len(document.pages), fetcher.refused)
