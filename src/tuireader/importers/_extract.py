"""Finding the article inside a page: two extractors, and a rule for choosing between them.

trafilatura is the better judge of where the article starts and ends on news pages, so it runs
first; readability-lxml is the safety net for pages where trafilatura locks on to one block (a
teaser, a single section) and misses the rest.  Running readability costs as much as trafilatura,
so it only runs when a cheap measure of the page's running text (:func:`prose_length`) says
trafilatura's result may be missing part of the article.  Both see the same parsed, depth-limited
tree, so the page is parsed only once.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import lxml.html
from lxml import etree
from readability import Document
from readability.readability import Unparseable
from trafilatura.core import bare_extraction
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Extractor

from tuireader.importers._tree import collapse_whitespace

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
    return " ".join("".join(element.itertext()).split())


class _Readability(Document):
    """readability-lxml without its own input cleaning.

    Its ``_parse`` runs lxml's ``Cleaner`` over a copy of the tree (scripts, styles, comments,
    ``<link>``, ``on*`` and ``style`` attributes) and rewrites every link; the importer has
    already done all of that (:func:`._tree.strip_junk`, :func:`._tree.fix_links`) on the tree it
    hands over, so only the copy is kept: ``summary`` edits the tree, and parses again (from the
    untouched input) when its first, ruthless pass finds too little.
    """

    def _parse(self, input):
        self.encoding = "utf-8"
        return copy.deepcopy(input)


def readability_candidate(root: lxml.html.HtmlElement) -> Candidate:
    """Run readability-lxml on ``root`` (cleaned, links already absolute; left unchanged)."""
    try:
        html = _Readability(root).summary(html_partial=True)
    except (Unparseable, ValueError, TypeError) as exc:
        logging.getLogger(__name__).debug("readability failed: %s", exc)
        return Candidate("readability", None, "")
    if not html.strip():
        return Candidate("readability", None, "")
    try:
        element = lxml.html.document_fromstring(html).find("body")
    except etree.ParserError:
        element = None
    if element is None:  # it can hand back a whole page that has no body at all
        return Candidate("readability", None, "")
    element.tag = "div"
    return Candidate("readability", element, _text_of(element))


#: Elements trafilatura deletes in its own cleaning whatever the options (its
#: ``MANUALLY_CLEANED``, less ``form``, which it may keep, and the image containers it keeps with
#: ``images=True``).  Removing them first, tails kept as it does, gives the same result, but its
#: earlier XPath passes over the raw tree then have fewer elements to test.
_TRAFILATURA_DROPS = (
    "aside",
    "footer",
    "nav",
    "menu",
    "menuitem",
    "dialog",
    "fieldset",
    "legend",
    "label",
    "time",
    "output",
    "audio",
    "video",
    "map",
    "area",
    "option",
    "optgroup",
    "datalist",
    "progress",
    "head",
    "applet",
    "marquee",
    "blink",
    "frame",
    "frameset",
    "noindex",
    "rp",
    "rt",
    "rtc",
    "track",
    "param",
    "use",
    "embed",
    "object",
    "iframe",
    "fencedframe",
)


def _trafilatura_options() -> Extractor:
    """Fresh options per call (trafilatura may adjust them while it works)."""
    return Extractor(
        output_format="html",
        fast=True,
        precision=True,
        comments=False,
        formatting=True,
        links=True,
        images=True,
        tables=True,
        dedup=False,
    )


def trafilatura_candidate(root: lxml.html.HtmlElement) -> Candidate:
    """Run trafilatura on a copy of ``root`` and keep its result as a tree.

    ``bare_extraction`` is what ``trafilatura.extract`` runs, minus the content fingerprint and
    the serialisation to an HTML string (which would only be parsed again here).
    """
    tree = copy.deepcopy(root)
    etree.strip_elements(tree, *_TRAFILATURA_DROPS, with_tail=False)
    document = bare_extraction(tree, options=_trafilatura_options(), as_dict=False)
    body = getattr(document, "body", None)
    if body is None or (not len(body) and not (body.text or "").strip()):
        return Candidate("trafilatura", None, "")
    element = convert_to_html(body)[0]  # <html><body>…</body></html>: keep the body
    element.tag = "div"
    return Candidate("trafilatura", element, _text_of(element))


#: A candidate shorter than this fraction of the other is taken as a failed extraction.
FAILED_RATIO = 0.6
#: readability only runs when trafilatura's text is shorter than this fraction of the page's
#: prose (:func:`prose_length`).  On the benchmark pages where readability's result wins, that
#: fraction is at most 0.54, while most pages where trafilatura is right sit between 0.8 and 1;
#: 0.7 runs readability on about a fifth of the pages.
CHECK_RATIO = 0.7

#: Text nodes long enough to be running text (not a menu entry or a caption), outside links.
_PROSE = etree.XPath("//body//text()[string-length(normalize-space()) > 24][not(ancestor::a)]")


def prose_length(root: lxml.html.HtmlElement) -> int:
    """Characters of running text in the page: long text nodes outside links, whitespace collapsed.

    A cheap stand-in for the length of the article: boilerplate is mostly links and short
    labels, so it counts little, while an article counts almost in full.
    """
    return sum(len(" ".join(text.split())) for text in _PROSE(root))


def extract(root: lxml.html.HtmlElement) -> Candidate | None:
    """The article in ``root`` (cleaned, links already absolute), or None when there is none.

    trafilatura first; readability too when trafilatura found nothing or clearly less than the
    page's running text, then :func:`choose` decides.
    """
    traf = trafilatura_candidate(root)
    if traf.element is not None and len(traf.text) >= max(1, CHECK_RATIO * prose_length(root)):
        return traf
    collapse_whitespace(root)  # readability's text regexes crawl over long whitespace runs
    return choose([readability_candidate(root), traf])


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


def main_container(root: etree._Element) -> etree._Element:
    """For pages too large for the extractors: the biggest ``<article>``/``<main>``, or body."""
    candidates = root.xpath("//article | //main | //*[@role='main']")
    best = max(candidates, key=_text_length, default=None)
    if best is not None and _text_length(best) > 200:
        return best
    body = root.find("body")
    return body if body is not None else root


def _text_length(element: etree._Element) -> int:
    return int(element.xpath("string-length(string())"))
