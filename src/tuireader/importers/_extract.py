"""Finding the article inside a page: two extractors, and a rule for choosing between them.

readability-lxml returns the original markup of the article (good for structure); trafilatura is
the better judge of where the article starts and ends on news pages.  Both see a copy of the
same parsed, depth-limited tree, so the page is parsed only once.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import lxml.html
import trafilatura
from readability import Document
from readability.readability import Unparseable

for _name in ("trafilatura", "readability", "readability.readability", "htmldate", "courlan"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


@dataclass
class Candidate:
    """One extractor's idea of the article."""

    name: str
    element: lxml.html.HtmlElement | None
    text: str


def _text_of(element: lxml.html.HtmlElement | None) -> str:
    if element is None:
        return ""
    return " ".join(element.text_content().split())


def readability_candidate(root: lxml.html.HtmlElement, url: str | None) -> Candidate:
    """Run readability-lxml on a copy of ``root``."""
    try:
        html = Document(copy.deepcopy(root), url=url).summary(html_partial=True)
    except (Unparseable, ValueError, TypeError) as exc:
        logging.getLogger(__name__).debug("readability failed: %s", exc)
        return Candidate("readability", None, "")
    if not html.strip():
        return Candidate("readability", None, "")
    element = lxml.html.fragment_fromstring(html, create_parent="div")
    return Candidate("readability", element, _text_of(element))


def trafilatura_candidate(root: lxml.html.HtmlElement, url: str | None) -> Candidate:
    """Run trafilatura on a copy of ``root`` and parse its HTML output."""
    html = trafilatura.extract(
        copy.deepcopy(root), url=url, output_format="html", include_comments=False,
        include_tables=True, include_links=True, include_images=True,
        include_formatting=True, favor_precision=True, fast=True,
    )
    if not html:
        return Candidate("trafilatura", None, "")
    element = lxml.html.fragment_fromstring(html, create_parent="div")
    body = element.find(".//body")
    if body is not None:
        body.tag = "div"
        element = body
    return Candidate("trafilatura", element, _text_of(element))


#: A candidate shorter than this fraction of the other is taken as a failed extraction.
FAILED_RATIO = 0.6


def choose(candidates: list[Candidate]) -> Candidate | None:
    """Pick the candidate most likely to be the whole article and nothing else.

    trafilatura draws the article's edges more precisely, so it wins by default; but either
    extractor sometimes locks on to one block of a page (a teaser, a single section), so when one
    candidate is much shorter than the other, the longer one is the article.
    """
    by_name = {c.name: c for c in candidates if c.element is not None and c.text}
    traf = by_name.get("trafilatura")
    read = by_name.get("readability")
    if traf is None or read is None:
        return traf or read
    if len(traf.text) < FAILED_RATIO * len(read.text):
        return read
    return traf
